"""Per-file JSON is written by pydantic-core, with the very bytes json.dumps writes.

``model_dumps`` and ``data_dumps`` are the fast path of the JSON and SARIF reports;
``dumps`` (json.dumps, indented, strict) is the definition they must equal, or fall
back to, whatever the values are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lgo_check.config import Config
from lgo_check.model import Concern, FileReport, Finding, Letter, Severity, Span, Statistics
from lgo_check.plugins import build_registry
from lgo_check.report.json_report import data_dumps, dumps, model_dumps
from lgo_check.runner import run

ROOT = Path(__file__).resolve().parent.parent


def _slow(model: FileReport, level: int) -> str:
    return dumps(model.model_dump(mode="json"), level)


def test_reports_of_the_letters_are_the_same_bytes() -> None:
    config = Config()
    result = run([ROOT / "examples", ROOT / "tests" / "letters"], config, build_registry(config))
    files = result.report.files
    assert len(files) > 20 and any(f.letter and f.letter.concerns for f in files)
    for report in files:
        for level in (0, 2):
            assert model_dumps(report, level) == _slow(report, level)


def _report(value: float, text: str = "plain") -> FileReport:
    statistics = Statistics()
    statistics.upheld.rate_pct = value
    statistics.upheld.per_100k = 12.25
    span = Span(line=1, column=1, end_line=1, end_column=2)
    concern = Concern(
        kind="delayed_enquiry_responses", line=1, text=text, span=span, found_by="model"
    )
    concern.model_score = value
    finding = Finding(rule_id="LGO001", rule="x", severity=Severity.note, message=text)
    letter = Letter(organisation=text, statistics=statistics, concerns=[concern])
    return FileReport(path=text, letter=letter, findings=[finding])


AWKWARD_FLOATS = [0.0, -0.0, 1.5, 99.99, 0.0001, 0.00012, 1e-05, 9.9e-05, 1e-07, 1e15, 1e16, 2.5e20]
AWKWARD_TEXT = [
    "Café, naïve, 100% \u2013 \u201cquoted\u201d",
    'quote " backslash \\ slash /',
    "controls \x00 \x1b \x7f \x9f tab\t line\nbreak",
    "ASCII only, with a delete \x7f",
    "bidi \u202e override \u2066 isolate \u2028 separator",
    "beyond the BMP \U0001d400 \U0001f600",
    "not UTF-8 \udcff\udc80",
]


@pytest.mark.parametrize("value", AWKWARD_FLOATS)
def test_awkward_numbers_are_the_same_bytes(value: float) -> None:
    report = _report(value)
    assert model_dumps(report, 2) == _slow(report, 2)
    data = {"n": value, "list": [value, 1, None, True]}
    assert data_dumps(data, 4) == dumps(data, 4)


@pytest.mark.parametrize("text", AWKWARD_TEXT)
def test_awkward_text_is_the_same_bytes(text: str) -> None:
    report = _report(50.0, text)
    written = model_dumps(report, 2)
    assert written == _slow(report, 2)
    # Still escaped: DEL, C1 controls, bidi controls, separators, lone surrogates.
    assert not set(written) & set("\x00\x1b\x7f\x9f\u202e\u2066\u2028\udcff\udc80")
    data: dict[str, Any] = {text: {"message": {"text": text}}, "empty": {}, "none": []}
    assert data_dumps(data, 4) == dumps(data, 4)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_number_that_is_not_finite_is_still_refused(value: float) -> None:
    with pytest.raises(ValueError):
        _slow(_report(value), 2)
    with pytest.raises(ValueError):
        model_dumps(_report(value), 2)
    with pytest.raises(ValueError):
        data_dumps({"n": value})


def test_strict_json_still_parses() -> None:
    report = _report(1e-05, AWKWARD_TEXT[3])
    assert json.loads(model_dumps(report))["letter"]["statistics"]["upheld"]["rate_pct"] == 1e-05
