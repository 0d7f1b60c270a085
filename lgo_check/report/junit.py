"""JUnit XML for Jenkins, Azure DevOps, GitLab and other CI test-result viewers.

One ``testsuite`` named lgo-check holds one ``testcase`` per file. A finding at
or above ``--fail-on`` is a ``failure`` of its file's test case; a file that
could not be checked is an ``error``. Every finding of the file, failing or not,
is also listed in the test case's ``system-out``, since some viewers show only a
test case's first failure. The suite's ``failures`` and ``errors`` count test
cases, so that passed = tests - failures - errors, as viewers compute it.

The counts head the document but are known only at the end, so test cases are
kept in a temporary file (spilled to disk past 1 MiB) until then.
"""

from __future__ import annotations

import re
import tempfile
import xml.etree.ElementTree as ET

from lgo_check.model import FileReport, Finding, Report, Severity
from lgo_check.report.base import Reporter, ReportOptions, RunEnd, RunStart, render_report
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


class JunitReporter(Reporter):
    writes_bodies = False

    def start(self, run: RunStart) -> str:
        # Closed in finish(); a with-block cannot span the three calls.
        self._cases = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=1 << 20, mode="w+", encoding="utf-8"
        )
        self._tests = self._failures = self._errors = 0
        return ""

    def file(self, report: FileReport) -> str:
        case = testcase(report, self.options.fail_on)
        ET.indent(case, level=2)
        text = ET.tostring(case, encoding="unicode")
        self._tests += 1
        if case.find("error") is not None:
            self._errors += 1
        elif case.find("failure") is not None:
            self._failures += 1
        self._cases.write(f"    {text}\n")
        return ""

    def finish(self, end: RunEnd) -> str:
        # Findings known only at the end (body-level rules, stale baseline entries):
        # a test case of their own, named after the file they point at.
        for late in end.late:
            self.file(late)
        counts = f'tests="{self._tests}" failures="{self._failures}" errors="{self._errors}"'
        self._cases.seek(0)
        cases = self._cases.read()
        self._cases.close()
        if not self._tests:
            suite = f'  <testsuite name="{SUITE}" {counts} skipped="0" />\n'
        else:
            suite = f'  <testsuite name="{SUITE}" {counts} skipped="0">\n{cases}  </testsuite>\n'
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="{SUITE}" {counts}>\n{suite}</testsuites>\n'
        )


def render(report: Report, fail_on: str) -> str:
    return render_report(JunitReporter(ReportOptions(fail_on=fail_on)), report)
