"""Hostile and broken plugins, failing stages, and injection attempts.

Whatever a plugin does (exit, interrupt, misspell a hook, return nonsense), the run
ends with status 2 and every file's report; whatever a file is called or a message
says, it cannot start a line of its own in text or GitHub output.
"""

from __future__ import annotations

import json
import math
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import Installer, annual_review_letter

import lgo_check.runner
from lgo_check.config import Config, ConfigError
from lgo_check.model import FileReport, Finding, Report, Severity, Summary, ToolInfo
from lgo_check.plugins import build_registry
from lgo_check.report import github, render, sarif
from lgo_check.selection import select_rules

#: Fires compliance-below-100 (an error) and compliance-below-peer-average.
FIGURES = {"compliance_rate": 90}


def _letters(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_text(annual_review_letter(**FIGURES), encoding="utf-8")


def _files(result: Any) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in result.json()["files"]}


def _rule_plugin(body: str, code: str = "HOST001", name: str = "hostile-rule") -> str:
    return f'''
import os, signal, sys
from lgo_check.hookspecs import hookimpl
from lgo_check.model import Severity, Span
from lgo_check.rule import Hit, Rule


class Hostile(Rule):
    """A rule that does something it should not."""

    code = "{code}"
    name = "{name}"
    severity = Severity.warning

    def check(self, letter, options):
{body}


@hookimpl
def lgo_check_rules():
    return [Hostile]
'''


def _indent(code: str) -> str:
    return "\n".join("        " + line for line in code.strip().splitlines())


# --- plugins that exit or interrupt --------------------------------------------------


@pytest.mark.parametrize("call", ["sys.exit(0)", "sys.exit()", "raise KeyboardInterrupt"])
def test_plugin_exiting_at_import_is_a_plugin_failure(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path, call: str
) -> None:
    install_plugin("exiting-pack", "exiting", "exiting_lgo_pack", f"import sys\n{call}\n")
    _letters(lgo_workdir, "a.txt", "b.txt")
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2, result
    assert "plugin 'exiting'" in result.err and "could not be loaded" in result.err
    files = _files(result)
    assert list(files) == ["a.txt", "b.txt"]
    assert all("LGO201" in {f["rule_id"] for f in file["findings"]} for file in files.values())


@pytest.mark.parametrize(
    ("call", "said"),
    [
        ("sys.exit(0)", "SystemExit: called sys.exit(0)"),
        ("raise SystemExit", "SystemExit: called sys.exit(None)"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt: raised by the plugin"),
    ],
)
def test_rule_exiting_in_check_is_a_rule_failure(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path, call: str, said: str
) -> None:
    install_plugin("exiting-pack", "exiting", "exiting_lgo_pack", _rule_plugin(_indent(call)))
    _letters(lgo_workdir, "a.txt", "b.txt")
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2, result
    assert f"a.txt: rule HOST001 hostile-rule (plugin 'exiting') raised {said}" in result.err
    for file in _files(result).values():
        rules = [f["rule"] for f in file["findings"]]
        assert "compliance-below-100" in rules and "check-failed" in rules


def test_exit_zero_never_passes_ci(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    """Even with nothing else to report and --fail-on never, a plugin's exit is status 2."""
    install_plugin(
        "exiting-pack", "exiting", "exiting_lgo_pack", _rule_plugin(_indent("sys.exit(0)"))
    )
    (lgo_workdir / "clean.txt").write_text(annual_review_letter(), encoding="utf-8")
    for fmt in ("text", "github", "sarif"):
        result = lgo_cli("--isolated", "--format", fmt, "--fail-on", "never", ".")
        assert result.code == 2, (fmt, result)
        assert result.out


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_users_ctrl_c_still_stops_the_run(
    lgo_cli: Any,
    install_plugin: Installer,
    lgo_workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    jobs: str,
) -> None:
    """A real SIGINT to lgo-check (not a plugin raising KeyboardInterrupt) ends the run."""
    monkeypatch.setenv("LGO_TEST_MAIN_PID", str(os.getpid()))
    body = _indent("os.kill(int(os.environ['LGO_TEST_MAIN_PID']), signal.SIGINT)\nyield from ()")
    install_plugin("slow-pack", "slow", "slow_lgo_pack", _rule_plugin(body))
    _letters(lgo_workdir, "a.txt", "b.txt")
    result = lgo_cli("--isolated", "-j", jobs, ".")
    assert result.code == 2
    assert "lgo-check: interrupted" in result.err
    assert "b.txt" not in result.out  # the run stopped at the first file


# --- contracts checked at registration --------------------------------------------------


def test_misspelt_hook_is_an_error_naming_the_plugin(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    source = _rule_plugin(_indent("yield Hit('x')")).replace(
        "def lgo_check_rules", "def lgo_check_rulez"
    )
    install_plugin("typo-pack", "typo", "typo_lgo_pack", source)
    _letters(lgo_workdir, "a.txt")
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2
    assert "plugin 'typo'" in result.err and "unknown hook(s) lgo_check_rulez" in result.err
    assert "lgo_check_rules" in result.err  # the right names are listed
    assert "LGO201" in {f["rule_id"] for f in _files(result)["a.txt"]["findings"]}


def test_plugin_name_builtin_is_reserved(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    source = _rule_plugin(_indent("yield Hit('taken over')"))
    install_plugin("usurper-pack", "builtin", "usurper_lgo_pack", source)
    _letters(lgo_workdir, "a.txt")
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2
    assert "the name 'builtin' is reserved" in result.err
    rules = {f["rule_id"] for f in _files(result)["a.txt"]["findings"]}
    assert "LGO201" in rules and "HOST001" not in rules
    listing = lgo_cli("rules", "--isolated", "--format", "json").json()
    assert {r["origin"] for r in listing} == {"builtin"}


BAD_RULES = {
    "bad severity": ('severity = "loud"', "severity 'loud' is not a Severity"),
    "no name": ("", "name None is not kebab-case"),
    "code None": ("code = None", "code None is not letters then 3-4 digits"),
    "snake name": ('name = "snake_case"', "name 'snake_case' is not kebab-case"),
    "no doc": ("__doc__ = None", "no documentation"),
    "options not a model": ("Options = dict", "Options <class 'dict'> is not a subclass"),
}


@pytest.mark.parametrize("case", sorted(BAD_RULES))
def test_invalid_rule_is_reported_and_skipped(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path, case: str
) -> None:
    line, said = BAD_RULES[case]
    source = f'''
from lgo_check.hookspecs import hookimpl
from lgo_check.model import Severity
from lgo_check.rule import Hit, Rule


class Good(Rule):
    """A valid rule beside the bad one: it still runs."""

    code = "GOOD001"
    name = "good-rule"
    severity = Severity.note

    def check(self, letter, options):
        yield Hit("the good rule ran")


class Bad(Rule):
    """A rule with broken metadata."""

    code = "BAD001"
    severity = Severity.warning
    {line}

    def check(self, letter, options):
        yield Hit("the bad rule ran")
'''
    if case != "no name":
        source = source.replace('    code = "BAD001"', '    code = "BAD001"\n    name = "bad-rule"')
    source += "\n\n@hookimpl\ndef lgo_check_rules():\n    return [Good, Bad]\n"
    install_plugin("mixed-pack", "mixed", "mixed_lgo_pack", source)
    _letters(lgo_workdir, "a.txt")
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2, result
    assert "plugin 'mixed': rule Bad is invalid and not used" in result.err
    assert said in result.err
    messages = {f["message"] for f in _files(result)["a.txt"]["findings"]}
    assert "the good rule ran" in messages and "the bad rule ran" not in messages


@pytest.mark.parametrize(
    ("returned", "said"),
    [
        ("Hit(123)", "returned a Hit whose message is int, not str"),
        ("Hit('x', span='line 4')", "returned a Hit whose span is str, not a Span"),
        ("'just a string'", "returned str, not a Hit"),
        ("Hit(float('nan'))", "returned a Hit whose message is float, not str"),
    ],
)
def test_malformed_hit_is_reported_not_a_crash(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path, returned: str, said: str
) -> None:
    install_plugin(
        "sloppy-pack", "sloppy", "sloppy_lgo_pack", _rule_plugin(f"        yield {returned}")
    )
    _letters(lgo_workdir, "a.txt", "b.txt")
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2
    assert f"b.txt: rule HOST001 hostile-rule (plugin 'sloppy') {said}" in result.err
    for file in _files(result).values():
        assert {"LGO201", "LGO003"} <= {f["rule_id"] for f in file["findings"]}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_rule_options_are_refused(value: float) -> None:
    config = Config(rules={"statistics-inconsistent": {"tolerance-pct": value}})
    with pytest.raises(ConfigError, match="tolerance_pct"):
        select_rules(build_registry(config), config)


# --- a stage failing on one file -----------------------------------------------------------


def test_extraction_failure_costs_only_its_file(
    lgo_cli: Any, lgo_workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _letters(lgo_workdir, "a.txt", "b.txt", "c.txt")
    (lgo_workdir / "b.txt").write_text(
        annual_review_letter() + "\nOverflow marker 1e999\n", encoding="utf-8"
    )
    extract = lgo_check.runner.extract_letters

    def fails_on_marker(norms: Any, *settings: Any) -> Any:
        if "Overflow marker" in norms[0].text:
            raise OverflowError("cannot convert float infinity to integer")
        return extract(norms, *settings)

    monkeypatch.setattr(lgo_check.runner, "extract_letters", fails_on_marker)
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2
    assert "b.txt: extraction failed: OverflowError: cannot convert float" in result.err
    files = _files(result)
    assert files["a.txt"]["checked"] and files["c.txt"]["checked"]
    assert not files["b.txt"]["checked"]
    [finding] = files["b.txt"]["findings"]
    assert finding["rule"] == "check-failed" and "extraction failed" in finding["message"]


def test_loader_that_exits_costs_only_its_file(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    source = """
import sys
from lgo_check.hookspecs import hookimpl


class Quits:
    format = "quit"
    extensions = (".quit",)

    def sniff(self, head):
        return False

    def load(self, path, data, display, limits):
        sys.exit(3)


@hookimpl
def lgo_check_loaders():
    return [Quits()]
"""
    install_plugin("quit-pack", "quit", "quit_lgo_pack", source)
    _letters(lgo_workdir, "a.txt")
    (lgo_workdir / "b.quit").write_text("anything", encoding="utf-8")
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2
    assert "b.quit: reading failed: SystemExit: called sys.exit(3)" in result.err
    assert _files(result)["a.txt"]["checked"]


# --- output safe for terminals and CI ---------------------------------------------------------

HOSTILE_MESSAGE = (
    "line one\n::error file=x.txt,line=1::forged\x1b[31m red \x07\x00 \u202etxt.exe \x85 \u2066"
)


def _hostile_report(path: str) -> Report:
    finding = Finding(
        rule_id="HOST001",
        rule="hostile-rule\n::warning::x",
        severity=Severity.error,
        message=HOSTILE_MESSAGE,
        line=1,
        column=1,
        end_line=1,
        end_column=2,
    )
    summary = Summary(
        files=1,
        checked=1,
        not_checked=0,
        findings=1,
        by_severity={"error": 1, "warning": 0, "note": 0},
        by_rule={"hostile-rule": 1},
    )
    return Report(
        tool=ToolInfo(version="0"),
        files=[FileReport(path=path, findings=[finding])],
        summary=summary,
    )


UNSAFE = ("\n::", "\x1b", "\x07", "\x00", "\u202e", "\x85", "\u2066", "\r")


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_nothing_from_input_starts_a_line_or_reaches_the_terminal(fmt: str) -> None:
    path = "letters/evil\n::error file=a.txt,line=1::forged\x1b]0;title\x07\u202e.txt"
    out = render(_hostile_report(path), fmt)
    lines = out.splitlines()
    if fmt == "github":
        assert len(lines) == 1 and lines[0].startswith("::error file=letters/evil\\n")
    else:
        assert len(lines) == 3  # the finding, a blank line, the closing count
    assert not any(line.startswith("::") for line in lines[1:])
    body = out.replace("\n", "", out.count("\n"))  # the line ends lgo-check wrote itself
    for char in UNSAFE[1:]:
        assert char not in body, repr(char)
    for escape in ("\\n::error file=x.txt", "\\x1b[31m", "\\x07", "\\x00", "\\u202e", "\\x85"):
        assert escape in out


def test_github_properties_follow_githubs_escaping() -> None:
    out = github.render(_hostile_report("100% done, v2: a.txt"))
    assert out.startswith("::error file=100%25 done%2C v2%3A a.txt,line=1,")
    assert "title=HOST001 hostile-rule\\n%3A%3Awarning%3A%3Ax::" in out


def test_text_output_of_a_real_file_with_a_hostile_name(lgo_cli: Any, lgo_workdir: Path) -> None:
    name = "evil\n::error file=x.txt,line=1::forged \x1b[2J \u202etxt.txt"
    (lgo_workdir / name).write_text(annual_review_letter(**FIGURES), encoding="utf-8")
    for fmt in ("text", "github"):
        result = lgo_cli("--isolated", "--format", fmt, ".")
        assert result.code == 1
        assert not any(line.startswith("::error file=x") for line in result.out.splitlines())
        assert "\x1b" not in result.out and "\u202e" not in result.out
        shown = "evil\\n%3A%3Aerror file=x.txt" if fmt == "github" else "evil\\n::error file=x.txt"
        assert shown in result.out


@pytest.mark.parametrize("fmt", ["json", "jsonl", "sarif"])
def test_machine_formats_are_exact_without_raw_bidi(fmt: str) -> None:
    report = _hostile_report("a\u202e.txt")
    out = render(report, fmt, [], [])
    for char in ("\u202e", "\u2066", "\x85", "\x1b", "\x00"):
        assert char not in out
    documents = (
        [json.loads(line) for line in out.splitlines()] if fmt == "jsonl" else [json.loads(out)]
    )
    text = json.dumps(documents, ensure_ascii=False)
    assert json.dumps(HOSTILE_MESSAGE, ensure_ascii=False)[1:-1] in text


def test_sarif_fingerprint_is_the_same_for_two_spellings_of_a_path() -> None:
    prints = []
    for path in ("letters/a.txt", "letters/../letters/a.txt", "./letters/a.txt"):
        document = sarif.build(_hostile_report(path), [])
        [result] = document["runs"][0]["results"]
        prints.append(result["partialFingerprints"]["primaryLocationLineHash"])
    assert len(set(prints)) == 1
    other = sarif.build(_hostile_report("letters/b.txt"), [])["runs"][0]["results"][0]
    assert other["partialFingerprints"]["primaryLocationLineHash"] != prints[0]


def test_non_utf8_file_name_in_every_format(lgo_cli: Any, lgo_workdir: Path) -> None:
    name = os.fsdecode(b"caf\xe9-letter.txt")
    (lgo_workdir / name).write_text(annual_review_letter(**FIGURES), encoding="utf-8")
    for fmt in ("text", "json", "jsonl", "sarif", "github", "gitlab", "junit"):
        result = lgo_cli("--isolated", "--format", fmt, "-o", "out.report", ".")
        assert result.code == 1, (fmt, result)
        data = (lgo_workdir / "out.report").read_bytes()
        data.decode("utf-8")  # always valid UTF-8
        if fmt in ("json", "sarif"):
            json.loads(data)


def test_signal_module_restored_after_a_run(lgo_cli: Any, lgo_workdir: Path) -> None:
    before = signal.getsignal(signal.SIGINT)
    _letters(lgo_workdir, "a.txt")
    lgo_cli("--isolated", ".")
    assert signal.getsignal(signal.SIGINT) is before
