"""The drift letters as PDFs: no wrong figure, and every gap named.

The drift letters (``tests/drift_letters.py``) written as plain text (paragraphs
apart, table rows as tab-separated cells) are laid out as PDFs here, tables drawn
as text positions only (``pdf_documents.flow_pdf``), and read by the PDF loader
in this process. The property is the drift set's own: every figure right or
empty, every empty one named by ``statistics-missing``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from drift_letters import build
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pdf_documents import Item, PdfTable, flow_pdf
from test_drift import plain_drift_letters, read_source, wrong_and_unnamed

from lgo_check.load import Limits
from lgo_check.load.pdf import PdfLoader
from lgo_check.model import Letter

DRIFT = Path(__file__).resolve().parent / "drift"
#: Page width inside the margins, in mm.
_WIDTH = 170.0


def items_of(text: str) -> list[Item]:
    """A plain-text drift letter as paragraphs and tables (tab-separated rows)."""
    items: list[Item] = []
    for paragraph in text.strip().split("\n\n"):
        if "\t" not in paragraph:
            items.append(paragraph)
            continue
        rows = [line.split("\t") for line in paragraph.split("\n")]
        columns = max(len(row) for row in rows)
        rows = [row + [""] * (columns - len(row)) for row in rows]
        gutter = 8.0
        label = 80.0 if columns == 2 else 60.0
        figures = (_WIDTH - label - gutter * (columns - 1)) / (columns - 1)
        items.append(PdfTable(rows, widths=[label] + [figures] * (columns - 1), gutter=gutter))
    return items


def read_pdf_letter(text: str, path: Path) -> tuple[Letter, list[str]]:
    pdf = flow_pdf(items_of(text), path)
    loader = PdfLoader()
    loader.isolated = False
    return read_source(loader.load(pdf, pdf.read_bytes(), pdf.name, Limits()))


def test_there_are_plain_text_drift_letters_with_tables() -> None:
    entries = plain_drift_letters()
    assert len(entries) >= 5
    assert any("\t" in (DRIFT / e["file"]).read_text(encoding="utf-8") for e in entries)


@pytest.mark.parametrize("entry", plain_drift_letters(), ids=lambda e: e["file"])
def test_drift_letter_as_pdf_has_no_wrong_figure_and_every_gap_named(
    entry: dict[str, Any], tmp_path: Path
) -> None:
    text = (DRIFT / entry["file"]).read_text(encoding="utf-8")
    letter, messages = read_pdf_letter(text, tmp_path / "letter.pdf")
    wrong, unnamed = wrong_and_unnamed(letter, messages, entry["truth"])
    assert wrong == [], entry["variants"]
    assert unnamed == [], entry["variants"]


def test_drift_tables_in_pdfs_are_read(tmp_path: Path) -> None:
    """Abstaining is allowed, not abstaining on every table: the figures of the drift
    letters' PDF tables are mostly read."""
    right = total = 0
    for entry in plain_drift_letters():
        text = (DRIFT / entry["file"]).read_text(encoding="utf-8")
        if not any(v.endswith(":table") or v.endswith(":matrix") for v in entry["variants"]):
            continue
        letter, _ = read_pdf_letter(text, tmp_path / entry["file"].replace(".txt", ".pdf"))
        stats = letter.statistics.model_dump()
        for path, want in entry["truth"].items():
            block, name = path.split(".")
            total += 1
            right += (stats.get(block) or {}).get(name) == want
    assert total and right / total > 0.8


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(seed=st.integers(min_value=1000, max_value=10**9))
def test_any_plain_drift_letter_as_pdf_has_no_wrong_figure(
    seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    name, text, truth, variants = build(seed)
    assume(name.endswith(".txt"))
    letter, messages = read_pdf_letter(text, tmp_path_factory.mktemp("drift") / "letter.pdf")
    wrong, unnamed = wrong_and_unnamed(letter, messages, truth)
    assert wrong == [], variants
    assert unnamed == [], variants


# Drawn by the property above (or by bench_pdf.py --drift --seeds 1000-1999), each
# once wrong or with a gap unnamed, now read right every time: a new block's heading
# at the foot of a page, its sentence at the top of the next (1256: its 62% was read
# as the body's upheld rate); a heading and sentence between two tables run into one
# zone with them (the upheld table's gaps went unnamed); a table then a heading then
# another table in one zone (1612: read column by column); a table's first row
# right under its heading with no paragraph gap seen; a remedy block's "2 upheld
# decisions" line took the peer average after it into the upheld block (934881).
@pytest.mark.parametrize(
    "seed", [1003, 1017, 1219, 1256, 1284, 1380, 1610, 1612, 1672, 1682, 1797, 1878, 934881]
)
def test_drift_letters_once_drawn_wrong(seed: int, tmp_path: Path) -> None:
    name, text, truth, variants = build(seed)
    assert name.endswith(".txt")
    letter, messages = read_pdf_letter(text, tmp_path / "letter.pdf")
    wrong, unnamed = wrong_and_unnamed(letter, messages, truth)
    assert wrong == [], variants
    assert unnamed == [], variants
