"""GitHub Actions workflow commands: one ``::level file=…,line=…::message`` per finding."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lgo_check.model import FileReport, Finding, Report, Severity, Summary, ToolInfo
from lgo_check.report import github

COMMAND = re.compile(r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def _finding(**overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "rule_id": "LGO201",
        "rule": "compliance-below-100",
        "severity": Severity.error,
        "message": "Compliance with recommendations was 90%.",
        "line": 7,
        "column": 3,
        "end_line": 7,
        "end_column": 6,
    }
    values.update(overrides)
    return Finding(**values)


def _report(*files: tuple[str, list[Finding]]) -> Report:
    reports = [FileReport(path=path, findings=findings) for path, findings in files]
    count = sum(len(f) for _, f in files)
    return Report(
        tool=ToolInfo(version="0"),
        files=reports,
        summary=Summary(
            files=len(reports),
            checked=len(reports),
            not_checked=0,
            findings=count,
            by_severity={},
            by_rule={},
        ),
    )


def _props(line: str) -> dict[str, str]:
    match = COMMAND.match(line)
    assert match, line
    return dict(part.split("=", 1) for part in match["props"].split(","))


def test_one_line_finding_has_columns() -> None:
    out = github.render(_report(("letters/quillmere.txt", [_finding()])))
    assert out == (
        "::error file=letters/quillmere.txt,line=7,col=3,endColumn=6,"
        "title=LGO201 compliance-below-100::Compliance with recommendations was 90%25.\n"
    )


def test_multi_line_finding_has_no_columns() -> None:
    finding = _finding(
        rule_id="LGO302",
        rule="repeated-concern",
        severity=Severity.warning,
        message="The Ombudsman raises this concern again.",
        line=33,
        column=40,
        end_line=35,
        end_column=12,
    )
    [line] = github.render(_report(("a.txt", [finding]))).splitlines()
    assert line.startswith("::warning ")
    props = _props(line)
    assert props == {
        "file": "a.txt",
        "line": "33",
        "endLine": "35",
        "title": "LGO302 repeated-concern",
    }
    assert "col=" not in line and "endColumn=" not in line


def test_levels() -> None:
    findings = [
        _finding(severity=Severity.error),
        _finding(severity=Severity.warning, line=8, end_line=8),
        _finding(severity=Severity.note, line=9, end_line=9),
    ]
    lines = github.render(_report(("a.txt", findings))).splitlines()
    assert [COMMAND.match(line)["level"] for line in lines] == [  # type: ignore[index]
        "error",
        "warning",
        "notice",
    ]


def test_escaping() -> None:
    # Line breaks are shown as escapes (no input starts a line of its own); then
    # GitHub's own percent-encoding applies.
    finding = _finding(message="50% of 2, then:\nnext line\r")
    out = github.render(_report(("June pack, v2: final/letter.txt", [finding])))
    assert out == (
        "::error file=June pack%2C v2%3A final/letter.txt,line=7,col=3,endColumn=6,"
        "title=LGO201 compliance-below-100::50%25 of 2, then:\\nnext line\\r\n"
    )


def test_page_in_title_and_finding_without_location() -> None:
    paged = _finding(page=3)
    nowhere = _finding(line=None, column=None, end_line=None, end_column=None)
    lines = github.render(_report(("a.pdf", [paged]), ("b.txt", [nowhere]))).splitlines()
    assert _props(lines[0])["title"] == "LGO201 compliance-below-100 (page 3)"
    assert _props(lines[1]) == {"file": "b.txt", "title": "LGO201 compliance-below-100"}


def test_no_findings_no_output() -> None:
    assert github.render(_report(("a.txt", []))) == ""


def test_cli_github_format(lgo_cli: Any, lgo_in_repo: Path) -> None:
    paths = (
        "tests/letters/kestermouth-mbc-2023-24.md",
        "tests/letters/wessex-fra-2023-24.txt",
        "examples/glenhallow-cc-2023-24.txt",
        "tests/letters/no-such-letter.txt",
    )
    report = lgo_cli("--isolated", "--format", "json", *paths).json()
    result = lgo_cli("--isolated", "--format", "github", *paths)
    assert result.code == 1
    lines = result.out.splitlines()
    expected = [(file["path"], f) for file in report["files"] for f in file["findings"]]
    assert len(lines) == len(expected)
    levels = {"error": "error", "warning": "warning", "note": "notice"}
    for line, (path, finding) in zip(lines, expected, strict=True):
        match = COMMAND.match(line)
        assert match, line
        assert match["level"] == levels[finding["severity"]]
        props = _props(line)
        assert props["file"] == path
        assert props["line"] == str(finding["line"])
        assert props["title"] == f"{finding['rule_id']} {finding['rule']}"
        if finding["end_line"] == finding["line"]:
            assert props["col"] == str(finding["column"])
            assert props["endColumn"] == str(finding["end_column"])
        else:
            assert "col" not in props and "endColumn" not in props
            assert props["endLine"] == str(finding["end_line"])
        assert match["message"] == finding["message"].replace("%", "%25")
