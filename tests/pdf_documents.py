"""PDFs of letters with tables, laid out as a word processor draws them.

``flow_pdf`` writes paragraphs (full width, wrapped) and tables (``PdfTable``) one
after another. A table is drawn row by row, each cell's lines placed by its own
column position, so the PDF holds nothing but text positions: whatever reads it
must recover rows and columns from where the text sits. Options give the shapes a
reader must cope with: the figure cell before or after its label, a header row,
labels wrapped over lines, cells aligned at the top, middle or bottom, with or
without padding between rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

LINE_MM = 5.0
FONT_SIZE = 11


@dataclass
class PdfTable:
    rows: list[list[str]]
    #: Each column's width in mm (the page is 170 mm wide inside its margins).
    widths: list[float] = field(default_factory=lambda: [95.0, 35.0])
    #: Where a cell's lines sit in a row taller than they are: top, middle or bottom.
    align: str = "top"
    #: Space above and below each row's text, in mm.
    padding: float = 1.5
    #: Gap between columns, in mm.
    gutter: float = 12.0


Item = str | PdfTable


def _lines(pdf: FPDF, text: str, width: float) -> list[str]:
    if not text:
        return []
    lines: list[str] = pdf.multi_cell(width, LINE_MM, text, dry_run=True, output="LINES")
    return lines


def _table(pdf: FPDF, table: PdfTable) -> None:
    pdf.set_font("Helvetica", "", FONT_SIZE)
    xs = [pdf.l_margin]
    for width in table.widths[:-1]:
        xs.append(xs[-1] + width + table.gutter)
    y = pdf.get_y() + 2
    for row in table.rows:
        cells = [_lines(pdf, text, width) for text, width in zip(row, table.widths, strict=True)]
        height = max(len(lines) for lines in cells) * LINE_MM + 2 * table.padding
        for x, lines in zip(xs, cells, strict=True):
            spare = height - 2 * table.padding - len(lines) * LINE_MM
            shift = {"top": 0.0, "middle": spare / 2, "bottom": spare}[table.align]
            for number, line in enumerate(lines):
                baseline = y + table.padding + shift + number * LINE_MM + 0.75 * LINE_MM
                pdf.text(x, baseline, line)
        y += height
    pdf.set_y(y + 3)


def flow_pdf(items: list[Item], path: Path | str) -> Path:
    """Paragraphs and tables, one after another, on A4 pages."""
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    for item in items:
        if isinstance(item, PdfTable):
            _table(pdf, item)
            continue
        pdf.set_font("Helvetica", "", FONT_SIZE)
        pdf.multi_cell(0, LINE_MM, item, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    out = Path(path)
    pdf.output(str(out))
    return out
