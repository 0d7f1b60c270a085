"""JUnit XML for Jenkins, Azure DevOps, GitLab and other CI test-result viewers.

One ``testsuite`` named lgo-check holds one ``testcase`` per file. A finding at
or above ``--fail-on`` is a ``failure`` of its file's test case; a file that
could not be checked is an ``error``. Every finding of the file, failing or not,
is also listed in the test case's ``system-out``, since some viewers show only a
test case's first failure. The suite's ``failures`` and ``errors`` count test
cases, so that passed = tests - failures - errors, as viewers compute it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lgo_check.model import FileReport, Finding, Report, Severity
from lgo_check.report.text import location

SUITE = "lgo-check"
# Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _line(file: FileReport, finding: Finding) -> str:
    where = location(file.path, finding.line, finding.column, finding.page)
    return f"{where} {finding.rule_id} {finding.severity.value} {finding.message} [{finding.rule}]"


def _fails(finding: Finding, fail_on: str) -> bool:
    return fail_on != "never" and finding.severity.rank >= Severity(fail_on).rank


def testcase(file: FileReport, fail_on: str) -> ET.Element:
    """One file's test case: failures for its findings at or above ``fail_on``."""
    case = ET.Element("testcase", {"classname": SUITE, "name": _xml_text(file.path)})
    if not file.checked:
        error = ET.SubElement(
            case,
            "error",
            {
                "type": "unreadable-input",
                "message": _xml_text(f"could not be checked: {file.error}"),
            },
        )
        error.text = _xml_text(f"{file.path}: could not be checked: {file.error}")
    else:
        for finding in file.findings:
            if _fails(finding, fail_on):
                failure = ET.SubElement(
                    case,
                    "failure",
                    {
                        "type": f"{finding.rule_id} {finding.rule}",
                        "message": _xml_text(finding.message),
                    },
                )
                failure.text = _xml_text(_line(file, finding))
    if file.findings:
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text("\n".join(_line(file, f) for f in file.findings) + "\n")
    return case


def render(report: Report, fail_on: str) -> str:
    cases = [testcase(file, fail_on) for file in report.files]
    errors = sum(1 for case in cases if case.find("error") is not None)
    failures = sum(
        1 for case in cases if case.find("error") is None and case.find("failure") is not None
    )
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": SUITE, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, **counts, "skipped": "0"})
    suite.extend(cases)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
