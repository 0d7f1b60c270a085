"""Tables for analysts: ``lgo-check extract`` writes one row per letter (or per figure).

    lgo-check extract PATH... --format csv|jsonl|xlsx -o FILE [--long]

The wide table has one row per file: the file, its body, review year and dates,
every figure with its block's status, the concern kinds found, the count of
findings per severity and the layout. ``--long`` gives the tidy form, one row
per figure of each letter (file, body, review_year, measure, value, status,
error). A file that could not be read is a row with its ``error``, never left
out. Column names are a contract (see the README): new columns may be added at
the end of a group, none is renamed or removed.

The run is the same as ``lgo-check check`` (same rules, same configuration);
the rows are built as each file's report is streamed, so a table of thousands
of letters holds only rows, not reports.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from lgo_check.bodies import BLOCKS, FIGURES
from lgo_check.model import COUNT_FIELDS, FileReport, Severity
from lgo_check.report.base import Reporter, RunEnd

Cell = str | int | float | bool | dt.date | None

TABLE_FORMATS = ("csv", "jsonl", "xlsx")

#: Figure columns: ``upheld.rate_pct`` -> ``upheld_rate_pct``.
FIGURE_COLUMNS = {figure: figure.replace(".", "_") for figure in FIGURES}


def _wide_columns() -> list[str]:
    columns = [
        "file",
        "format",
        "checked",
        "error",
        "is_annual_review",
        "organisation",
        "body",
        "review_year",
        "letter_date",
        "period_start",
        "period_end",
        "layout",
    ]
    for block in BLOCKS:
        columns.append(f"{block}_status")
        columns.extend(c for f, c in FIGURE_COLUMNS.items() if f.startswith(block + "."))
    columns += ["unreadable_figures", "concern_kinds"]
    columns += [f"findings_{severity.value}" for severity in Severity]
    return columns


#: The wide table's columns, in order.
WIDE_COLUMNS: list[str] = _wide_columns()
#: The long (tidy) table's columns, in order.
LONG_COLUMNS: list[str] = ["file", "body", "review_year", "measure", "value", "status", "error"]


def wide_row(report: FileReport) -> dict[str, Cell]:
    """One file's row of the wide table (``body`` is filled in once every file is read)."""
    row: dict[str, Cell] = dict.fromkeys(WIDE_COLUMNS)
    row.update(file=report.path, format=report.format, checked=report.checked, error=report.error)
    letter = report.letter
    if letter is not None:
        row.update(
            is_annual_review=letter.is_annual_review,
            organisation=letter.organisation,
            review_year=letter.review_year,
            letter_date=letter.letter_date,
            period_start=letter.period.start if letter.period else None,
            period_end=letter.period.end if letter.period else None,
            layout=letter.layout,
            unreadable_figures=";".join(sorted({p.field for p in letter.problems})) or None,
            concern_kinds=";".join(sorted({c.kind for c in letter.concerns})) or None,
        )
        for block_name in BLOCKS:
            block = getattr(letter.statistics, block_name)
            if block is None:
                continue
            row[f"{block_name}_status"] = block.status.value
            for figure, column in FIGURE_COLUMNS.items():
                if figure.startswith(block_name + "."):
                    row[column] = getattr(block, figure.partition(".")[2])
    for severity in Severity:
        row[f"findings_{severity.value}"] = 0
    add_findings(row, report)
    return row


def add_findings(row: dict[str, Cell], report: FileReport) -> None:
    for finding in report.findings:
        key = f"findings_{finding.severity.value}"
        count = row[key]
        row[key] = (count if isinstance(count, int) else 0) + 1


def long_rows(row: dict[str, Cell]) -> list[dict[str, Cell]]:
    """The tidy rows of one letter: one per figure of each block the letter has."""
    base = {"file": row["file"], "body": row["body"], "review_year": row["review_year"]}
    rows: list[dict[str, Cell]] = []
    for figure, column in FIGURE_COLUMNS.items():
        status = row[f"{figure.partition('.')[0]}_status"]
        if status is None:
            continue  # the letter's layout has no such block (the overview before 2024-25)
        rows.append(
            {**base, "measure": column, "value": row[column], "status": status, "error": None}
        )
    if not rows:
        error = row["error"] or (
            "not an Ombudsman annual review letter" if row["is_annual_review"] is False else None
        )
        rows.append({**base, "measure": None, "value": None, "status": None, "error": error})
    return rows


class TableReporter(Reporter):
    """Collects a row per file as the run streams; writes nothing until the table is done."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Cell]] = []

    def file(self, report: FileReport) -> str:
        self.rows.append(wide_row(report))
        return ""

    def finish(self, end: RunEnd) -> str:
        by_file = {row["file"]: row for row in self.rows}
        for late in end.late:
            if late.path in by_file:
                add_findings(by_file[late.path], late)
        for body in end.bodies or []:
            for letter in body["letters"]:
                if letter["path"] in by_file:
                    by_file[letter["path"]]["body"] = body["name"]
        return ""


# --- writing ------------------------------------------------------------------------

# A text cell that a spreadsheet would read as a formula (an organisation name in a
# hostile letter) is written with a leading apostrophe, which Excel shows as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def write_csv(rows: Iterable[dict[str, Cell]], columns: Sequence[str], out: IO[str]) -> None:
    """UTF-8 with a byte-order mark (so Excel opens it as UTF-8), CRLF, ISO dates."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])


def _json_cell(value: Cell) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def write_jsonl(rows: Iterable[dict[str, Cell]], columns: Sequence[str], out: IO[str]) -> None:
    for row in rows:
        record = {c: _json_cell(row[c]) for c in columns}
        out.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")


def _number_format(column: str) -> str | None:
    if column.endswith("_pct") or column.endswith("per_100k"):
        return "0.0"
    if column.startswith("findings_") or column.split("_", 1)[-1] in COUNT_FIELDS:
        return "0"
    return None


def write_xlsx(
    rows: Iterable[dict[str, Cell]], columns: Sequence[str], path: Path, title: str
) -> None:
    """A workbook with a bold header row, frozen panes, a filter and number formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = {index: _number_format(c) for index, c in enumerate(columns, start=1)}
    for row_number, row in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            value = row[column]
            cell = sheet.cell(row=row_number, column=index, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text, even when it starts with "="
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = formats[index] or "General"
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(column) + 2))
    workbook.save(path)


def table(rows: list[dict[str, Cell]], long: bool) -> tuple[list[dict[str, Cell]], list[str]]:
    if long:
        return [r for row in rows for r in long_rows(row)], LONG_COLUMNS
    return rows, WIDE_COLUMNS


# --- the command --------------------------------------------------------------------


def extract_parser() -> argparse.ArgumentParser:
    from lgo_check.cli import _common, _positive

    parser = argparse.ArgumentParser(
        prog="lgo-check extract",
        description="Write a table of every letter's figures: one row per letter (or, "
        "with --long, one per figure), for spreadsheets and BI tools.",
        epilog="Exit status: 0 the table was written (files that could not be read are "
        "rows with their error); 2 usage, configuration or internal error.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    parser.add_argument(
        "--format",
        choices=TABLE_FORMATS,
        help="table format (default: from the -o file's extension, else csv)",
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    parser.add_argument(
        "--long",
        action="store_true",
        help="tidy long form: one row per figure (file, body, review_year, measure, value, "
        "status, error)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        metavar="N",
        help="read N files at once in worker processes (default: the 'jobs' setting, else "
        "one per CPU; 1: no workers)",
    )
    _common(parser)
    return parser


def choose_format(output: Path | None, given: str | None) -> str:
    if given is not None:
        return given
    if output is not None and output.suffix.lower().lstrip(".") in TABLE_FORMATS:
        return output.suffix.lower().lstrip(".")
    return "csv"


def cmd_extract(argv: Sequence[str]) -> int:
    from lgo_check.cli import UsageError, _check_output, _load_config
    from lgo_check.history import body_stage
    from lgo_check.plugins import build_registry
    from lgo_check.runner import stream
    from lgo_check.selection import select_rules
    from lgo_check.summary import EXIT_ERROR, EXIT_OK

    args = extract_parser().parse_args(argv)
    fmt = choose_format(args.output, args.format)
    if fmt == "xlsx" and args.output is None:
        raise UsageError("an xlsx table needs an output file: give -o FILE.xlsx")
    config = _load_config(args)
    registry = build_registry(config)
    paths = args.paths or [Path(".")]
    if args.output is not None:
        _check_output(args.output, paths)
    reporter = TableReporter()
    outcome = stream(
        paths,
        config,
        registry,
        reporter,
        io.StringIO(),
        body_stage=body_stage(select_rules(registry, config), config.bodies.aliases),
        exclude=[args.output] if args.output is not None else [],
        jobs=args.jobs if args.jobs is not None else config.jobs,
    )
    rows, columns = table(reporter.rows, args.long)
    write = write_csv if fmt == "csv" else write_jsonl
    if args.output is None:
        write(rows, columns, sys.stdout)
    else:
        try:
            if fmt == "xlsx":
                write_xlsx(rows, columns, args.output, "measures" if args.long else "letters")
            else:
                with args.output.open("w", encoding="utf-8", newline="") as handle:
                    write(rows, columns, handle)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    for error in outcome.errors:
        print(f"lgo-check: error: {error}", file=sys.stderr)
    unread = sum(1 for row in reporter.rows if row["checked"] is False)
    if unread:
        print(
            f"lgo-check: {unread} file(s) could not be read; their rows give the error",
            file=sys.stderr,
        )
    return EXIT_ERROR if outcome.errors else EXIT_OK
