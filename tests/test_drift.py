"""Figures under drifting wording: never a wrong figure, and every gap named.

The drift letters (``tests/drift/``, written by ``tests/drift_letters.py``) are for
fictional bodies whose statistics wording changes as a future template might:
reordered clauses, numbers in words, "per cent", decimals, tables in HTML, Markdown
and tab-separated text, boxes of England-wide figures in the standard sentences,
last year's figures beside this year's, and blocks lgo-check does not know.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from drift_letters import build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lgo_check.builtin_rules import BLOCK_TITLES
from lgo_check.config import Config
from lgo_check.engine import build_registry, check_letter, select_rules
from lgo_check.extract import extract_letter
from lgo_check.extract.layout import metadata_wording
from lgo_check.model import FIGURE_FIELDS, Letter, Source
from lgo_check.normalise import normalise

DRIFT = Path(__file__).resolve().parent / "drift"
_CONFIG = Config()
_RULES = select_rules(build_registry(_CONFIG), _CONFIG)
_FORMATS = {".txt": "text", ".md": "markdown", ".html": "html"}


def read(name: str, text: str) -> tuple[Letter, list[str]]:
    """The letter and its statistics-missing messages (no narrative pass: figures only)."""
    suffix = Path(name).suffix
    source = Source(
        path=name,
        format=_FORMATS[suffix],
        text=text,
        html_document=suffix == ".html",
    )
    return read_source(source)


def read_source(source: Source) -> tuple[Letter, list[str]]:
    """A loaded letter's figures and statistics-missing messages (any format)."""
    letter = extract_letter(normalise(source, metadata_wording().artefacts))
    findings, errors = check_letter(letter, _RULES, None, source.path)
    assert not errors
    return letter, [f.message for f in findings if f.rule == "statistics-missing"]


def plain_drift_letters() -> list[dict[str, Any]]:
    """The drift letters written as plain text (the ones laid out again as PDF or Word)."""
    letters: list[dict[str, Any]] = json.loads(
        (DRIFT / "expected.json").read_text(encoding="utf-8")
    )["letters"]
    return [entry for entry in letters if entry["file"].endswith(".txt")]


def named(path: str, messages: list[str]) -> bool:
    """A figure is named by its own message, or by one for its whole block or letter."""
    block = path.split(".")[0]
    return any(
        m.startswith(f"{path} ")
        or m.startswith("No statistics were found")
        or m.startswith(f"The {BLOCK_TITLES[block]} statistics could not be found")
        for m in messages
    )


def wrong_and_unnamed(
    letter: Letter, messages: list[str], truth: dict[str, Any]
) -> tuple[list[str], list[str]]:
    wrong, unnamed = [], []
    stats = letter.statistics.model_dump()
    for block, fields in FIGURE_FIELDS.items():
        for name in fields:
            path = f"{block}.{name}"
            want = truth.get(path)
            got = (stats.get(block) or {}).get(name)
            if got is None:
                if want is not None and not named(path, messages):
                    unnamed.append(f"{path} (is {want})")
            elif want is None or not math.isclose(got, want):
                wrong.append(f"{path} = {got}, is {want}")
    return wrong, unnamed


def _drift_letters() -> list[dict[str, Any]]:
    letters: list[dict[str, Any]] = json.loads(
        (DRIFT / "expected.json").read_text(encoding="utf-8")
    )["letters"]
    return letters


@pytest.mark.parametrize("entry", _drift_letters(), ids=lambda e: e["file"])
def test_drift_letter_has_no_wrong_figure_and_every_gap_named(entry: dict[str, Any]) -> None:
    letter, messages = read(entry["file"], (DRIFT / entry["file"]).read_text(encoding="utf-8"))
    wrong, unnamed = wrong_and_unnamed(letter, messages, entry["truth"])
    assert wrong == [], entry["variants"]
    assert unnamed == [], entry["variants"]


def test_the_drift_set_is_what_the_generator_writes() -> None:
    """The files in tests/drift are reproducible from the generator's seeds."""
    for entry in _drift_letters()[:5]:
        seed = int(entry["file"].split("-")[1])
        name, text, truth, _ = build(seed)
        assert name == entry["file"]
        assert text == (DRIFT / name).read_text(encoding="utf-8")
        assert truth == entry["truth"]


def test_most_drifted_figures_are_still_read() -> None:
    """Abstaining is allowed, not abstaining on everything: most figures are read."""
    right = total = 0
    for entry in _drift_letters():
        letter, _ = read(entry["file"], (DRIFT / entry["file"]).read_text(encoding="utf-8"))
        stats = letter.statistics.model_dump()
        for path, want in entry["truth"].items():
            block, name = path.split(".")
            total += 1
            right += (stats.get(block) or {}).get(name) == want
    assert right / total > 0.8


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(seed=st.integers(min_value=1000, max_value=10**9))
def test_any_drift_letter_has_no_wrong_figure_and_every_gap_named(seed: int) -> None:
    name, text, truth, variants = build(seed)
    letter, messages = read(name, text)
    wrong, unnamed = wrong_and_unnamed(letter, messages, truth)
    assert wrong == [], variants
    assert unnamed == [], variants


# --- the cases the drift set grew from ----------------------------------------------------

HEAD = """16 July 2025

Ms Penrose
Chief Executive
Quarrendon Borough Council

Dear Ms Penrose

Annual Review letter 2024-25

Here are your complaint statistics for the year ending 31 March 2025.

Yours sincerely,

Nerys Holloway
"""

OWN = """
Complaints upheld

We investigated 12 complaints and upheld 6.

50% of complaints we investigated were upheld.

This compares to an average of 79% in similar authorities.

Compliance with Ombudsman recommendations

In 100% of cases we were satisfied the Council had successfully implemented our recommendations.

This compares to an average of 99% in similar authorities.

Statistics are based on a total of 4 compliance outcomes for the period between 1 April 2024 to 31 March 2025

Satisfactory remedy provided by the Council

In 0% of upheld cases we found the Council had provided a satisfactory remedy before the complaint reached the Ombudsman.

This compares to an average of 13% in similar authorities.

0 satisfactory remedy decisions

Statistics are based on a total of 6 upheld decisions for the period between 1 April 2024 to 31 March 2025
"""

ENGLAND_BOX = """
England-wide figures

Compliance with Ombudsman recommendations

In 97% of cases we were satisfied the Council had successfully implemented our recommendations.

Statistics are based on a total of 3120 compliance outcomes for the period between 1 April 2024 to 31 March 2025
"""


def test_england_wide_box_in_the_standard_sentences_is_not_the_body() -> None:
    for text in (HEAD + OWN + ENGLAND_BOX, HEAD + ENGLAND_BOX + OWN):
        letter, _ = read("letter.txt", text)
        assert letter.statistics.compliance.rate_pct == 100
        assert letter.statistics.compliance.outcomes == 4
        findings, _ = check_letter(letter, _RULES, None, "letter.txt")
        assert "compliance-below-100" not in {f.rule for f in findings}


def test_england_box_alone_is_never_read_as_the_body() -> None:
    letter, _ = read("letter.txt", HEAD + ENGLAND_BOX)
    assert letter.statistics.compliance.rate_pct is None
    findings, _ = check_letter(letter, _RULES, None, "letter.txt")
    assert "compliance-below-100" not in {f.rule for f in findings}
    assert "statistics-missing" in {f.rule for f in findings}


def test_last_years_figure_beside_this_years() -> None:
    text = HEAD + OWN.replace(
        "50% of complaints we investigated were upheld.",
        "50% of complaints we investigated were upheld (last year: 64%). Last year, 64% of "
        "complaints we investigated were upheld.",
    )
    letter, _ = read("letter.txt", text)
    assert letter.statistics.upheld.rate_pct == 50
    assert not letter.problems or all(p.field != "upheld.rate_pct" for p in letter.problems)


def test_html_label_cell_before_figure_cell_pairs_by_row() -> None:
    """A label cell before its figure cell must not take the next row's figure."""
    rows = [
        ("Complaints we dealt with", "80"),
        ("Not for us or not ready for us", "30"),
        ("Assessed and closed", "38"),
        ("Investigated", "12"),
    ]
    table = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in rows)
    page = "".join(f"<p>{p}</p>" for p in HEAD.split("\n\n"))
    body = "".join(f"<p>{p}</p>" for p in OWN.strip().split("\n\n"))
    text = (
        f"<html><body>{page}<h2>Complaint overview</h2><table>{table}</table>{body}</body></html>"
    )
    letter, messages = read("letter.html", text)
    overview = letter.statistics.overview
    assert overview is not None
    assert (
        overview.dealt_with,
        overview.not_for_us,
        overview.assessed_and_closed,
        overview.investigated,
    ) == (80, 30, 38, 12)
    assert not [m for m in messages if m.startswith("overview.")]


def test_markdown_table_with_columns_reads_own_and_peer_and_not_england() -> None:
    table = (
        "\n| Measure | Your council | Similar authorities | England |\n|---|---|---|---|\n"
        "| Complaints upheld | 50% | 79% | 81% |\n"
        "| Upheld decisions per 100,000 residents | 1.9 | 3.2 | 3.0 |\n"
    )
    text = HEAD + OWN.replace(
        "50% of complaints we investigated were upheld.\n\nThis compares to an average of "
        "79% in similar authorities.\n",
        table,
    )
    letter, _ = read("letter.md", text)
    up = letter.statistics.upheld
    assert (up.rate_pct, up.peer_average_pct, up.per_100k, up.peer_average_per_100k) == (
        50,
        79,
        1.9,
        3.2,
    )


def test_figure_under_a_heading_it_does_not_know_is_not_guessed_into_a_block() -> None:
    text = (
        HEAD
        + OWN
        + "\nComplaints about adult social care\n\nThis compares to an average of 44% in "
        "similar authorities.\n"
    )
    letter, _ = read("letter.txt", text)
    assert letter.statistics.remedy.peer_average_pct == 13


@pytest.mark.parametrize(
    ("written", "value"),
    [("nine", 9), ("twenty-one", 21), ("1,204", 1204), ("2,147,483,649", 2147483649)],
)
def test_counts_in_words_and_large_counts_are_exact_integers(written: str, value: int) -> None:
    text = HEAD + OWN.replace("a total of 4 compliance", f"a total of {written} compliance")
    letter, _ = read("letter.txt", text)
    outcomes = letter.statistics.compliance.outcomes
    assert outcomes == value and isinstance(outcomes, int)


def test_per_cent_and_decimals() -> None:
    text = HEAD + OWN.replace("50% of complaints", "50.5 per cent of complaints")
    letter, _ = read("letter.txt", text)
    assert letter.statistics.upheld.rate_pct == 50.5


def test_a_number_too_long_to_be_a_figure_is_empty_and_flagged_never_infinite() -> None:
    text = HEAD + OWN.replace("a total of 4 compliance", f"a total of {'9' * 400} compliance")
    letter, messages = read("letter.txt", text)
    assert letter.statistics.compliance.outcomes is None
    assert any(m.startswith("compliance.outcomes") for m in messages)
    # Every figure is finite, and the whole letter is strict JSON.
    json.loads(json.dumps(letter.model_dump(mode="json"), allow_nan=False))


def test_table_cells_a_loader_reports_are_paired_by_row() -> None:
    """Word gives each cell a line; the loader's cell offsets pair them by row."""
    rows = [
        ("Complaints upheld", "50%"),
        ("Average in similar authorities", "79%"),
        ("Upheld decisions", "6"),
        ("Investigations", "12"),
    ]
    head = HEAD + "\nComplaints upheld\n"
    lines, cells = [], []
    offset = len(head)
    for number, (label, value) in enumerate(rows):
        for cell in (label, value):
            cells.append((0, number, offset, offset + len(cell)))
            lines.append(cell)
            offset += len(cell) + 1
    rest = OWN[OWN.index("Compliance with") :]
    text = head + "\n".join(lines) + "\n" + rest
    source = Source(path="letter.docx", format="docx", text=text, table_cells=cells)
    letter = extract_letter(normalise(source, metadata_wording().artefacts))
    up = letter.statistics.upheld
    assert (up.rate_pct, up.peer_average_pct, up.count, up.investigations) == (50, 79, 6, 12)
    # Without the cells, the same lines are read one by one: nothing is guessed.
    plain = extract_letter(
        normalise(
            Source(path="letter.docx", format="docx", text=text), metadata_wording().artefacts
        )
    )
    for name in ("rate_pct", "peer_average_pct", "investigations"):
        assert getattr(plain.statistics.upheld, name) in (None, getattr(up, name))


def test_word_table_rows_pair_label_and_figure(tmp_path: Path) -> None:
    """A Word table of label | figure rows is read by row, through the loader's cells."""
    import docx

    from lgo_check.load import Limits
    from lgo_check.load.docx import DocxLoader

    document = docx.Document()
    for paragraph in (HEAD + "\nComplaints upheld").split("\n\n"):
        document.add_paragraph(paragraph.strip())
    rows = [("Complaints upheld", "50%"), ("Upheld decisions", "6"), ("Investigations", "12")]
    table = document.add_table(rows=len(rows), cols=2)
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text = label, value
    path = tmp_path / "letter.docx"
    document.save(str(path))
    source = DocxLoader().load(path, path.read_bytes(), "letter.docx", Limits())
    assert len(source.table_cells) == 6
    letter = extract_letter(normalise(source, metadata_wording().artefacts))
    up = letter.statistics.upheld
    assert (up.rate_pct, up.count, up.investigations) == (50, 6, 12)
