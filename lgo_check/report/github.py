"""GitHub Actions workflow commands: one annotation per finding.

Everything from a file or a plugin is first made visible (``\\n``, ``\\x1b``,
``\\u202e``), so no input can start a line of its own, which GitHub would run as
a workflow command; then GitHub's own escaping is applied (``%``, CR, LF, and in
properties ``:`` and ``,``).
"""

from __future__ import annotations

from lgo_check.model import FileReport, Finding, Report, Severity
from lgo_check.report.base import PreparedReporter, RunEnd, render_report
from lgo_check.report.escape import visible

_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.note: "notice"}


def _escape_data(text: str) -> str:
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(path: str, f: Finding) -> str:
    props = [f"file={_escape_property(path)}"]
    if f.line is not None:
        props.append(f"line={f.line}")
        end_line = f.end_line or f.line
        if end_line != f.line:
            props.append(f"endLine={end_line}")
        elif f.column is not None:
            # Columns only on one-line findings: GitHub rejects them across lines.
            props.append(f"col={f.column}")
            if f.end_column is not None:
                props.append(f"endColumn={f.end_column}")
    page = f" (page {f.page})" if f.page else ""
    props.append(f"title={_escape_property(f'{f.rule_id} {f.rule}{page}')}")
    return f"::{_LEVEL[f.severity]} {','.join(props)}::{_escape_data(f.message)}\n"


class GithubReporter(PreparedReporter):
    writes_bodies = False

    def prepare(self, report: FileReport) -> str:
        return "".join(annotation(report.path, f) for f in report.findings)

    def place(self, prepared: str) -> str:
        return prepared

    def finish(self, end: RunEnd) -> str:
        return "".join(annotation(late.path, f) for late in end.late for f in late.findings)


def render(report: Report) -> str:
    return render_report(GithubReporter(), report)
