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
    #: Merged cells: (row, column) -> (rows, columns) it spans. The cells it covers
    #: must be empty in ``rows``; a cell spanning columns is centred across them.
    spans: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    #: This many first rows are the header, drawn again at the top of each new page
    #: when ``repeat_header`` (a table that runs on past the foot of a page goes on
    #: at the top of the next; rows a merged cell spans are kept together).
    header_rows: int = 0
    repeat_header: bool = False


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

    def span(row: int, column: int) -> tuple[int, int]:
        return table.spans.get((row, column), (1, 1))

    def width(row: int, column: int) -> float:
        columns = span(row, column)[1]
        return sum(table.widths[column : column + columns]) + table.gutter * (columns - 1)

    heights = []
    for r, row in enumerate(table.rows):
        tallest = max(
            (
                len(_lines(pdf, text, width(r, c)))
                for c, text in enumerate(row)
                if span(r, c)[0] == 1
            ),
            default=1,
        )
        heights.append(max(tallest, 1) * LINE_MM + 2 * table.padding)

    def draw(r: int, y: float) -> None:
        for c, text in enumerate(table.rows[r]):
            rows, columns = span(r, c)
            lines = _lines(pdf, text, width(r, c))
            height = sum(heights[r : r + rows])
            spare = height - 2 * table.padding - len(lines) * LINE_MM
            shift = {"top": 0.0, "middle": spare / 2, "bottom": spare}[table.align]
            for number, line in enumerate(lines):
                x = xs[c]
                if columns > 1:
                    x += (width(r, c) - pdf.get_string_width(line)) / 2
                baseline = y + table.padding + shift + number * LINE_MM + 0.75 * LINE_MM
                pdf.text(x, baseline, line)

    y = pdf.get_y() + 2
    r = 0
    while r < len(table.rows):
        # A block: this row and every row a merged cell in it spans, kept on one page
        # (the header rows with the first row after them).
        last = table.header_rows if r == 0 else r
        scan = r
        while scan <= last:
            for c in range(len(table.rows[scan])):
                last = max(last, scan + span(scan, c)[0] - 1)
            scan += 1
        block = sum(heights[r : last + 1])
        if y + block > pdf.h - pdf.b_margin and y > pdf.t_margin:
            pdf.add_page()
            pdf.set_font("Helvetica", "", FONT_SIZE)
            y = pdf.t_margin
            if table.repeat_header and r > 0:
                for h in range(table.header_rows):
                    draw(h, y)
                    y += heights[h]
        for row in range(r, last + 1):
            draw(row, y)
            y += heights[row]
        r = last + 1
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
