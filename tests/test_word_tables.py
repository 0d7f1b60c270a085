"""Word tables are read by row and column: merged cells, nested tables, content
controls, and tables whose geometry cannot say which figure is whose.

Each case is a letter for a fictional body whose upheld figures are in a Word table.
A figure is right or left empty and named by `statistics-missing`; never another
column's or another row's.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import annual_review_letter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from word_documents import cell, control, paragraph, paragraphs_of, row, run, table, word_document

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


def test_hidden_runs_in_table_cells_are_placed_where_they_stood(tmp_path: Path) -> None:
    """A hidden run in a cell of a table of figures is reported at its column on the
    cell's line; in a table kept on one line, at its column on that line."""
    hidden = paragraph("Complaints", run(" 38", hidden=True))
    grid = table(
        ["", "Your council", "England"],
        row(cell(hidden, "upheld"), cell("45%"), cell("71%")),
        ["Upheld decisions", "9", "6112"],
        ["Investigations", "20", "13394"],
        columns=3,
    )
    letter, messages, source = read_word(tmp_path, [grid], "paired.docx")
    assert assert_right_or_named(letter, messages) == OWN
    [passage] = source.hidden_text
    lines = source.text.split("\n")
    assert lines[passage.span.line - 1] == "Complaints upheld"
    assert passage.span.column == len("Complaints") + 1 and passage.excerpt == "38"

    one_line = table(
        ["Complaints upheld", "Upheld decisions"],
        row(cell("45%"), cell(paragraph("9", run(" 38", hidden=True)))),
        columns=2,
    )
    _, _, source = read_word(tmp_path, [one_line], "one-line.docx")
    [passage] = source.hidden_text
    line = source.text.split("\n")[passage.span.line - 1]
    assert line == "Complaints upheld Upheld decisions 45% 9"
    assert passage.span.column == len(line) + 1


# --- any table: random headings, merges and wrappers ---------------------------------

_HEADINGS = ["Your council", "England", "Similar authorities", "2022-23", "Last year"]
#: Row label -> (upheld field, whether its figures are percentages).
_LABELS = {
    "Complaints upheld": ("rate_pct", True),
    "Upheld decisions": ("count", False),
    "Investigations": ("investigations", False),
}


def _random_table(rng: random.Random) -> tuple[str, dict[str, set[float]]]:
    """A table of the upheld figures with random headings, then damaged at random
    (cells merged across and down, rows starting later, cells emptied, rows and cells
    in content controls); and, for each field, the values a reader could take as the
    body's own from what the table shows (none where the merge leaves it unclear)."""
    columns = rng.randint(1, 4)
    headings = [rng.choice(_HEADINGS) for _ in range(columns)]
    labels = rng.sample(sorted(_LABELS), rng.randint(1, 3))
    values = iter(rng.sample(range(1, 99), 50))
    grid: list[list[str]] = [["" if rng.random() < 0.7 else "Measure", *headings]]
    for label in labels:
        pct = _LABELS[label][1]
        grid.append(
            [label, *(f"{next(values)}%" if pct else str(next(values) * 37) for _ in headings)]
        )
    width = columns + 1
    # (column, span, merge, text) of each cell of each row.
    cells = [[(c, 1, None, text) for c, text in enumerate(r)] for r in grid]
    before = [0] * len(cells)
    for _ in range(rng.randint(0, 3)):
        r = rng.randrange(len(cells))
        kind = rng.choice(["span", "down", "before", "empty"])
        row_cells = cells[r]
        if kind == "span" and len(row_cells) > 1:
            i = rng.randrange(len(row_cells) - 1)
            column, span, merge, text = row_cells[i]
            row_cells[i : i + 2] = [(column, span + row_cells[i + 1][1], merge, text)]
        elif kind == "down" and r > 0:
            i = rng.randrange(len(row_cells))
            column, span, _, _ = row_cells[i]
            above = [c for c in cells[r - 1] if c[0] == column and c[1] == span]
            if above:
                row_cells[i] = (column, span, "continue", "")
                cells[r - 1] = [
                    (c[0], c[1], c[2] or "restart", c[3]) if c is above[0] else c
                    for c in cells[r - 1]
                ]
        elif kind == "before" and r > 0 and len(row_cells) > 1:
            before[r] = row_cells[1][0]
            del row_cells[0]
        elif kind == "empty":
            i = rng.randrange(len(row_cells))
            column, span, merge, _ = row_cells[i]
            row_cells[i] = (column, span, merge, "")
    # What a reader sees: a figure is the body's own if its cell lies within the grid
    # columns of a "Your council" heading, in a row whose one label names it; with no
    # column headings, the one figure of a labelled row is.
    own = [(c, s) for c, s, m, t in cells[0] if t == "Your council" and m != "continue"]
    if len(cells[0]) == 1 or not any(t for _, _, _, t in cells[0]):
        own = [(-1, 0)]  # a title across the table, or nothing: no column headings
    truth: dict[str, set[float]] = {name: set() for name in OWN}
    for row_cells in cells[1:]:
        texts = [t for _, _, m, t in row_cells if t and m != "continue"]
        label = [t for t in texts if t in _LABELS]
        if not own or len(label) != 1 or len(texts) - 1 != sum(1 for t in texts if t[0].isdigit()):
            continue
        figures = [(c, s, t) for c, s, m, t in row_cells if m != "continue" and t[:1].isdigit()]
        for column, span, text in figures:
            under = any(c <= column and column + span <= c + s for c, s in own)
            if under or (own[0] == (-1, 0) and len(figures) == 1):
                truth[_LABELS[label[0]][0]].add(float(text.rstrip("%")))
    rows = []
    for r, row_cells in enumerate(cells):
        written = [
            cell(text, span=span, merge=merge)
            if rng.random() > 0.15
            else control(cell(text, span=span, merge=merge))
            for _, span, merge, text in row_cells
        ]
        tr = row(*written, before=before[r])
        rows.append(control(tr) if rng.random() < 0.15 else tr)
    return table(*rows, columns=width), truth


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10**9))
def test_any_word_table_gives_no_wrong_figure(
    seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    grid, truth = _random_table(random.Random(seed))
    letter, messages, _ = read_word(tmp_path_factory.mktemp("table"), [grid])
    upheld = letter.statistics.upheld
    for name, allowed in truth.items():
        value = getattr(upheld, name)
        assert value is None or value in allowed, (name, value, allowed)
        if value is None:  # every gap named (a table of no figures may hide them all)
            assert any(
                f"upheld.{name}" in m
                or m.startswith(("The complaints upheld statistics could not", "No statistics"))
                for m in messages
            ), (name, messages)
