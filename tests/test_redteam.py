"""Red-team cases of issue 9 that no other test proved end to end (map: tests/REDTEAM.md).

Every letter is for a fictional body.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, Installer, annual_review_letter

import lgo_check.runner

PARAGRAPH = (
    "The fictional parish committee met on a Tuesday and talked about the budget for the "
    "coming year at some length. "
)


def _files(result: CliResult) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in result.json()["files"]}


def test_letter_over_a_million_characters_costs_no_report(lgo_workdir: Path, lgo_cli: Any) -> None:
    """spaCy refuses texts over its max_length (E088): such a letter must still be
    checked in full, and the letter beside it too."""
    filler = "\n\n".join(PARAGRAPH * 10 for _ in range(1_000_000 // (len(PARAGRAPH) * 10) + 2))
    letter = annual_review_letter(compliance_rate=80).replace(
        "Yours sincerely,",
        filler + "\n\nWe issued a witness summons to the Council in March.\n\nYours sincerely,",
    )
    assert len(letter) > 1_000_000
    Path("a-long.txt").write_text(letter, "utf-8")
    Path("b-short.txt").write_text(annual_review_letter(), "utf-8")
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 1, result  # the long letter's findings, not an internal error
    files = _files(result)
    rules = {f["rule"] for f in files["a-long.txt"]["findings"]}
    assert {"compliance-below-100", "witness-summons"} <= rules
    assert "check-failed" not in rules and files["a-long.txt"]["checked"]
    assert files["b-short.txt"]["checked"] and files["b-short.txt"]["findings"] == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_time_limit_covers_extraction(
    lgo_workdir: Path, lgo_cli: Any, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """A file whose extraction never ends is stopped at the time limit and reported;
    the files after it are checked."""
    real = lgo_check.runner.extract_letters

    def stuck_on_loopford(norms: Any, *args: Any, **kwargs: Any) -> Any:
        if any("Loopford" in norm.text for norm in norms):
            # Far past the limit of 1 s; it ends at last so that no thread the run
            # leaves behind outlives the test for long.
            until = time.monotonic() + 30
            while time.monotonic() < until:
                time.sleep(0.01)
        return real(norms, *args, **kwargs)

    monkeypatch.setattr(lgo_check.runner, "extract_letters", stuck_on_loopford)
    Path("a-stuck.txt").write_text(annual_review_letter().replace("Quillmere", "Loopford"), "utf-8")
    Path("b-after.txt").write_text(annual_review_letter(compliance_rate=90), "utf-8")
    Path("lgo-check.toml").write_text("timeout-seconds = 1\n", "utf-8")
    started = time.monotonic()
    result = lgo_cli("--format", "json", "-j", jobs, ".")
    assert time.monotonic() - started < 60  # never a hang
    assert result.code == 1, result
    files = _files(result)
    assert not files["a-stuck.txt"]["checked"]
    assert "longer than the limit of 1 s" in files["a-stuck.txt"]["error"]
    assert "compliance-below-100" in {f["rule"] for f in files["b-after.txt"]["findings"]}


PLUGIN = '''
from lgo_check.hookspecs import hookimpl
from lgo_check.model import Severity
from lgo_check.rule import Hit, Rule


class Forger(Rule):
    """A rule whose message tries to start a line of its own."""

    code = "FORGE001"
    name = "forger"
    severity = Severity.warning

    def check(self, letter, options):
        yield Hit("one\\n::error file=x.txt,line=1::forged\\r\\x1b[2J\\u202e")


@hookimpl
def lgo_check_rules():
    return [Forger]
'''


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_plugin_message_cannot_start_a_line(
    lgo_workdir: Path, lgo_cli: Any, install_plugin: Installer, fmt: str
) -> None:
    install_plugin("forger-pack", "forger", "forger_lgo_pack", PLUGIN)
    Path("a.txt").write_text(annual_review_letter(), "utf-8")
    result = lgo_cli("--isolated", "--format", fmt, ".")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert not any(line.startswith("::error file=x") for line in lines)
    assert "\x1b" not in result.out and "\u202e" not in result.out and "\r" not in result.out
    assert any("FORGE001" in line and "one\\n" in line for line in lines)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_control_characters_in_letter_text_are_escaped(
    lgo_workdir: Path, lgo_cli: Any, fmt: str
) -> None:
    """Text from the letter quoted in a finding (a concern's sentence) reaches the
    terminal or CI log only as visible escapes."""
    letter = annual_review_letter().replace(
        "Yours sincerely,",
        "We issued a witness summons \x1b[2J\x07 to the Council \u202e in March.\n\n"
        "Yours sincerely,",
    )
    Path("a.txt").write_text(letter, "utf-8")
    result = lgo_cli("--isolated", "--format", fmt, ".")
    assert result.code == 1, result
    assert "witness" in result.out
    for char in ("\x1b", "\x07", "\u202e"):
        assert char not in result.out, repr(char)
    assert "\\x1b" in result.out and "\\u202e" in result.out
