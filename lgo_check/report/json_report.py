"""The JSON report: the Report model as it is, stable key order, one document."""

from __future__ import annotations

import json

from lgo_check.model import Report


def render(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
