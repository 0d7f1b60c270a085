"""`lgo-check extract`: tables that round-trip the JSON report's figures."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLES

from lgo_check.bodies import FIGURES
from lgo_check.tabulate import LONG_COLUMNS, WIDE_COLUMNS, write_csv, write_xlsx

MISSING = "no-such-letter.txt"


@pytest.fixture(scope="module")
def json_report() -> dict[str, Any]:
    from lgo_check.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--isolated", "--format", "json", str(EXAMPLES), MISSING])
    return dict(json.loads(out.getvalue()))


def _csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _stated(letter: dict[str, Any], figure: str) -> Any:
    block, _, name = figure.partition(".")
    return (letter["statistics"].get(block) or {}).get(name)


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def test_csv_round_trips_every_figure(lgo_cli: Any, json_report: dict[str, Any]) -> None:
    result = lgo_cli("extract", "--isolated", str(EXAMPLES), MISSING, "--format", "csv")
    assert result.code == 0, result.err
    assert "1 file(s) could not be read" in result.err
    assert "\r\n" in result.out
    rows = {row["file"]: row for row in _csv_rows(result.out)}
    assert list(_csv_rows(result.out)[0]) == WIDE_COLUMNS
    files = {f["path"]: f for f in json_report["files"]}
    assert set(rows) == set(files)
    late = {f["path"]: f["findings"] for f in json_report.get("body_findings", [])}
    bodies = {x["path"]: b["name"] for b in json_report["bodies"] for x in b["letters"]}
    compared = 0
    for path, file in files.items():
        row = rows[path]
        assert row["checked"] == ("true" if file["checked"] else "false")
        findings = file["findings"] + late.get(path, [])
        for severity in ("error", "warning", "note"):
            count = sum(1 for f in findings if f["severity"] == severity)
            assert int(row[f"findings_{severity}"]) == count, (path, severity)
        letter = file["letter"]
        if letter is None:
            assert row["error"] == file["error"] and row["error"]
            continue
        assert row["body"] == bodies.get(path, "")
        assert row["review_year"] == (letter["review_year"] or "")
        assert row["letter_date"] == (letter["letter_date"] or "")  # ISO dates
        kinds = sorted({c["kind"] for c in letter["concerns"]})
        assert row["concern_kinds"] == ";".join(kinds)
        for figure in FIGURES:
            assert _number(row[figure.replace(".", "_")]) == _stated(letter, figure), (path, figure)
            compared += 1
    assert compared > 150
    glenhallow = rows["examples/glenhallow-cc-2023-24.txt"]
    assert glenhallow["body"] == "Glenhallow County Council"
    assert int(glenhallow["findings_warning"]) >= 4  # trend findings are counted too


def test_long_form_is_one_row_per_figure(lgo_cli: Any, json_report: dict[str, Any]) -> None:
    result = lgo_cli("extract", "--isolated", "--long", str(EXAMPLES), MISSING)
    rows = _csv_rows(result.out)
    assert list(rows[0]) == LONG_COLUMNS
    files = {f["path"]: f for f in json_report["files"]}
    for row in rows:
        file = files[row["file"]]
        if file["letter"] is None:
            assert row["measure"] == "" and row["error"] == file["error"]
            continue
        figure = row["measure"].replace("_", ".", 1)
        assert _number(row["value"]) == _stated(file["letter"], figure)
        block = file["letter"]["statistics"][figure.partition(".")[0]]
        assert row["status"] == block["status"]
    measures = {r["measure"] for r in rows if r["file"].endswith("glenhallow-cc-2023-24.txt")}
    assert "upheld_rate_pct" in measures and "overview_dealt_with" not in measures  # no overview
    assert any(r["file"] == MISSING for r in rows)


def test_jsonl_keeps_types(lgo_cli: Any, json_report: dict[str, Any]) -> None:
    result = lgo_cli("extract", "--isolated", "--format", "jsonl", str(EXAMPLES))
    records = [json.loads(line) for line in result.out.splitlines()]
    assert all(list(r) == WIDE_COLUMNS for r in records)
    files = {f["path"]: f for f in json_report["files"]}
    for record in records:
        letter = files[record["file"]]["letter"]
        assert record["upheld_rate_pct"] == _stated(letter, "upheld.rate_pct")
        assert record["checked"] is True


def test_xlsx_has_header_frozen_panes_and_number_formats(
    lgo_cli: Any, json_report: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "letters.xlsx"
    result = lgo_cli("extract", "--isolated", str(EXAMPLES), MISSING, "-o", out)
    assert result.code == 0, result.err
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header == WIDE_COLUMNS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "B2"
    column = {name: index for index, name in enumerate(header, start=1)}
    files = {f["path"]: f for f in json_report["files"]}
    for row in range(2, sheet.max_row + 1):
        path = sheet.cell(row, column["file"]).value
        letter = files[path]["letter"]
        if letter is None:
            assert sheet.cell(row, column["error"]).value == files[path]["error"]
            continue
        rate = sheet.cell(row, column["upheld_rate_pct"])
        assert rate.value == _stated(letter, "upheld.rate_pct")
        if rate.value is not None:
            assert rate.number_format == "0.0"
        count = sheet.cell(row, column["upheld_count"])
        if count.value is not None:
            assert count.number_format == "0"
        date = sheet.cell(row, column["letter_date"])
        assert date.value.date() == dt.date.fromisoformat(letter["letter_date"])
        assert date.number_format == "yyyy-mm-dd"


def test_xlsx_needs_an_output_file(lgo_cli: Any) -> None:
    result = lgo_cli("extract", "--isolated", "--format", "xlsx", str(EXAMPLES))
    assert result.code == 2 and "-o FILE.xlsx" in result.err


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    row: dict[str, Any] = dict.fromkeys(WIDE_COLUMNS)
    row.update(file="a.txt", organisation='=HYPERLINK("http://x")', checked=True)
    out = io.StringIO()
    write_csv([row], WIDE_COLUMNS, out)
    [parsed] = _csv_rows(out.getvalue())
    assert parsed["organisation"] == '\'=HYPERLINK("http://x")'
    path = tmp_path / "t.xlsx"
    write_xlsx([row], WIDE_COLUMNS, path, "letters")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    cell = sheet.cell(2, WIDE_COLUMNS.index("organisation") + 1)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_the_table_is_the_same_with_worker_processes(lgo_cli: Any) -> None:
    one = lgo_cli("extract", "--isolated", "-j", "1", str(EXAMPLES), MISSING)
    two = lgo_cli("extract", "--isolated", "-j", "2", str(EXAMPLES), MISSING)
    assert one.code == two.code == 0
    assert one.out == two.out and one.out.count("\r\n") == 12  # header, 10 letters, 1 error
