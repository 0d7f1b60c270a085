"""The command line: selection, exit codes, output formats and files, the rule listing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SMALL_SAMPLE_FIGURES, annual_review_letter

import lgo_check
from lgo_check import cli

KESTERMOUTH = "tests/letters/kestermouth-mbc-2023-24.md"  # errors, warnings and a note
TARNWICK = "tests/letters/tarnwick-dc-2023-24.txt"  # only a note (small-sample)
LARKHYTHE = "examples/larkhythe-mbc-2023-24.md"  # only a warning
BORSETSHIRE = "tests/letters/borsetshire-cc-2023-24.txt"  # clean
SOME = (KESTERMOUTH, TARNWICK, "examples/glenhallow-cc-2023-24.txt", "tests/no-such-letter.txt")

TEXT_LINE = re.compile(
    r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) "
    r"(?P<severity>error|warning|note) (?P<message>.+) \[(?P<name>[a-z0-9-]+)\]$"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _codes(result: Any) -> set[str]:
    return {f["rule_id"] for file in result.json()["files"] for f in file["findings"]}


def _json(lgo_cli: Any, *argv: str) -> Any:
    result = lgo_cli("--isolated", "--format", "json", *argv)
    assert result.code in (0, 1), result
    return result


# --- selection --------------------------------------------------------------------

#: Fires small-sample and every LGO2xx rule (and, being short, checks fast).
FIRES_MANY = {
    "investigations": 8,
    "upheld_rate": 75,
    "upheld_count": 6,
    "per_100k": 4.5,
    "compliance_rate": 95,
    "remedy_base": 6,
    "remedy_count": 0,
    "remedy_rate": 0,
}
LGO2 = {"LGO201", "LGO202", "LGO211", "LGO212", "LGO221"}


@pytest.fixture
def many(lgo_workdir: Path) -> str:
    (lgo_workdir / "quillmere.txt").write_text(annual_review_letter(**FIRES_MANY), "utf-8")
    return "quillmere.txt"


def test_default_runs_every_rule(lgo_cli: Any, many: str) -> None:
    assert _codes(_json(lgo_cli, many)) == {"LGO103", *LGO2}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--select", "LGO201"], {"LGO201"}),
        (["--select", "compliance-below-100"], {"LGO201"}),
        (["--select", "Compliance-Below-100"], {"LGO201"}),
        (["--select", "lgo201"], {"LGO201"}),
        (["--select", "LGO20"], {"LGO201", "LGO202"}),
        (["--select", "LGO2"], LGO2),
        (["--select", "LGO1"], {"LGO103"}),
        (["--select", "LGO201,upheld-rate-above-peer-average"], {"LGO201", "LGO211"}),
        (["--select", " LGO201 , LGO211 ,"], {"LGO201", "LGO211"}),
        (["--select", "LGO201", "--extend-select", "LGO221"], {"LGO201", "LGO221"}),
        (["--select", "LGO201", "--select", "LGO202"], {"LGO202"}),  # the last one counts
        (["--ignore", "LGO2"], {"LGO103"}),
        (["--ignore", "LGO20,remedy-rate-below-peer-average"], {"LGO103", "LGO211", "LGO212"}),
        (["--select", "ALL", "--ignore", "LGO21"], {"LGO103", "LGO201", "LGO202", "LGO221"}),
        (["--ignore", "ALL"], set()),
        # ruff-like specificity: the more specific selector wins
        (["--select", "LGO2", "--ignore", "LGO"], LGO2),
        (["--select", "LGO", "--ignore", "LGO2"], {"LGO103"}),
        (["--select", "LGO2", "--ignore", "LGO21"], {"LGO201", "LGO202", "LGO221"}),
        (["--ignore", "LGO2", "--extend-select", "LGO212"], {"LGO103", "LGO212"}),
        (["--ignore", "LGO2", "--select", "compliance-below-peer-average"], {"LGO202"}),
        (["--ignore", "LGO21", "--select", "LGO2"], {"LGO201", "LGO202", "LGO221"}),
        # the same rule selected and ignored equally specifically: ignore wins
        (["--select", "LGO201", "--ignore", "compliance-below-100"], set()),
    ],
)
def test_select_ignore_extend_select(
    lgo_cli: Any, many: str, argv: list[str], expected: set[str]
) -> None:
    assert _codes(_json(lgo_cli, *argv, many)) == expected


def test_selection_applies_to_file_rules(lgo_cli: Any, lgo_workdir: Path) -> None:
    (lgo_workdir / "empty.txt").write_bytes(b"")
    assert _codes(_json(lgo_cli, "--select", "LGO0", "empty.txt")) == {"LGO001"}
    assert _codes(_json(lgo_cli, "--select", "LGO2", "empty.txt")) == set()


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_selector_is_a_usage_error(lgo_cli: Any, many: str, option: str) -> None:
    result = lgo_cli("--isolated", option, "LGO201,LGO9", many)
    assert result.code == 2
    assert result.out == ""
    assert "'LGO9'" in result.err
    assert "selector" in result.err


def test_unknown_selector_name(lgo_cli: Any, many: str) -> None:
    result = lgo_cli("--isolated", "--select", "compliance-below-99", many)
    assert result.code == 2
    assert "'compliance-below-99'" in result.err


# --- exit codes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("letter", "fail_on", "code"),
    [
        (KESTERMOUTH, None, 1),
        (KESTERMOUTH, "error", 1),
        (KESTERMOUTH, "never", 0),
        (LARKHYTHE, None, 0),
        (LARKHYTHE, "error", 0),
        (LARKHYTHE, "warning", 1),
        (LARKHYTHE, "note", 1),
        (LARKHYTHE, "never", 0),
        (TARNWICK, "warning", 0),
        (TARNWICK, "note", 1),
        (BORSETSHIRE, "note", 0),
        (BORSETSHIRE, None, 0),
    ],
)
def test_fail_on(
    lgo_cli: Any, lgo_in_repo: Path, letter: str, fail_on: str | None, code: int
) -> None:
    argv = ["--isolated", letter] + (["--fail-on", fail_on] if fail_on else [])
    result = lgo_cli(*argv)
    assert result.code == code, result


def test_fail_on_counts_the_overridden_severity(lgo_cli: Any, lgo_workdir: Path) -> None:
    (lgo_workdir / "quillmere.txt").write_text(
        annual_review_letter(compliance_rate=97, compliance_peer=97), encoding="utf-8"
    )
    assert lgo_cli("--isolated", "quillmere.txt").code == 1
    (lgo_workdir / "lgo-check.toml").write_text(
        '[rules.compliance-below-100]\nseverity = "warning"\n', encoding="utf-8"
    )
    assert lgo_cli("quillmere.txt").code == 0
    assert lgo_cli("--fail-on", "warning", "quillmere.txt").code == 1


def test_unreadable_file_fails_even_when_its_rule_is_ignored(
    lgo_cli: Any, lgo_workdir: Path
) -> None:
    (lgo_workdir / "empty.txt").write_bytes(b"")
    result = lgo_cli("--isolated", "--ignore", "unreadable-input", "empty.txt")
    assert result.code == 1
    assert "could not be checked" in result.out


@pytest.mark.parametrize(
    "argv",
    [
        ["--format", "xml"],
        ["--fail-on", "sometimes"],
        ["--color", "rainbow"],
        ["--no-such-option"],
        ["--select"],
        ["rules", "--format", "sarif"],
        ["rule"],
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str], lgo_in_repo: Path
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "error:" in err


def test_missing_config_file_exits_2(lgo_cli: Any, lgo_in_repo: Path) -> None:
    result = lgo_cli("--config", "no-such-config.toml", BORSETSHIRE)
    assert result.code == 2
    assert "no-such-config.toml" in result.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"lgo-check {lgo_check.__version__}"


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--select",
        "--ignore",
        "--extend-select",
        "--fail-on",
        "--format",
        "--output",
        "--config",
        "--isolated",
        "--color",
        "--show-letters",
    ):
        assert option in out
    assert "lgo-check rules" in out and "Exit status" in out


@pytest.mark.parametrize("command", ["rules", "rule"])
def test_subcommand_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    assert f"lgo-check {command}" in capsys.readouterr().out


# --- output -----------------------------------------------------------------------


def test_json_document_shape(lgo_cli: Any, lgo_in_repo: Path) -> None:
    result = _json(
        lgo_cli, KESTERMOUTH, str(REPO / BORSETSHIRE), "examples/glenhallow-cc-2023-24.txt"
    )
    document = result.json()
    assert list(document) == ["tool", "files", "body_findings", "bodies", "summary"]
    assert document["tool"] == {"name": "lgo-check", "version": lgo_check.__version__}
    paths = [f["path"] for f in document["files"]]
    assert paths == sorted(paths)
    assert BORSETSHIRE in paths and KESTERMOUTH in paths  # the absolute path shown relative
    assert "examples/glenhallow-cc-2023-24.txt" in paths
    for file in document["files"]:
        assert {"path", "letter", "findings"} <= set(file)
        assert not file["path"].startswith("/") and "\\" not in file["path"]
        for finding in file["findings"]:
            assert {"rule", "rule_id", "severity", "line", "column", "message"} <= set(finding)
    summary = document["summary"]
    findings = [f for file in document["files"] for f in file["findings"]]
    assert summary["files"] == len(paths)
    assert summary["findings"] == len(findings)
    assert sum(summary["by_severity"].values()) == len(findings)
    assert sum(summary["by_rule"].values()) == len(findings)
    kester = next(f for f in document["files"] if f["path"] == KESTERMOUTH)
    assert kester["letter"]["organisation"] == "Kestermouth Metropolitan Borough Council"


def test_text_format_lines_and_summary(lgo_cli: Any, lgo_workdir: Path) -> None:
    letters = lgo_workdir / "letters"
    letters.mkdir()
    (letters / "a.txt").write_text(annual_review_letter(compliance_rate=95), "utf-8")
    # Three bodies: letters of one body and year would also be duplicate-letter findings.
    (letters / "b.txt").write_text(
        annual_review_letter(**SMALL_SAMPLE_FIGURES, body="Quillbrook District Council"), "utf-8"
    )
    (letters / "c.txt").write_text(annual_review_letter(body="Quillford District Council"), "utf-8")
    document = _json(lgo_cli, "letters").json()
    result = lgo_cli("--isolated", "--color", "never", "letters")
    assert result.code == 1
    lines = result.out.splitlines()
    matches = [TEXT_LINE.match(line) for line in lines[:-2] if line]
    assert all(matches), lines
    got = [
        (
            m["path"],
            int(m["line"]),
            int(m["col"]),
            m["code"],
            m["severity"],
            m["message"],
            m["name"],
        )
        for m in matches
        if m is not None
    ]
    expected = [
        (file["path"], f["line"], f["column"], f["rule_id"], f["severity"], f["message"], f["rule"])
        for file in document["files"]
        for f in file["findings"]
    ]
    assert got == expected
    assert [g[0] for g in got] == ["letters/a.txt", "letters/a.txt", "letters/b.txt"]
    # files apart by a blank line, then a blank line and the summary
    assert lines[2] == "" and lines[4] == "" and len(lines) == 6
    assert lines[-1] == "Found 3 findings (1 error, 1 warning, 1 note) in 2 of 3 files."


def test_text_format_clean_summary(lgo_cli: Any, lgo_in_repo: Path) -> None:
    result = lgo_cli("--isolated", BORSETSHIRE)
    assert result.code == 0
    assert result.out == "No findings in 1 file.\n"


def test_text_format_not_checked_summary(lgo_cli: Any, lgo_workdir: Path) -> None:
    (lgo_workdir / "empty.txt").write_bytes(b"")
    result = lgo_cli("--isolated", "empty.txt", "missing.txt")
    assert result.out.splitlines()[-1] == (
        "Found 2 findings (2 errors) in 2 of 2 files. 2 files could not be checked."
    )


def test_color_always_and_never(lgo_cli: Any, lgo_in_repo: Path) -> None:
    coloured = lgo_cli("--isolated", "--color", "always", KESTERMOUTH).out
    plain = lgo_cli("--isolated", "--color", "never", KESTERMOUTH).out
    assert ANSI.search(coloured)
    assert not ANSI.search(plain)
    assert ANSI.sub("", coloured) == plain


def test_color_auto_follows_the_terminal_and_no_color(
    lgo_cli: Any, lgo_in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not ANSI.search(lgo_cli("--isolated", KESTERMOUTH).out)  # not a terminal
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert cli._use_color("auto", None) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._use_color("auto", None) is False
    assert cli._use_color("always", None) is True
    monkeypatch.delenv("NO_COLOR")
    assert cli._use_color("auto", Path("report.txt")) is False


def test_no_color_through_main(
    lgo_cli: Any, lgo_in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal:
        """A stdout that says it is a terminal, recording what is written."""

        def __init__(self) -> None:
            self.written: list[str] = []

        def write(self, text: str) -> int:
            self.written.append(text)
            return len(text)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return True

    for no_color, expect_colour in ((None, True), ("", True), ("1", False)):
        terminal = Terminal()
        with monkeypatch.context() as patch:
            if no_color is None:
                patch.delenv("NO_COLOR", raising=False)
            else:
                patch.setenv("NO_COLOR", no_color)
            patch.setattr(sys, "stdout", terminal)
            code = cli.main(["--isolated", KESTERMOUTH])
        assert code == 1
        assert bool(ANSI.search("".join(terminal.written))) is expect_colour, no_color


def test_output_file_is_written_and_deterministic(
    lgo_cli: Any, lgo_in_repo: Path, tmp_path: Path
) -> None:
    for fmt in ("text", "json", "sarif", "github"):
        first, second = tmp_path / f"one.{fmt}", tmp_path / f"two.{fmt}"
        a = lgo_cli("--isolated", "--format", fmt, "--output", first, *SOME)
        b = lgo_cli("--isolated", "--format", fmt, "-o", second, *SOME)
        assert a.code == b.code == 1
        assert a.out == "" and b.out == ""
        assert first.read_bytes() == second.read_bytes()
        assert first.stat().st_size > 0
        assert not ANSI.search(first.read_text(encoding="utf-8"))
    assert json.loads((tmp_path / "one.json").read_text())["summary"]["files"] == 4


def test_show_letters(lgo_cli: Any, lgo_workdir: Path) -> None:
    (lgo_workdir / "quillmere.txt").write_text(
        annual_review_letter(compliance_rate=95), encoding="utf-8"
    )
    (lgo_workdir / "empty.txt").write_bytes(b"")
    result = lgo_cli("--isolated", "--show-letters", "--color", "never", ".")
    lines = result.out.splitlines()
    assert "empty.txt: not checked (file is empty)" in lines
    start = lines.index("quillmere.txt: Quillmere District Council, annual review 2023-24")
    assert lines[start + 1 : start + 4] == [
        "    upheld: 50% (peers 60%), 10 of 20 investigations, 2 per 100,000 (peers 3)",
        "    compliance: 95% (peers 99%), 12 outcomes",
        "    remedy: 20% (peers 10%), 2 of 10 upheld",
    ]
    assert TEXT_LINE.match(lines[start + 4])
    plain = lgo_cli("--isolated", "--color", "never", ".").out
    assert "annual review 2023-24" not in plain


def test_default_path_is_the_current_folder(lgo_cli: Any, lgo_workdir: Path) -> None:
    sub = lgo_workdir / "letters" / "2024"
    sub.mkdir(parents=True)
    (sub / "quillmere.txt").write_text(annual_review_letter(compliance_rate=95), "utf-8")
    (sub / "notes.csv").write_text("not, a, letter\n", "utf-8")
    result = _json(lgo_cli)
    assert [f["path"] for f in result.json()["files"]] == ["letters/2024/quillmere.txt"]


# --- the rule listing and documentation -------------------------------------------

BUILTIN_CODES = [
    "LGO001",
    "LGO002",
    "LGO101",
    "LGO102",
    "LGO103",
    "LGO201",
    "LGO202",
    "LGO211",
    "LGO212",
    "LGO221",
]


def test_rules_text(lgo_cli: Any, lgo_workdir: Path) -> None:
    result = lgo_cli("rules", "--isolated")
    assert result.code == 0
    rows = {line.split()[0]: line for line in result.out.splitlines()}
    assert set(BUILTIN_CODES) <= set(rows)
    assert re.match(
        r"^LGO201   compliance-below-100 +error +Compliance with the Ombudsman's "
        r"recommendations was below 100%\.$",
        rows["LGO201"],
    )
    assert re.match(r"^LGO103   small-sample +note +The rates rest on", rows["LGO103"])
    codes = [line.split()[0] for line in result.out.splitlines()]
    assert codes == sorted(codes)


def test_rules_text_marks_unselected(lgo_cli: Any, lgo_workdir: Path) -> None:
    (lgo_workdir / "lgo-check.toml").write_text('ignore = ["LGO2"]\n', encoding="utf-8")
    rows = {line.split()[0]: line for line in lgo_cli("rules").out.splitlines()}
    assert rows["LGO201"].startswith("LGO201 - compliance-below-100")
    assert rows["LGO103"].startswith("LGO103   small-sample")


def test_rules_json(lgo_cli: Any, lgo_workdir: Path) -> None:
    (lgo_workdir / "lgo-check.toml").write_text('ignore = ["LGO21"]\n', encoding="utf-8")
    result = lgo_cli("rules", "--format", "json")
    assert result.code == 0
    listing = {r["code"]: r for r in json.loads(result.out)}
    assert set(BUILTIN_CODES) <= set(listing)
    assert listing["LGO103"] == {
        "code": "LGO103",
        "name": "small-sample",
        "severity": "note",
        "default_severity": "note",
        "summary": "The rates rest on so few investigations that comparisons say little.",
        "options": {"min-investigations": 10},
        "origin": "builtin",
        "selected": True,
    }
    assert listing["LGO211"]["selected"] is False
    assert listing["LGO212"]["selected"] is False
    assert listing["LGO202"]["selected"] is True
    assert listing["LGO102"]["options"] == {"tolerance-pct": 1.0}


@pytest.mark.parametrize("key", ["LGO201", "compliance-below-100", "lgo201"])
def test_rule_doc(lgo_cli: Any, lgo_workdir: Path, key: str) -> None:
    result = lgo_cli("rule", "--isolated", key)
    assert result.code == 0, result
    out = result.out
    assert out.startswith("# compliance-below-100 (LGO201)\n")
    assert "Default severity: error. From: builtin." in out
    assert "Compliance with the Ombudsman's recommendations was below 100%." in out
    assert "## What it does" in out and "## Why it matters" in out and "## Example" in out
    assert "## Options\n- `threshold` (default: 100)" in out


def test_rule_doc_python_rule(lgo_cli: Any, lgo_workdir: Path) -> None:
    result = lgo_cli("rule", "--isolated", "statistics-inconsistent")
    assert result.code == 0
    assert result.out.startswith("# statistics-inconsistent (LGO102)\n")
    assert "The letter's figures contradict each other beyond rounding." in result.out
    assert "- `tolerance-pct` (default: 1.0)" in result.out


def test_rule_doc_unknown(lgo_cli: Any, lgo_workdir: Path) -> None:
    result = lgo_cli("rule", "--isolated", "LGO999")
    assert result.code == 2
    assert result.out == ""
    assert "no rule 'LGO999'" in result.err


def test_every_rule_is_documented(lgo_cli: Any, lgo_workdir: Path) -> None:
    listing = json.loads(lgo_cli("rules", "--isolated", "--format", "json").out)
    for entry in listing:
        result = lgo_cli("rule", "--isolated", entry["code"])
        assert result.code == 0
        assert "## What it does" in result.out, entry["code"]
        assert entry["summary"] and entry["summary"].endswith("."), entry["code"]


# --- as a program -----------------------------------------------------------------


def _program(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LGO_CHECK_DEBUG")}
    return subprocess.run(
        [sys.executable, "-m", "lgo_check", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_python_m_lgo_check_version() -> None:
    proc = _program("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"lgo-check {lgo_check.__version__}"


def test_python_m_lgo_check_json_and_exit_code() -> None:
    proc = _program("--isolated", "--format", "json", "--select", "LGO2", KESTERMOUTH, BORSETSHIRE)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    document = json.loads(proc.stdout)
    assert [f["path"] for f in document["files"]] == [BORSETSHIRE, KESTERMOUTH]
    assert document["summary"]["by_rule"] == {
        "compliance-below-100": 1,
        "compliance-below-peer-average": 1,
        "remedy-rate-below-peer-average": 1,
        "upheld-per-100k-above-peer-average": 1,
        "upheld-rate-above-peer-average": 1,
    }
