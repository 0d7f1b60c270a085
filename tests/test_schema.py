"""The committed JSON Schema of the report matches the models, and reports validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from lgo_check.cli import main
from lgo_check.schema import report_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema" / "report.schema.json"


def test_committed_schema_matches_models() -> None:
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert committed == report_schema(), (
        "schema/report.schema.json is out of date: "
        "run `python -m lgo_check.schema > schema/report.schema.json`"
    )


def test_json_report_validates_against_schema(capsys: pytest.CaptureFixture[str]) -> None:
    main(
        ["--isolated", "--format", "json", str(ROOT / "examples"), str(ROOT / "tests" / "letters")]
    )
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert report["summary"]["files"] == len(report["files"]) > 20
