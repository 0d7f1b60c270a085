"""JUnit XML output: valid against the Ant/Jenkins layout, one test case per file,
a failure per finding at or above --fail-on, an error for a file not checked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from lgo_check.model import FileReport, Finding, Letter, Report, Severity, Summary, ToolInfo
from lgo_check.report import junit

XSD = Path(__file__).resolve().parent / "schemas" / "junit.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(XSD)


def _finding(rule_id: str, severity: Severity, message: str = "message") -> Finding:
    return Finding(
        rule_id=rule_id, rule="some-rule", severity=severity, message=message, line=3, column=2
    )


def _report(*files: FileReport) -> Report:
    summary = Summary(files=0, checked=0, not_checked=0, findings=0, by_severity={}, by_rule={})
    return Report(tool=ToolInfo(version="0"), files=list(files), summary=summary)


LETTER = Letter(organisation="Ashcombe District Council", review_year="2023-24")
MIXED = _report(
    FileReport(
        path="a.txt",
        letter=LETTER,
        findings=[
            _finding("LGO201", Severity.error),
            _finding("LGO202", Severity.warning),
            _finding("LGO103", Severity.note),
        ],
    ),
    FileReport(path="b.txt", letter=LETTER, findings=[_finding("LGO202", Severity.warning)]),
    FileReport(path="c.txt", letter=LETTER),
    FileReport(
        path="d.pdf",
        checked=False,
        error="the PDF is encrypted",
        findings=[_finding("LGO001", Severity.error)],
    ),
)


def _cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    (suite,) = root
    return {case.get("name", ""): case for case in suite}


@pytest.mark.parametrize(
    ("fail_on", "failing"),
    [
        ("error", {"a.txt": 1}),
        ("warning", {"a.txt": 2, "b.txt": 1}),
        ("note", {"a.txt": 3, "b.txt": 1}),
        ("never", {}),
    ],
)
def test_failures_follow_fail_on(schema: Any, fail_on: str, failing: dict[str, int]) -> None:
    xml = junit.render(MIXED, fail_on)
    schema.validate(xml)
    cases = _cases(xml)
    assert list(cases) == ["a.txt", "b.txt", "c.txt", "d.pdf"]
    assert {
        n: len(c.findall("failure")) for n, c in cases.items() if c.findall("failure")
    } == failing
    assert [n for n, c in cases.items() if c.find("error") is not None] == ["d.pdf"]
    suite = ET.fromstring(xml)[0]
    assert suite.get("tests") == "4"
    assert suite.get("failures") == str(len(failing))
    assert suite.get("errors") == "1"
    # Every finding is listed in its case's output, failing or not.
    out = cases["a.txt"].findtext("system-out") or ""
    assert [line.split()[1] for line in out.splitlines()] == ["LGO201", "LGO202", "LGO103"]


def test_failure_names_rule_and_location(schema: Any) -> None:
    case = _cases(junit.render(MIXED, "error"))["a.txt"]
    (failure,) = case.findall("failure")
    assert failure.get("type") == "LGO201 some-rule"
    assert failure.get("message") == "message"
    assert failure.text == "a.txt:3:2: LGO201 error message [some-rule]"
    error = _cases(junit.render(MIXED, "error"))["d.pdf"].find("error")
    assert error is not None and "the PDF is encrypted" in (error.get("message") or "")


def test_text_xml_cannot_hold_is_escaped_not_dropped(schema: Any) -> None:
    nasty = 'Quote " & <tag> \x01\x1b[31m \ud800 end'
    report = _report(
        FileReport(
            path="x\x02.txt", letter=LETTER, findings=[_finding("LGO201", Severity.error, nasty)]
        )
    )
    xml = junit.render(report, "error")
    schema.validate(xml)
    case = _cases(xml)["x\\u0002.txt"]
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'Quote " & <tag> \\u0001\\u001b[31m \\ud800 end'


def test_the_schema_rejects_what_consumers_reject(schema: Any) -> None:
    assert not schema.is_valid('<testsuite name="x" tests="1"/>')  # no failures, errors
    assert not schema.is_valid(
        '<testsuite name="x" tests="1" failures="0" errors="0"><testcase/></testsuite>'
    )
    assert not schema.is_valid('<testsuite name="x" tests="-1" failures="0" errors="0"/>')


def test_cli_junit(lgo_cli: Any, lgo_in_repo: Path, schema: Any) -> None:
    result = lgo_cli(
        "--isolated",
        "--format",
        "junit",
        "--fail-on",
        "warning",
        "examples/larkhythe-mbc-2023-24.md",
        "tests/letters/no-such-letter.txt",
    )
    assert result.code == 1
    schema.validate(result.out)
    cases = _cases(result.out)
    assert [
        c.get("type") for c in cases["examples/larkhythe-mbc-2023-24.md"].findall("failure")
    ] == ["LGO212 upheld-per-100k-above-peer-average"]
    assert cases["tests/letters/no-such-letter.txt"].find("error") is not None
