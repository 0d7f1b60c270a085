"""JSON Lines: one JSON object per line, written as each file is done.

Each file's report is a line ``{"type": "file", ...FileReport}``; findings of
rules run after every file are ``{"type": "body_findings", "path": ..., "findings": [...]}``;
the body-level section is ``{"type": "bodies", "bodies": [...]}``; the last line is
``{"type": "summary", ...Summary, "errors": [...]}``. A reader can act on each
line as it arrives (``jq -c 'select(.type == "file")'``).
"""

from __future__ import annotations

import json
from typing import Any

from lgo_check.model import FileReport
from lgo_check.report.base import PreparedReporter, RunEnd, RunStart
from lgo_check.report.escape import json_safe


def _line(value: dict[str, Any]) -> str:
    return json_safe(json.dumps(value, ensure_ascii=False, allow_nan=False)) + "\n"


class JsonLinesReporter(PreparedReporter):
    def start(self, run: RunStart) -> str:
        return _line({"type": "tool", **run.tool.model_dump(mode="json")})

    def prepare(self, report: FileReport) -> str:
        return _line({"type": "file", **report.model_dump(mode="json")})

    def place(self, prepared: str) -> str:
        return prepared

    def finish(self, end: RunEnd) -> str:
        lines = [
            _line(
                {
                    "type": "body_findings",
                    **late.model_dump(mode="json", include={"path", "findings"}),
                }
            )
            for late in end.late
        ]
        if end.bodies is not None:
            lines.append(_line({"type": "bodies", "bodies": end.bodies}))
        summary = end.summary.model_dump(mode="json")
        lines.append(_line({"type": "summary", **summary, "errors": list(end.errors)}))
        return "".join(lines)
