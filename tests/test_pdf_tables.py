"""Tables in PDFs are read by row and column, or not at all: never by line order.

A PDF holds only text positions. The loader recovers a table's rows (cells on one
baseline, a label wrapped over lines joined to its row where the row spacing says
so) and columns (the gutters between cells), and reports each cell to the
statistics reader as Word tables do (``Source.table_cells``). Where the geometry
cannot say which figure a label belongs to, no figure is paired with a label.
The letters are for a fictional council, laid out by ``pdf_documents.flow_pdf``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from documents import letter_to_pdf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pdf_documents import PdfTable, flow_pdf

from lgo_check.cli import main
from lgo_check.config import Config
from lgo_check.engine import build_registry, check_letter, select_rules
from lgo_check.extract import extract_letter
from lgo_check.extract.layout import metadata_wording
from lgo_check.load import Limits
from lgo_check.load.pdf import PdfLoader
from lgo_check.model import Letter, Source
from lgo_check.normalise import normalise

_CONFIG = Config()
_RULES = select_rules(build_registry(_CONFIG), _CONFIG)

HEAD = [
    "18 July 2024",
    "Mr Tobias Ashdown",
    "Chief Executive",
    "Wrenfield Borough Council",
    "Dear Mr Ashdown",
    "Annual Review letter 2023-24",
    "I write with the complaint statistics of Wrenfield Borough Council for the year "
    "ending 31 March 2024.",
    "Yours sincerely,",
    "Ombudsman",
    "Complaints upheld",
]
TAIL = [
    "Compliance with Ombudsman recommendations",
    "In 100% of cases we were satisfied the Council had successfully implemented our "
    "recommendations.",
    "This compares to an average of 99% in similar authorities.",
    "Statistics are based on a total of 5 compliance outcomes for the period between "
    "1 April 2023 to 31 March 2024",
    "Satisfactory remedy provided by the Council",
    "In 14% of upheld cases we found the Council had provided a satisfactory remedy before "
    "the complaint reached the Ombudsman.",
    "This compares to an average of 12% in similar authorities.",
    "1 satisfactory remedy decision",
    "Statistics are based on a total of 7 upheld decisions for the period between "
    "1 April 2023 to 31 March 2024",
]
ROWS = [
    ["Complaints upheld", "54%"],
    ["Average in similar authorities", "61%"],
    ["Upheld decisions", "7"],
    ["Upheld decisions per 100,000 residents", "2.3"],
    ["Investigations", "13"],
]
TRUTH = {
    "rate_pct": 54,
    "peer_average_pct": 61,
    "count": 7,
    "per_100k": 2.3,
    "investigations": 13,
}
UPHELD = ["rate_pct", "peer_average_pct", "count", "per_100k", "peer_average_per_100k"]


def _source(table: PdfTable | None, path: Path) -> Source:
    pdf = flow_pdf([*HEAD, *([table] if table else []), *TAIL], path)
    loader = PdfLoader()
    loader.isolated = False  # the helper process is covered by the CLI test below
    return loader.load(pdf, pdf.read_bytes(), pdf.name, Limits())


def _read(source: Source) -> tuple[Letter, list[str]]:
    letter = extract_letter(normalise(source, metadata_wording().artefacts))
    findings, errors = check_letter(letter, _RULES, None, source.path)
    assert not errors
    return letter, [f.message for f in findings if f.rule == "statistics-missing"]


def _upheld(letter: Letter) -> dict[str, object]:
    return {name: getattr(letter.statistics.upheld, name) for name in TRUTH}


def _cells(source: Source) -> list[list[str]]:
    rows: dict[tuple[int, int], list[str]] = {}
    for table, row, start, end in source.table_cells:
        rows.setdefault((table, row), []).append(source.text[start:end])
    return list(rows.values())


@pytest.mark.parametrize(
    "table",
    [
        PdfTable(ROWS),
        PdfTable([row[::-1] for row in ROWS], widths=[30, 100]),
    ],
    ids=["label-before-figure", "figure-before-label"],
)
def test_label_and_figure_cells_are_paired_by_row(table: PdfTable, tmp_path: Path) -> None:
    source = _source(table, tmp_path / "letter.pdf")
    assert sorted(_cells(source)) == sorted(table.rows)
    letter, messages = _read(source)
    assert _upheld(letter) == TRUTH
    assert not [m for m in messages if m.split(" ")[0] in {f"upheld.{f}" for f in TRUTH}]


def test_without_the_table_nothing_is_read_from_the_lines_alone(tmp_path: Path) -> None:
    """The same letter with no table has no upheld figures: they come from the table."""
    letter, messages = _read(_source(None, tmp_path / "letter.pdf"))
    assert all(value is None for value in _upheld(letter).values())
    assert any("complaints upheld" in m for m in messages)


def test_header_row_says_whose_figures_each_column_holds(tmp_path: Path) -> None:
    table = PdfTable(
        [
            ["Measure", "Your council", "Similar authorities", "England"],
            ["Complaints upheld", "54%", "61%", "70%"],
            ["Upheld decisions", "7", "", "3125"],
        ],
        widths=[55, 30, 40, 25],
        gutter=6,
    )
    source = _source(table, tmp_path / "letter.pdf")
    # An empty cell keeps its place, so every figure stays under its heading.
    assert _cells(source)[-1] == ["Upheld decisions", "7", "", "3125"]
    letter, _ = _read(source)
    up = letter.statistics.upheld
    assert (up.rate_pct, up.peer_average_pct, up.count) == (54, 61, 7)


@pytest.mark.parametrize("align", ["top", "middle", "bottom"])
def test_label_wrapped_over_lines_joins_its_figures_row(align: str, tmp_path: Path) -> None:
    """Rows spaced apart more than a cell's lines are: each wrapped label is whole."""
    table = PdfTable(ROWS, widths=[40, 30], padding=2, align=align)
    source = _source(table, tmp_path / "letter.pdf")
    assert ["Upheld decisions per 100,000 residents", "2.3"] in _cells(source)
    letter, _ = _read(source)
    assert _upheld(letter) == TRUTH


@pytest.mark.parametrize("figure_first", [False, True])
def test_rows_that_cannot_be_told_apart_give_no_figure(figure_first: bool, tmp_path: Path) -> None:
    """Wrapped labels with rows spaced like lines: which label is whose is unknown, so
    every figure of the table is empty and named, none guessed."""
    rows = [
        ["Complaints upheld", "54%"],
        ["Upheld decisions", "3"],
        ["Upheld decisions per 100,000 residents", "7"],
        ["Investigations", "13"],
    ]
    if figure_first:
        rows = [row[::-1] for row in rows]
    widths = [20.0, 40.0] if figure_first else [40.0, 20.0]
    source = _source(PdfTable(rows, widths=widths, padding=0), tmp_path / "letter.pdf")
    assert source.table_cells == []
    letter, messages = _read(source)
    up = letter.statistics.upheld
    assert (up.rate_pct, up.count, up.per_100k, up.investigations) == (None, None, None, None)
    assert any("complaints upheld" in m or m.startswith("upheld.") for m in messages)


def test_numbered_list_is_not_a_table(tmp_path: Path) -> None:
    items = [
        "We asked the Council to do three things:",
        PdfTable(
            [
                ["1", "apologise to the resident for the delay in answering her letters"],
                ["2", "pay her 150 pounds for the distress and the time she spent"],
                ["3", "review how its housing team answers letters within ten days"],
            ],
            widths=[8, 150],
            gutter=4,
        ),
    ]
    pdf = flow_pdf(items, tmp_path / "list.pdf")
    loader = PdfLoader()
    loader.isolated = False
    source = loader.load(pdf, pdf.read_bytes(), pdf.name, Limits())
    assert source.table_cells == []
    assert "1 apologise to the resident" in source.text


def test_statistics_columns_are_not_a_table(tmp_path: Path) -> None:
    """The three side-by-side blocks of the statistics page are prose, read column by
    column as before, never as table rows."""
    letter_text = (Path(__file__).parent / "letters" / "borsetshire-cc-2023-24.txt").read_text(
        encoding="utf-8"
    )
    for aligned in (False, True):
        pdf = letter_to_pdf(letter_text, tmp_path / f"letter-{aligned}.pdf", aligned=aligned)
        loader = PdfLoader()
        loader.isolated = False
        assert loader.load(pdf, pdf.read_bytes(), pdf.name, Limits()).table_cells == []


def test_pdf_table_figures_through_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    flow_pdf(
        [*HEAD, PdfTable([row[::-1] for row in ROWS], widths=[30, 100]), *TAIL], tmp_path / "w.pdf"
    )
    monkeypatch.chdir(tmp_path)
    main(["--format", "json", "--jobs", "1", "w.pdf"])
    [file] = json.loads(capsys.readouterr().out)["files"]
    upheld = file["letter"]["statistics"]["upheld"]
    assert {name: upheld[name] for name in TRUTH} == TRUTH


# --- the property: any table, any layout, never a wrong figure ---------------------------

_POOL = [
    ("Complaints upheld", "rate_pct", "pct"),
    ("Average in similar authorities", "peer_average_pct", "pct"),
    ("Upheld decisions", "count", "int"),
    ("Upheld decisions per 100,000 residents", "per_100k", "dec"),
    ("Investigations", "investigations", "int"),
]


@st.composite
def _tables(draw: st.DrawFn) -> tuple[PdfTable, dict[str, float]]:
    chosen = draw(st.lists(st.sampled_from(_POOL), min_size=2, max_size=5, unique=True))
    rows, truth = [], {}
    for label, name, unit in chosen:
        if unit == "pct":
            value: float = draw(st.integers(0, 100))
            text = f"{value}%"
        elif unit == "dec":
            # Whole numbers too: "Upheld decisions" wrapped off "... per 100,000
            # residents" must not take this figure as the count.
            value = draw(st.integers(1, 99)) / draw(st.sampled_from([1, 10]))
            text = f"{value:g}"
        else:
            value = draw(st.integers(0, 400))
            text = str(value)
        rows.append([label, text])
        truth[name] = value
    figure_first = draw(st.booleans())
    label_width = draw(st.sampled_from([25.0, 33.0, 40.0, 95.0]))
    widths = [label_width, 25.0]
    if figure_first:
        rows = [row[::-1] for row in rows]
        widths = widths[::-1]
    table = PdfTable(
        rows,
        widths=widths,
        padding=draw(st.sampled_from([0.0, 0.5, 2.0])),
        align=draw(st.sampled_from(["top", "middle", "bottom"])),
        gutter=draw(st.sampled_from([6.0, 12.0])),
    )
    return table, truth


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(case=_tables())
# Drawn once: a narrow label cell wrapped "Upheld decisions / per 100,000 / residents"
# beside its figure, read as the count (tests/test_wrapped_labels.py).
@example(
    case=(
        PdfTable(
            [["1", "Upheld decisions per 100,000 residents"], ["0%", "Complaints upheld"]],
            widths=[25.0, 33.0],
            align="top",
            padding=0.0,
            gutter=6.0,
        ),
        {"per_100k": 1.0, "rate_pct": 0},
    )
)
def test_any_pdf_table_gives_no_wrong_figure(
    case: tuple[PdfTable, dict[str, float]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    table, truth = case
    source = _source(table, tmp_path_factory.mktemp("table") / "letter.pdf")
    letter, _ = _read(source)
    for name in UPHELD:
        got = getattr(letter.statistics.upheld, name)
        if got is not None:
            assert name in truth and math.isclose(got, truth[name]), (name, got, truth)


# --- a block lgo-check does not know, in a PDF ----------------------------------------------

_UPHELD_SENTENCES = [
    "54% of complaints we investigated were upheld.",
    "This compares to an average of 61% in similar authorities.",
]
_TAIL_WITHOUT_REMEDY_PEER = [line for line in TAIL if "average of 12%" not in line]
_NEW_BLOCK = "Complaints about adult social care"


@pytest.mark.parametrize(
    ("items", "field", "own"),
    [
        # The new block's average would be the only remedy average in the letter.
        (
            [
                *HEAD,
                *_UPHELD_SENTENCES,
                *_TAIL_WITHOUT_REMEDY_PEER,
                _NEW_BLOCK,
                "This compares to an average of 44% in similar authorities.",
            ],
            "remedy.peer_average_pct",
            None,
        ),
        # The new block states its rate in the very sentence of the body's own rate.
        (
            [
                *HEAD,
                _UPHELD_SENTENCES[1],
                *TAIL,
                _NEW_BLOCK,
                "38% of complaints we investigated were upheld.",
            ],
            "upheld.rate_pct",
            None,
        ),
        # Beside the body's own rate, the new block's changes nothing.
        (
            [
                *HEAD,
                *_UPHELD_SENTENCES,
                *TAIL,
                _NEW_BLOCK,
                "38% of complaints we investigated were upheld.",
            ],
            "upheld.rate_pct",
            54,
        ),
    ],
    ids=["only-average", "only-rate", "beside-own-rate"],
)
def test_sentence_under_a_new_block_heading_is_not_the_block_above(
    items: list[str], field: str, own: int | None, tmp_path: Path
) -> None:
    """A PDF has no blank lines: the loader reports the gaps between paragraphs, so a
    heading lgo-check does not know stands alone as in a text letter, and what
    follows it is never read into the block above."""
    pdf = flow_pdf(items, tmp_path / "letter.pdf")
    loader = PdfLoader()
    loader.isolated = False
    source = loader.load(pdf, pdf.read_bytes(), pdf.name, Limits())
    # The gaps are reported beside the text; the text's lines are the page's own.
    assert "\n\n" not in source.text
    assert source.text[source.text.index(_NEW_BLOCK) :].startswith(_NEW_BLOCK + "\n")
    assert source.text.index(_NEW_BLOCK) in source.paragraph_starts
    letter, messages = _read(source)
    block, name = field.split(".")
    assert getattr(getattr(letter.statistics, block), name) == own
    if own is None:
        # Empty, and named (for a figure whose sentence names its block, with the heading).
        assert any(m.startswith(field) for m in messages), messages
        if field == "upheld.rate_pct":
            assert any(m.startswith(field) and _NEW_BLOCK in m for m in messages), messages
