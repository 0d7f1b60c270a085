"""PDF: the text layer, read with PDFium (pypdfium2), in reading order.

Page text comes out one visual line per output line, pages joined by form feeds
(``Source.paged``), so a span's (page, line) is a line a reader can find.

Reading order
-------------
PDFium reports characters in content-stream order, which in the Ombudsman's
statistics page runs *across* the three side-by-side blocks ("Complaints
upheld", "Compliance with Ombudsman recommendations", "Satisfactory remedy
provided by ..."): the big percentages share a line, and then the blocks'
sentences interleave. So the order is rebuilt from character boxes:

1. **Fragments.** Characters are joined, in stream order, into fragments: runs on
   one baseline with no gap wider than a column gutter (``GUTTER_EM`` times the
   font size). PDFium's own spaces and line breaks are kept as word and fragment
   breaks. A fragment is a piece of one visual line inside one column.
2. **Rows.** Fragments are sorted top to bottom and grouped into rows: a fragment
   that lies mostly within the vertical extent of the row above it joins that row.
3. **Page numbers.** A top or bottom row that is only a number, standing clear of
   the text, is a page number and is dropped (a lone number elsewhere is a figure:
   "47" above "upheld decisions"); "Page 2 of 3" there is kept apart from the
   columns, first or last on its page.
4. **Zones.** Rows are swept top to bottom into zones. A row whose fragments are
   separated by a gutter-wide gap starts a *column zone*, whose gutters are those
   gaps; each following row joins it if it leaves at least one of the gutters free
   (its text does not cross it), narrowing them to what stays free. A row that
   crosses every gutter (full-width text) ends the zone. Rows without gutters
   form ordinary zones. A column narrower than a few ems (list bullets, item
   numbers) loses its gutter, and a column zone needs two rows with text on both
   sides of a gutter; otherwise it is read as ordinary rows.
5. **Output.** An ordinary zone is read row by row, each row's fragments left to
   right on one line. A column zone is read column by column, each column top to
   bottom (its fragments regrouped into rows), so every figure stays beside its
   own block's sentences.

A single-column page has no gutters and comes out in plain top-to-bottom order.
Pages are assumed upright (no rotated text); a table would be read column by
column, like the statistics blocks.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from lgo_check.load import Limits, LoadError
from lgo_check.model import Source

#: A horizontal gap at least this many ems wide separates columns, not words.
GUTTER_EM = 1.2
#: A column zone needs at least this many rows with text on both sides of a gutter.
MIN_COLUMN_ROWS = 2
#: A column is at least this many ems wide (narrower: list bullets or numbers).
MIN_COLUMN_EM = 4.0
#: The end-of-file marker must be this near the end (the PDF reference's tolerance).
EOF_WINDOW = 1024

# Typographic ligatures some fonts map to one character: "satisﬁed" must read "satisfied".
_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
_BARE_NUMBER = re.compile(r"\d{1,4}")
_PAGE_LABEL = re.compile(r"(?:page\s+\d{1,4}(?:\s+of\s+\d{1,4})?|-\s*\d{1,4}\s*-)", re.IGNORECASE)


@dataclass
class _Fragment:
    """A piece of one visual line within one column (PDF coordinates: y grows upwards)."""

    text: str
    x0: float
    x1: float
    bottom: float
    top: float
    baseline: float
    size: float

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 0.1)

    @property
    def centre_x(self) -> float:
        return (self.x0 + self.x1) / 2

    def extend(self, text: str, x1: float, bottom: float, top: float, size: float) -> None:
        self.text += text
        self.x1 = max(self.x1, x1)
        self.bottom = min(self.bottom, bottom)
        self.top = max(self.top, top)
        self.size = max(self.size, size)


@dataclass
class _Row:
    fragments: list[_Fragment]
    bottom: float
    top: float

    def add(self, fragment: _Fragment) -> None:
        self.fragments.append(fragment)
        self.bottom = min(self.bottom, fragment.bottom)
        self.top = max(self.top, fragment.top)

    def line(self) -> str:
        return " ".join(f.text for f in sorted(self.fragments, key=lambda f: f.x0))


@dataclass
class _Zone:
    rows: list[_Row]
    gutters: list[tuple[float, float]] = field(default_factory=list)


def _import_pdfium() -> tuple[Any, Any]:
    import pypdfium2
    import pypdfium2.raw

    return pypdfium2, pypdfium2.raw


def _fragments(textpage: Any, raw: Any) -> tuple[list[_Fragment], list[float]]:
    """A page's fragments in stream order, and the font size of each of its glyphs."""
    fragments: list[_Fragment] = []
    sizes: list[float] = []
    current: _Fragment | None = None
    space = False
    ox, oy = ctypes.c_double(), ctypes.c_double()
    for index in range(textpage.count_chars()):
        code = raw.FPDFText_GetUnicode(textpage, index)
        char = chr(code) if 0 < code < 0x110000 else ""
        if char in ("", "\r", "\n") or code in (0xFFFE, 0xFFFF):
            current, space = None, False
            continue
        if char.isspace():
            space = current is not None
            continue
        if code == 0x02:  # PDFium's mark for a hyphen at the end of a line
            char = "-"
        elif code < 0x20:
            continue
        char = char.translate(_LIGATURES)
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        size = float(raw.FPDFText_GetFontSize(textpage, index)) or (top - bottom) or 1.0
        raw.FPDFText_GetCharOrigin(textpage, index, ox, oy)
        baseline = oy.value
        sizes.append(size)
        if current is not None:
            em = min(size, current.size)
            same_line = abs(baseline - current.baseline) <= 0.3 * em
            gap = left - current.x1
            if same_line and -0.5 * em <= gap < GUTTER_EM * em:
                current.extend((" " if space else "") + char, right, bottom, top, size)
                space = False
                continue
        current = _Fragment(char, left, right, bottom, top, baseline, size)
        fragments.append(current)
        space = False
    return fragments, sizes


def _rows(fragments: list[_Fragment]) -> list[_Row]:
    """Fragments grouped into visual rows, top to bottom."""
    rows: list[_Row] = []
    for fragment in sorted(fragments, key=lambda f: (-f.top, f.x0)):
        if rows:
            row = rows[-1]
            overlap = min(row.top, fragment.top) - max(row.bottom, fragment.bottom)
            if overlap >= 0.5 * fragment.height:
                row.add(fragment)
                continue
        rows.append(_Row([fragment], fragment.bottom, fragment.top))
    return rows


def _row_gaps(row: _Row, gutter: float) -> list[tuple[float, float]]:
    """The gutter-wide gaps between a row's fragments."""
    gaps: list[tuple[float, float]] = []
    right_edge: float | None = None
    for fragment in sorted(row.fragments, key=lambda f: f.x0):
        if right_edge is not None and fragment.x0 - right_edge >= gutter:
            gaps.append((right_edge, fragment.x0))
        right_edge = fragment.x1 if right_edge is None else max(right_edge, fragment.x1)
    return gaps


def _still_free(
    gutters: list[tuple[float, float]], row: _Row, gutter: float
) -> list[tuple[float, float]]:
    """What is left of the gutters where the row's text does not cross them."""
    free = list(gutters)
    for fragment in row.fragments:
        narrowed: list[tuple[float, float]] = []
        for a, b in free:
            if fragment.x1 <= a or fragment.x0 >= b:
                narrowed.append((a, b))
                continue
            if fragment.x0 - a >= gutter:
                narrowed.append((a, fragment.x0))
            if b - fragment.x1 >= gutter:
                narrowed.append((fragment.x1, b))
        free = narrowed
    return free


def _column_of(fragment: _Fragment, gutters: list[tuple[float, float]]) -> int:
    return sum(1 for a, _ in gutters if fragment.centre_x > a)


def _zones(rows: list[_Row], gutter: float) -> list[_Zone]:
    zones: list[_Zone] = []
    for row in rows:
        zone = zones[-1] if zones else None
        gaps = _row_gaps(row, gutter)
        if zone is not None and zone.gutters:
            kept = _still_free(zone.gutters, row, gutter)
            if kept:
                zone.gutters = kept
                zone.rows.append(row)
                continue
        elif zone is not None and not gaps:
            zone.rows.append(row)
            continue
        zones.append(_Zone([row], gaps))
    for zone in zones:
        _settle(zone, gutter / GUTTER_EM)
    return zones


def _settle(zone: _Zone, em: float) -> None:
    """Keep a zone's columns only where they are real columns of text.

    A column narrower than ``MIN_COLUMN_EM`` (list bullets, item numbers) is not a
    column: the gutter beside it goes. Columns need ``MIN_COLUMN_ROWS`` rows with
    text in more than one of them, or the zone is read row by row.
    """
    while zone.gutters:
        widths = [0.0] * (len(zone.gutters) + 1)
        for row in zone.rows:
            for fragment in row.fragments:
                column = _column_of(fragment, zone.gutters)
                widths[column] = max(widths[column], fragment.x1 - fragment.x0)
        narrow = next((k for k, w in enumerate(widths) if w < MIN_COLUMN_EM * em), None)
        if narrow is None:
            break
        del zone.gutters[max(narrow - 1, 0)]
    split = sum(
        1 for row in zone.rows if len({_column_of(f, zone.gutters) for f in row.fragments}) > 1
    )
    if split < MIN_COLUMN_ROWS:
        zone.gutters = []


def _drop_page_numbers(rows: list[_Row]) -> tuple[list[_Row], list[_Row], list[_Row]]:
    """(header rows, body rows, footer rows): a page number dropped, a page label set apart.

    Only the top and the bottom row can be page furniture, and only when it is one
    fragment standing clear of the text (a gap at least its own height): the last
    line of a column ("2024" of a wrapped date) sits close under the line above.
    """
    head: list[_Row] = []
    foot: list[_Row] = []
    body = list(rows)
    for edge, furniture in ((0, head), (-1, foot)):
        if len(body) < 2 or len(body[edge].fragments) != 1:
            continue
        row, neighbour = body[edge], body[1 if edge == 0 else -2]
        gap = row.bottom - neighbour.top if edge == 0 else neighbour.bottom - row.top
        if gap < row.top - row.bottom:
            continue
        text = row.fragments[0].text.strip()
        if _BARE_NUMBER.fullmatch(text):
            body.pop(edge)
        elif _PAGE_LABEL.fullmatch(text):
            furniture.append(body.pop(edge))
    return head, body, foot


def page_lines(fragments: list[_Fragment], body_size: float) -> list[str]:
    """One page's visual lines in reading order (see the module docstring)."""
    gutter = GUTTER_EM * body_size
    head, body, foot = _drop_page_numbers(_rows(fragments))
    lines = [row.line() for row in head]
    for zone in _zones(body, gutter):
        if not zone.gutters:
            lines.extend(row.line() for row in zone.rows)
            continue
        columns: dict[int, list[_Fragment]] = {}
        for row in zone.rows:
            for fragment in row.fragments:
                columns.setdefault(_column_of(fragment, zone.gutters), []).append(fragment)
        for number in sorted(columns):
            lines.extend(row.line() for row in _rows(columns[number]))
    lines.extend(row.line() for row in foot)
    return lines


class PdfLoader:
    """PDF files with a text layer; scans without one are refused with a reason."""

    format = "pdf"
    extensions: tuple[str, ...] = (".pdf",)

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"%PDF-")

    def load(self, path: Path, data: bytes, display: str, limits: Limits) -> Source:
        pdfium, raw = _import_pdfium()
        if b"%%EOF" not in data[-EOF_WINDOW:]:
            raise LoadError("PDF is truncated or damaged (it has no end-of-file marker)")
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            if code == raw.FPDF_ERR_PASSWORD:
                raise LoadError(
                    "PDF is encrypted (password-protected); save a copy without a password "
                    "to check it"
                ) from None
            if code == raw.FPDF_ERR_SECURITY:
                raise LoadError("PDF is encrypted with an unsupported security scheme") from None
            raise LoadError("PDF is damaged and cannot be opened") from None
        try:
            pages = self._read(document, raw, limits)
        finally:
            document.close()
        if not any(page.strip() for page in pages):
            raise LoadError("PDF has no text layer (a scanned image?); run OCR on it first")
        return Source(path=display, format=self.format, text="\f".join(pages), paged=True)

    def _read(self, document: Any, raw: Any, limits: Limits) -> list[str]:
        count = len(document)
        if count > limits.max_pages:
            raise LoadError(
                f"PDF has {count} pages, over the limit of {limits.max_pages} "
                "(set max-pages in the configuration to raise it)"
            )
        if count == 0:
            raise LoadError("PDF has no pages")
        per_page: list[list[_Fragment]] = []
        sizes: list[float] = []
        for number in range(count):
            limits.check_time(f"at page {number + 1} of {count}")
            try:
                page = document[number]
                textpage = page.get_textpage()
            except Exception:  # PdfiumError, or worse, on a damaged page
                raise LoadError(f"PDF is damaged: page {number + 1} cannot be read") from None
            fragments, page_sizes = _fragments(textpage, raw)
            textpage.close()
            page.close()
            per_page.append(fragments)
            sizes.extend(page_sizes)
        body_size = median(sizes) if sizes else 12.0
        return ["\n".join(page_lines(fragments, body_size)) for fragments in per_page]
