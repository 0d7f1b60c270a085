"""The JSON report: the Report model as it is, stable key order, one document.

Written incrementally (the ``files`` array one file at a time) with the same
bytes ``json.dumps(report, indent=2)`` would give. Strict JSON: a value that is
not a finite number is refused (``allow_nan=False``) rather than written as
``NaN``; no raw bidirectional control reaches the file.
"""

from __future__ import annotations

import json
from typing import Any

from lgo_check.model import FileReport, Report
from lgo_check.report.base import Reporter, RunEnd, RunStart
from lgo_check.report.escape import json_safe


def dumps(value: Any, level: int = 0) -> str:
    """Strict, indented JSON, indented as if nested ``level`` deep."""
    text = json_safe(json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False))
    return text.replace("\n", "\n" + "  " * level) if level else text


class JsonReporter(Reporter):
    def start(self, run: RunStart) -> str:
        self._files = 0
        return f'{{\n  "tool": {dumps(run.tool.model_dump(mode="json"), 1)},\n  "files": ['

    def file(self, report: FileReport) -> str:
        text = dumps(report.model_dump(mode="json"), 2)
        self._files += 1
        return ("\n    " if self._files == 1 else ",\n    ") + text

    def finish(self, end: RunEnd) -> str:
        parts = ["\n  ]" if self._files else "]"]
        if end.bodies is not None:  # the body-level stage ran (as in the Report model)
            late = [f.model_dump(mode="json", include={"path", "findings"}) for f in end.late]
            parts.append(f',\n  "body_findings": {dumps(late, 1)}')
        if end.bodies is not None:
            parts.append(f',\n  "bodies": {dumps(end.bodies, 1)}')
        parts.append(f',\n  "summary": {dumps(end.summary.model_dump(mode="json"), 1)}\n}}\n')
        return "".join(parts)


def render(report: Report) -> str:
    """The whole report at once (for callers holding a Report)."""
    return dumps(report.model_dump(mode="json")) + "\n"
