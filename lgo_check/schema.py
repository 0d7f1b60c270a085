"""The JSON Schema of lgo-check's JSON report, generated from the models.

Regenerate the committed copy after changing a model::

    python -m lgo_check.schema > schema/report.schema.json
"""

from __future__ import annotations

import json
from typing import Any

from lgo_check.model import Report


def report_schema() -> dict[str, Any]:
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "lgo-check JSON report"
    return schema


def render() -> str:
    return json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
