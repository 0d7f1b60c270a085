"""The JSON report: the Report model as it is, stable key order, one document.

Written incrementally (the ``files`` array one file at a time) with the same
bytes ``json.dumps(report, indent=2)`` would give. Strict JSON: a value that is
not a finite number is refused (``allow_nan=False``) rather than written as
``NaN``; no raw bidirectional control reaches the file.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic_core import SchemaSerializer, to_json

from lgo_check.model import FileReport, Report
from lgo_check.report import indented
from lgo_check.report.base import PreparedReporter, RunEnd, RunStart
from lgo_check.report.escape import json_safe


def dumps(value: Any, level: int = 0) -> str:
    """Strict, indented JSON, indented as if nested ``level`` deep."""
    return json_safe(indented.dumps(value, level))


# Where pydantic-core's JSON may not be the bytes json.dumps writes: a number in
# exponent form (json.dumps writes "1e-05" where pydantic-core writes "0.00001") or
# not finite (written as NaN or Infinity here, refused by json.dumps). Indented JSON
# of an object has one value per line after the first, after its key or alone in a
# list; the search starts at each line break, found quickly as a literal.
_UNLIKE_JSON_DUMPS = re.compile(
    r'\n *(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*": )?-?(?:NaN|Infinity|[0-9.]+[eE]|0\.0000)'
)
#: What every such number holds: a quick test before the exact one.
_DIGIT_E = re.compile("[0-9][eE]")


#: pydantic-core serialisers of the models written per file, non-finite numbers
#: written as constants so that _UNLIKE_JSON_DUMPS sees them.
_SERIALIZERS: dict[type[BaseModel], SchemaSerializer] = {}


def _fast(text: str | None, level: int) -> str | None:
    if text is None or not text.startswith("{"):
        return None
    if (
        "NaN" in text or "Infinity" in text or "0.0000" in text or _DIGIT_E.search(text)
    ) and _UNLIKE_JSON_DUMPS.search(text):
        return None
    text = json_safe(text)
    return text.replace("\n", "\n" + "  " * level) if level else text


def model_dumps(model: BaseModel, level: int = 0) -> str:
    """``dumps(model.model_dump(mode="json"), level)``, the same bytes, written by
    pydantic-core (about ten times faster than the indenting json encoder, which is
    pure Python). Anything it might write differently goes the slow way."""
    cls = type(model)
    serializer = _SERIALIZERS.get(cls)
    if serializer is None:
        serializer = SchemaSerializer(
            cls.__pydantic_core_schema__, {"ser_json_inf_nan": "constants"}
        )
        _SERIALIZERS[cls] = serializer
    try:
        text: str | None = serializer.to_json(model, indent=2).decode("utf-8")
    except Exception:  # e.g. a lone surrogate from a file name that is not UTF-8
        text = None
    return _fast(text, level) or dumps(model.model_dump(mode="json"), level)


def data_dumps(value: dict[str, Any], level: int = 0) -> str:
    """``dumps(value, level)`` for plain data (str keys; str, int, bool, None, lists
    and dicts of them), the same bytes, written by pydantic-core."""
    try:
        text: str | None = to_json(value, indent=2, inf_nan_mode="constants").decode("utf-8")
    except Exception:
        text = None
    return _fast(text, level) or dumps(value, level)


class JsonReporter(PreparedReporter):
    def start(self, run: RunStart) -> str:
        self._files = 0
        return f'{{\n  "tool": {dumps(run.tool.model_dump(mode="json"), 1)},\n  "files": ['

    def prepare(self, report: FileReport) -> str:
        return model_dumps(report, 2)

    def place(self, prepared: str) -> str:
        self._files += 1
        return ("\n    " if self._files == 1 else ",\n    ") + prepared

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
