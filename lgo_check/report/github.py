"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

from lgo_check.model import Report, Severity

_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.note: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for file in report.files:
        for f in file.findings:
            props = [f"file={_escape_property(file.path)}"]
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
            lines.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{_escape_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
