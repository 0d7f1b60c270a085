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


# --- tables across pages, merged cells -------------------------------------------------------

FILLER = (
    "This paragraph stands in for the letter's own words about the year, so that the "
    "table below begins near the foot of the page and must run on to the next."
)
HEADED = [
    ["Measure", "Your council", "Similar authorities", "England"],
    ["Complaints upheld", "54%", "61%", "70%"],
    ["Upheld decisions", "7", "", "3125"],
    ["Upheld decisions per 100,000 residents", "2.3", "3.1", "4.0"],
    ["Investigations", "13", "", "4400"],
]


def _broken_table(table: PdfTable, path: Path, above: int) -> tuple[Source, list[str]]:
    """The letter with filler before the table so that ``above`` of its rows (header
    included) end page 1 and the rest go on at the top of page 2: the source, and the
    table's lines on page 2."""
    for filler in range(4, 30):
        pdf = flow_pdf([*HEAD[:-1], *[FILLER] * filler, HEAD[-1], table, *TAIL], path)
        loader = PdfLoader()
        loader.isolated = False
        source = loader.load(pdf, pdf.read_bytes(), pdf.name, Limits())
        pages = source.text.split("\f")
        if len(pages) == 2 and len(_table_lines(pages[0])) == above:
            return source, _table_lines(pages[1])
    raise AssertionError(f"no filler puts {above} rows on page 1")


def _table_lines(page: str) -> list[str]:
    return [
        line
        for line in page.split("\n")
        if line.startswith("Measure")
        or (
            (line.startswith(("Complaints upheld", "Upheld decisions", "Investigations")))
            and any(ch.isdigit() for ch in line)
        )
    ]


@pytest.mark.parametrize("repeat_header", [False, True], ids=["no-header-again", "header-again"])
@pytest.mark.parametrize("above", [2, 3])
def test_table_running_on_to_the_next_page_is_one_table(
    repeat_header: bool, above: int, tmp_path: Path
) -> None:
    """The rows on page 2 keep the header of page 1 (or its repeat), so every figure is
    read under its column heading, as if the table had not been broken."""
    table = PdfTable(HEADED, widths=[55, 30, 40, 25], gutter=6, header_rows=1)
    table.repeat_header = repeat_header
    source, second = _broken_table(table, tmp_path / "letter.pdf", above)
    assert second[0].startswith("Measure") == repeat_header
    # One table: every row's cells under one table number, across the page break.
    assert len({t for t, *_ in source.table_cells}) == 1
    cells = _cells(source)
    assert [row for row in cells if row[0] != "Measure"] == HEADED[1:]
    letter, messages = _read(source)
    up = letter.statistics.upheld
    assert (up.rate_pct, up.peer_average_pct, up.count, up.per_100k, up.investigations) == (
        54,
        61,
        7,
        2.3,
        13,
    )
    assert up.peer_average_per_100k == 3.1
    assert not [m for m in messages if m.startswith("upheld.")]


def test_a_new_table_at_the_top_of_the_next_page_is_not_joined(tmp_path: Path) -> None:
    """A table on page 2 with a header of its own is another table: its figures keep
    their own headings (here England's), never page 1's."""
    first = PdfTable(HEADED[:3], widths=[55, 30, 40, 25], gutter=6)
    other = PdfTable(
        [
            ["Measure", "England", "Similar authorities", "Your council"],
            ["Investigations", "4400", "", "13"],
            ["Upheld decisions per 100,000 residents", "4.0", "3.1", "2.3"],
        ],
        widths=[55, 30, 40, 25],
        gutter=6,
    )
    for filler in range(4, 30):
        items = [*HEAD[:-1], *[FILLER] * filler, HEAD[-1], first, other, *TAIL]
        pdf = flow_pdf(items, tmp_path / "letter.pdf")
        loader = PdfLoader()
        loader.isolated = False
        source = loader.load(pdf, pdf.read_bytes(), pdf.name, Limits())
        pages = source.text.split("\f")
        if len(pages) == 2 and pages[1].startswith("Measure England"):
            break
    else:
        raise AssertionError("no filler puts the second table at the top of page 2")
    assert len({t for t, *_ in source.table_cells}) == 2
    letter, _ = _read(source)
    up = letter.statistics.upheld
    assert (up.rate_pct, up.count, up.per_100k, up.investigations) == (54, 7, 2.3, 13)


def _never_wrong(letter: Letter, messages: list[str], truth: dict[str, float]) -> list[str]:
    """Upheld figures read: each right or empty and named by statistics-missing. Returns
    the names of those left empty."""
    empty = []
    block_named = any("complaints upheld" in m.lower() for m in messages)
    for name in UPHELD:
        got = getattr(letter.statistics.upheld, name)
        if got is None:
            if name in truth:
                assert block_named or any(m.startswith(f"upheld.{name} ") for m in messages)
                empty.append(name)
            continue
        assert name in truth and math.isclose(got, truth[name]), (name, got, truth)
    return empty


@pytest.mark.parametrize("align", ["top", "middle", "bottom"])
def test_label_merged_across_two_rows_gives_no_figure(align: str, tmp_path: Path) -> None:
    """ "Complaints upheld" once, beside two figures: which is the body's cannot be told
    from the table, so neither is read, and both are named."""
    rows = [
        ["Complaints upheld", "54%"],
        ["", "61%"],
        ["Upheld decisions", "7"],
        ["Investigations", "13"],
    ]
    table = PdfTable(rows, widths=[60, 30], spans={(0, 0): (2, 1)}, align=align)
    letter, messages = _read(_source(table, tmp_path / "letter.pdf"))
    empty = _never_wrong(letter, messages, {"rate_pct": 54, "peer_average_pct": 61, "count": 7})
    assert {"rate_pct", "peer_average_pct"} <= set(empty)


def test_label_merged_across_rows_beside_sub_labels_gives_no_wrong_figure(
    tmp_path: Path,
) -> None:
    rows = [
        ["Complaints upheld", "Your council", "54%"],
        ["", "Similar authorities", "61%"],
        ["Upheld decisions", "Your council", "7"],
        ["Investigations", "Your council", "13"],
    ]
    for align in ("top", "middle"):
        table = PdfTable(rows, widths=[45, 45, 30], gutter=8, spans={(0, 0): (2, 1)}, align=align)
        letter, messages = _read(_source(table, tmp_path / f"letter-{align}.pdf"))
        _never_wrong(
            letter,
            messages,
            {"rate_pct": 54, "peer_average_pct": 61, "count": 7, "investigations": 13},
        )


@pytest.mark.parametrize("row", [1, 2, 3])
def test_figure_merged_across_two_columns_gives_no_wrong_figure(row: int, tmp_path: Path) -> None:
    """A figure centred across "Your council" and "Similar authorities" is neither
    column's for certain: it is never read as the other column's figure."""
    rows = [
        ["Measure", "Your council", "Similar authorities"],
        ["Complaints upheld", "54%", "61%"],
        ["Upheld decisions", "7", "9"],
        ["Upheld decisions per 100,000 residents", "2.3", "2.9"],
        ["Investigations", "13", "15"],
    ]
    truth = {"rate_pct": 54, "peer_average_pct": 61, "count": 7, "per_100k": 2.3}
    truth |= {"peer_average_per_100k": 2.9, "investigations": 13}
    rows[row][2] = ""
    if row == 1:
        del truth["peer_average_pct"]
    elif row == 3:
        del truth["peer_average_per_100k"]
    table = PdfTable(rows, widths=[60, 30, 40], gutter=8, spans={(row, 1): (1, 2)})
    source = _source(table, tmp_path / "letter.pdf")
    letter, messages = _read(source)
    _never_wrong(letter, messages, truth)


@st.composite
def _broken_tables(draw: st.DrawFn) -> tuple[PdfTable, dict[str, float], int]:
    table, truth = draw(_tables())
    if draw(st.booleans()):
        heading = ["Measure", "Your council"]
        if table.widths[0] < table.widths[1]:  # figure first
            heading = heading[::-1]
        table.rows.insert(0, heading)
        table.header_rows = 1
        table.repeat_header = draw(st.booleans())
    return table, truth, draw(st.integers(4, 24))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(case=_broken_tables())
def test_any_pdf_table_across_pages_gives_no_wrong_figure(
    case: tuple[PdfTable, dict[str, float], int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    table, truth, filler = case
    path = tmp_path_factory.mktemp("table") / "letter.pdf"
    pdf = flow_pdf([*HEAD[:-1], *[FILLER] * filler, HEAD[-1], table, *TAIL], path)
    loader = PdfLoader()
    loader.isolated = False
    letter, _ = _read(loader.load(pdf, pdf.read_bytes(), pdf.name, Limits()))
    for name in UPHELD:
        got = getattr(letter.statistics.upheld, name)
        if got is not None:
            assert name in truth and math.isclose(got, truth[name]), (name, got, truth)
