"""Word tables are read by row and column: merged cells, nested tables, content
controls, and tables whose geometry cannot say which figure is whose.

Each case is a letter for a fictional body whose upheld figures are in a Word table.
A figure is right or left empty and named by `statistics-missing`; never another
column's or another row's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import annual_review_letter
from word_documents import cell, control, paragraph, paragraphs_of, row, table, word_document

from lgo_check.config import Config
from lgo_check.engine import build_registry, check_letter, select_rules
from lgo_check.extract import extract_letter
from lgo_check.extract.layout import metadata_wording
from lgo_check.load import Limits
from lgo_check.load.docx import DocxLoader
from lgo_check.model import Letter, Source
from lgo_check.normalise import normalise

_CONFIG = Config()
_RULES = select_rules(build_registry(_CONFIG), _CONFIG)
#: The figures of the body's own upheld block in every table below.
OWN = {"rate_pct": 45, "count": 9, "investigations": 20}
#: England's, last year's and other rows' figures, never the body's.
OTHERS = {71, 6112, 13394, 38, 11, 19}
REST = annual_review_letter(blocks=("compliance", "remedy"))


def read_word(
    tmp_path: Path, tables: list[str], name: str = "letter.docx"
) -> tuple[Letter, list[str], Source]:
    """The letter (the upheld block as ``tables``), its statistics-missing messages, and
    the loader's source."""
    body = paragraphs_of(REST)
    at = next(n for n, p in enumerate(body) if "Compliance with Ombudsman" in p)
    path = word_document(
        tmp_path / name, [*body[:at], paragraph("Complaints upheld"), *tables, *body[at:]]
    )
    source = DocxLoader().load(path, path.read_bytes(), path.name, Limits().started())
    letter = extract_letter(normalise(source, metadata_wording().artefacts))
    findings, errors = check_letter(letter, _RULES, None, path.name)
    assert not errors
    return letter, [f.message for f in findings if f.rule == "statistics-missing"], source


def assert_right_or_named(letter: Letter, messages: list[str]) -> dict[str, float | None]:
    """Every upheld figure is the body's own or empty and named; returns them."""
    upheld = letter.statistics.upheld
    got = {name: getattr(upheld, name) for name in OWN}
    for name, value in got.items():
        if value is None:
            assert any(
                f"upheld.{name}" in m or m.startswith("The complaints upheld statistics could not")
                for m in messages
            ), (name, messages)
        else:
            assert value == OWN[name], (name, value)
    assert upheld.peer_average_pct is None or upheld.peer_average_pct not in OTHERS
    return got


def test_header_with_empty_corner_title_row_and_rows_in_a_content_control(tmp_path: Path) -> None:
    """A title across the table, a header whose first cell is empty, rows inside a
    content control: each figure is paired with its row's label and its column."""
    grid = table(
        row(cell("Complaints upheld", span=3)),
        ["", "Your council", "England"],
        control(row("Complaints upheld", "45%", "71%")),
        ["Upheld decisions", "9", "6112"],
        control(row("Investigations", "20", "13394")),
        columns=3,
    )
    letter, messages, _ = read_word(tmp_path, [grid])
    assert assert_right_or_named(letter, messages) == OWN


def test_unknown_title_row_is_a_heading_figures_are_not_guessed_under(tmp_path: Path) -> None:
    """A table titled with a heading lgo-check does not know (a new block) stands alone,
    as a heading does: its rows are not read into the block above."""
    grid = table(
        row(cell("Complaints about adult social care", span=2)),
        ["Complaints upheld", "38%"],
        ["Upheld decisions", "11"],
        columns=2,
    )
    letter, messages, _ = read_word(tmp_path, [grid])
    assert assert_right_or_named(letter, messages) == {n: None for n in OWN}


def test_label_spanning_into_the_own_column_is_not_the_bodys_figure(tmp_path: Path) -> None:
    """A label merged across two columns puts its figure in the third column (England):
    read by cell order it would sit under "Your council"."""
    grid = table(
        ["Measure", "Your council", "England"],
        row(cell("Complaints upheld", span=2), cell("71%")),
        ["Upheld decisions", "9", "6112"],
        ["Investigations", "20", "13394"],
        columns=3,
    )
    letter, messages, _ = read_word(tmp_path, [grid])
    got = assert_right_or_named(letter, messages)
    assert got["rate_pct"] is None
    assert (got["count"], got["investigations"]) == (9, 20)


def test_row_starting_after_the_first_grid_column(tmp_path: Path) -> None:
    """``w:gridBefore``: a row that starts in the second grid column is paired by its
    columns (its figure is under "Your council"), not by its cells' order."""
    grid = table(
        ["", "", "Your council", "England"],
        ["", "Complaints upheld", "45%", "71%"],
        row(cell("Upheld decisions"), cell("9"), cell("6112"), before=1),
        ["", "Investigations", "20", "13394"],
        columns=4,
    )
    letter, messages, _ = read_word(tmp_path, [grid])
    assert assert_right_or_named(letter, messages) == OWN


@pytest.mark.parametrize(
    "grid",
    [
        pytest.param(
            table(
                row(cell(""), cell("Your council", span=2), cell("England")),
                ["", "2023-24", "2022-23", "2023-24"],
                ["Complaints upheld", "45%", "38%", "71%"],
                ["Upheld decisions", "9", "11", "6112"],
                columns=4,
            ),
            id="heading over this year and last year",
        ),
        pytest.param(
            table(
                ["", "Figure"],
                row(cell("Complaints upheld", merge="restart"), cell("45%")),
                row(cell("", merge="continue"), cell("71%")),
                ["Upheld decisions", "9"],
                columns=2,
            ),
            id="label merged down two rows",
        ),
        pytest.param(
            table(
                ["Complaints upheld", "Upheld decisions", "Investigations"],
                ["45%", "9", "20"],
                columns=3,
            ),
            id="labels in one row, figures in the next",
        ),
        pytest.param(
            table(["Complaints upheld"], ["45%"], ["Upheld decisions"], ["9"], columns=1),
            id="label above its figure, one column",
        ),
        pytest.param(
            table(
                ["9"], ["satisfactory remedy decisions"], ["38"], ["upheld decisions"], columns=1
            ),
            id="figure above another block's label, one column",
        ),
        pytest.param(
            table(
                ["Complaints upheld", "45%"],
                row(cell("9", span=2)),
                ["Investigations", "20"],
                columns=2,
            ),
            id="figure spanning the row",
        ),
    ],
)
def test_ambiguous_geometry_abstains(grid: str, tmp_path: Path) -> None:
    """A table whose rows and columns cannot say whose each figure is: nothing in it is
    read, and the figures it leaves empty are named."""
    letter, messages, source = read_word(tmp_path, [grid])
    got = assert_right_or_named(letter, messages)
    assert got["rate_pct"] is None and got["count"] is None
    # Kept on one line with no cells reported, so no sentence reads across its rows.
    assert not source.table_cells
    assert letter.statistics.remedy.count == 2  # the remedy block below is still read


def test_nested_table_is_read_by_its_own_rows(tmp_path: Path) -> None:
    """A layout table holding the statistics table in one cell and a note in the other."""
    inner = table(
        ["", "Your council", "England"],
        ["Complaints upheld", "45%", "71%"],
        ["Upheld decisions", "9", "6112"],
        ["Investigations", "20", "13394"],
        columns=3,
    )
    note = (
        "These figures cover every complaint we decided about the organisation in the year, "
        "whichever year the complaint reached us."
    )
    outer = table(row(cell(inner), cell(note)), columns=2)
    letter, messages, source = read_word(tmp_path, [outer])
    assert assert_right_or_named(letter, messages) == OWN
    assert note in source.text.split("\n")


def test_tables_nested_in_figures_cells_pair_nothing_across_levels(tmp_path: Path) -> None:
    """An outer row whose label is outside and figures inside a nested table: the outer
    label is not paired with the inner figures (the inner rows have no labels)."""
    inner = table(["45%", "71%"], columns=2)
    outer = table(row(cell("Complaints upheld"), cell(inner)), ["Upheld decisions", "9"], columns=2)
    letter, messages, _ = read_word(tmp_path, [outer])
    got = assert_right_or_named(letter, messages)
    assert got["rate_pct"] is None


def test_cells_with_several_paragraphs_are_one_line(tmp_path: Path) -> None:
    """A label written over two paragraphs in its cell is still its row's label."""
    grid = table(
        ["", "Your council", "England"],
        row(cell("Complaints", "upheld"), cell("45%"), cell("71%")),
        ["Upheld decisions", "9", "6112"],
        row(cell("Investigations", "completed"), cell("20"), cell("13394")),
        columns=3,
    )
    letter, messages, source = read_word(tmp_path, [grid])
    assert assert_right_or_named(letter, messages) == OWN
    assert "Complaints upheld" in source.text.split("\n")
