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
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lgo_check.load import Limits, LoadError, Target

if TYPE_CHECKING:
    from lgo_check.model import HiddenText, Source

#: A horizontal gap at least this many ems wide separates columns, not words.
GUTTER_EM = 1.2
#: A column zone needs at least this many rows with text on both sides of a gutter.
MIN_COLUMN_ROWS = 2
#: A column is at least this many ems wide (narrower: list bullets or numbers).
MIN_COLUMN_EM = 4.0
#: The end-of-file marker must be this near the end (the PDF reference's tolerance).
EOF_WINDOW = 1024
#: The largest page the PDF reference allows (200 inches); a bigger one is refused.
MAX_PAGE_POINTS = 14_400

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


@dataclass(slots=True)
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


def _left(fragment: _Fragment) -> float:
    return fragment.x0


@dataclass(slots=True)
class _Row:
    fragments: list[_Fragment]
    bottom: float
    top: float

    def add(self, fragment: _Fragment) -> None:
        self.fragments.append(fragment)
        self.bottom = min(self.bottom, fragment.bottom)
        self.top = max(self.top, fragment.top)

    def line(self) -> str:
        if len(self.fragments) == 1:
            return self.fragments[0].text
        return " ".join(f.text for f in sorted(self.fragments, key=_left))


@dataclass
class _Table:
    """A zone read as a table: each row's cell texts, one per column ("" where empty).

    ``ambiguous``: the zone is a table of figures whose rows cannot be told apart
    (a label wrapped over lines with nothing to say which figure it belongs to);
    its text is then kept on one line and no figure is paired with any label.
    ``after``: rows below the table that joined its zone (short lines of text).
    ``split``: the zone is two things run together, a table and then, from this row
    on, lines of text (a heading, a sentence) standing apart from its rows, and
    perhaps another table: it is read again in parts.
    """

    rows: list[list[str]]
    ambiguous: bool = False
    after: list[_Row] = field(default_factory=list)
    split: int | None = None
    #: The zone's rows that make up each table row.
    groups: list[list[int]] = field(default_factory=list)
    #: The table goes on from the previous page's last table (same table, rows
    #: numbered on from ``first_row``).
    continues: bool = False
    first_row: int = 0


@dataclass
class _Zone:
    rows: list[_Row]
    gutters: list[tuple[float, float]] = field(default_factory=list)
    table: _Table | None = None


def _import_pdfium() -> tuple[Any, Any]:
    import pypdfium2
    import pypdfium2.raw

    return pypdfium2, pypdfium2.raw


#: Characters PDFium reports that are not text: NUL, controls, non-characters.
_NOT_TEXT: dict[int, int | str | None] = dict.fromkeys([*range(0x00, 0x20), 0x7F, 0xFFFE, 0xFFFF])
_NOT_TEXT[0x02] = "-"  # PDFium's mark for a hyphen at the end of a line
_NOT_TEXT.update({0x09: " ", 0x0A: " ", 0x0D: " "})
_NOT_TEXT.update(_LIGATURES)
_SURROGATE = re.compile("[\ud800-\udfff]")
#: What ``clean_text`` changes beyond spaces (line breaks end PDFium's lines, never inside one).
_UNCLEAN = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f\ufb00-\ufb06\ufffe\uffff\ud800-\udfff]")
_LINE = re.compile(r"[^\r\n]+")


def _single_spaced(text: str) -> str:
    return " ".join(text.split())


def clean_text(text: str) -> str:
    """PDF text as a str a person can read: surrogate pairs joined, lone halves dropped.

    A character outside the Basic Multilingual Plane (an emoji, a mathematical
    letter) comes out of PDFium as two UTF-16 halves, one per character slot; a
    valid pair is joined into one character, and a half without its partner is
    dropped rather than kept as a code point no encoder accepts.
    """
    if _SURROGATE.search(text):
        joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        text = _SURROGATE.sub("", joined)
    return " ".join(text.translate(_NOT_TEXT).split())


class _TextPage:
    """A PDFium text page read in bulk: all its text in one call, boxes per text object.

    PDFium lists a page's characters object by object (a text object is one run
    of text in one font), grouping objects that share a line and putting a
    generated line break between lines. ``FPDFText_CountRects`` over a range of
    characters gives one box per text object in it, so a line's objects, and the
    gaps between them, come from a few calls, never one call per character.
    ``textpage`` is PDFium's raw handle (not pypdfium2's wrapper, whose handle is a
    Python property looked up on every call).
    """

    def __init__(self, textpage: Any, raw: Any, chars: int) -> None:
        self.textpage, self.raw, self.chars = textpage, raw, chars
        buffer = (ctypes.c_ushort * (chars + 1))()
        written = max(raw.FPDFText_GetText(textpage, 0, chars, buffer) - 1, 0)
        text = ctypes.string_at(buffer, 2 * written).decode("utf-16-le", "surrogatepass")
        if len(text) != written:
            # Surrogate pairs were joined; keep one slot per character slot instead.
            text = "".join(map(chr, buffer[:written]))
        self.text = text
        #: Whether text index and character index are the same (no slot left out).
        self.aligned = written == chars
        #: Whether any text needs more than its spaces made single (see ``clean_text``).
        self.unclean = _UNCLEAN.search(text) is not None

    def char_index(self, text_index: int) -> int:
        if self.aligned:
            return text_index
        return int(self.raw.FPDFText_GetCharIndexFromTextIndex(self.textpage, text_index))

    def text_index(self, char_index: int) -> int:
        if self.aligned:
            return char_index
        return int(self.raw.FPDFText_GetTextIndexFromCharIndex(self.textpage, char_index))

    def lines(self) -> Iterator[tuple[int, int]]:
        """PDFium's lines as character ranges [start, end)."""
        if self.aligned:
            for match in _LINE.finditer(self.text):
                yield match.span()
            return
        for match in _LINE.finditer(self.text):
            start, end = self.char_index(match.start()), self.char_index(match.end() - 1) + 1
            if 0 <= start < end:
                yield start, end

    def object_start(self, start: int, end: int, number: int, after: int) -> int:
        """The first character of the ``number``-th text object in [start, end).

        Binary search on the count of objects in a growing range (at least
        ``after + 1``): a few calls, each a loop in PDFium's own code.
        """
        count_rects, textpage = self.raw.FPDFText_CountRects, self.textpage
        low, high = after + 1 - start, end - start
        while low < high:
            middle = (low + high) // 2
            if count_rects(textpage, start, middle) > number:
                high = middle
            else:
                low = middle + 1
        return start + low - 1

    def slice(self, start: int, end: int) -> str:
        if self.aligned:
            return self.text[start:end]
        return self.text[self.text_index(start) : self.text_index(end - 1) + 1]


#: Text less high than this on the page (points; its glyph box, about 1.17 times
#: the font size) cannot be read: a font size under 1 point.
MIN_TEXT_HEIGHT = 1.0
#: Colours whose channels (0-255) all differ by at most this look the same.
SAME_COLOUR = 8
#: At most this many of a page's drawing objects are looked at for what lies under
#: pale text (a page of a letter has tens).
MAX_BACKDROPS = 2_000
_WHITE = (255, 255, 255)
#: Render modes that paint with the fill colour, the stroke colour, or both.
_FILLED, _STROKED = frozenset({0, 2, 4, 6}), frozenset({1, 2, 5, 6})


def _same_colour(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= SAME_COLOUR for x, y in zip(a, b, strict=True))


class _PageView:
    """What a reader sees of a page's text: which text objects are hidden, and how.

    Hidden, left out of the letter and reported: text in render mode 3 (invisible)
    unless a picture lies under it (a scan's OCR layer, whose words the picture
    shows), render mode 7 (added to the clipping path, never painted), fully
    transparent text, text in the colour of what is under it (the last filled shape
    drawn there, or the white page), text whose middle lies outside the page's
    visible box (the crop box within the media box), and text under
    ``MIN_TEXT_HEIGHT`` points high. Over a picture, a shading or a form whose
    colour cannot be told, pale text is taken as seen.
    """

    def __init__(self, page: Any, textpage: Any, raw: Any) -> None:
        self.page, self.textpage, self.raw = page, textpage, raw
        box = raw.FS_RECTF()
        if raw.FPDF_GetPageBoundingBox(page, box):
            self.visible = (
                min(box.left, box.right),
                min(box.bottom, box.top),
                max(box.left, box.right),
                max(box.bottom, box.top),
            )
        else:
            self.visible = (-math.inf, -math.inf, math.inf, math.inf)
        self.text_object = getattr(raw, "FPDFText_GetTextObject", None)
        self.colour = (ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint())
        #: Filled shapes and pictures in drawing order: (box, colour or None if unknown).
        self._backdrops: list[tuple[tuple[float, float, float, float], Any]] | None = None

    def backdrops(self) -> list[tuple[tuple[float, float, float, float], Any]]:
        if self._backdrops is not None:
            return self._backdrops
        raw, found = self.raw, []
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        count = min(raw.FPDFPage_CountObjects(self.page), MAX_BACKDROPS)
        for index in range(count):
            obj = raw.FPDFPage_GetObject(self.page, index)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_TEXT:
                continue
            if kind == raw.FPDF_PAGEOBJ_PATH:
                if not raw.FPDFPath_GetDrawMode(obj, fill, stroke) or not fill.value:
                    continue
                colour: Any = self._colour(raw.FPDFPageObj_GetFillColor, obj)
                if colour is not None and colour[3] < 255:
                    colour = None  # translucent: what is behind shows through
            else:
                colour = None  # a picture, shading or form: its colour is not known
            if raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                found.append(((left.value, bottom.value, right.value, top.value), colour))
        self._backdrops = found
        return found

    def _colour(self, getter: Any, obj: Any) -> tuple[int, int, int, int] | None:
        r, g, b, a = self.colour
        if not getter(obj, r, g, b, a):
            return None
        return r.value, g.value, b.value, a.value

    def _under(self, x: float, y: float) -> tuple[bool, tuple[int, int, int] | None]:
        """(whether anything is drawn under the point, the colour seen there or None
        when it cannot be told)."""
        for (x0, y0, x1, y1), colour in reversed(self.backdrops()):
            if x0 <= x <= x1 and y0 <= y <= y1:
                return True, None if colour is None else colour[:3]
        return False, _WHITE

    def hidden(
        self, first: int, box: tuple[float, float, float, float], height: float
    ) -> str | None:
        """How the text object with character ``first`` (its box, its glyphs' height)
        is hidden from a reader, or None if it is seen."""
        x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        x0, y0, x1, y1 = self.visible
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return "being placed outside the page's visible area (its crop box)"
        if height < MIN_TEXT_HEIGHT:
            return f"a size too small to read ({height:.2g} points high)"
        if self.text_object is None:
            return None
        obj = self.text_object(self.textpage, first)
        if not obj:
            return None
        raw = self.raw
        mode = raw.FPDFTextObj_GetTextRenderMode(obj)
        if mode == 7:
            return "PDF text render mode 7 (a clipping path only, never painted)"
        if mode == 3:
            if self._under(x, y)[0]:
                return None  # a scan's OCR layer: the picture under it shows the words
            return "PDF text render mode 3 (invisible)"
        colours = []
        if mode in _FILLED:
            colours.append(self._colour(raw.FPDFPageObj_GetFillColor, obj))
        if mode in _STROKED:
            colours.append(self._colour(raw.FPDFPageObj_GetStrokeColor, obj))
        if not colours or any(c is None for c in colours):
            return None
        if all(c[3] == 0 for c in colours if c is not None):
            return "fully transparent text"
        if all(c[:3] == (0, 0, 0) for c in colours if c is not None):
            return None  # black text: the common case, seen on anything but black
        _, beneath = self._under(x, y)
        if beneath is None:
            return None
        if all(_same_colour(c[:3], beneath) for c in colours if c is not None):
            if beneath == _WHITE:
                return "white text on a white page"
            return "text in the colour of the shape under it"
        return None


@dataclass
class _HiddenRun:
    """Text a reader does not see: left out, and reported where it stood."""

    text: str
    how: str
    top: float


def _fragments(
    page: _TextPage,
    limits: Limits | None = None,
    where: str = "",
    view: _PageView | None = None,
) -> tuple[list[_Fragment], Counter[float], list[_HiddenRun]]:
    """A page's fragments in PDFium's order, how many characters are in each font
    size, and the text a reader does not see (judged by ``view``; left out).

    A fragment is a run of text objects within one of PDFium's lines that sit on
    one baseline with no gutter between them: consecutive objects are joined when
    their baselines are within 0.3 em and the gap between them is between -0.5 em
    and ``GUTTER_EM`` ems (em: the smaller of their font sizes).
    """
    raw, textpage = page.raw, page.textpage
    # Bound once: this loop makes a few PDFium calls per text object.
    count_rects, get_rect = raw.FPDFText_CountRects, raw.FPDFText_GetRect
    get_origin, get_loose = raw.FPDFText_GetCharOrigin, raw.FPDFText_GetLooseCharBox
    get_size = raw.FPDFText_GetFontSize
    left, top, right, bottom = (ctypes.c_double() for _ in range(4))
    x, y, loose = ctypes.c_double(), ctypes.c_double(), raw.FS_RECTF()
    clean = clean_text if page.unclean else _single_spaced
    page_text, aligned = page.text, page.aligned
    fragments: list[_Fragment] = []
    sizes: Counter[float] = Counter()
    hidden: list[_HiddenRun] = []
    # The common case, black text painted by filling, inside the page and not tiny,
    # is told with three calls; anything else goes to ``view.hidden``.
    text_object = view.text_object if view is not None else None
    render_mode, fill_colour = raw.FPDFTextObj_GetTextRenderMode, raw.FPDFPageObj_GetFillColor
    red, green, blue, alpha = view.colour if view is not None else (None,) * 4
    seen_x0, seen_y0, seen_x1, seen_y1 = view.visible if view is not None else (0.0,) * 4
    # Hidden objects one after another, with nothing seen between, are one passage.
    hidden_before: _HiddenRun | None = None
    for line, (start, end) in enumerate(page.lines()):
        if limits is not None and line % 64 == 63:
            limits.check_time(where)
        count = count_rects(textpage, start, end - start)
        boxes = []
        for number in range(count):
            get_rect(textpage, number, left, top, right, bottom)
            boxes.append((left.value, bottom.value, right.value, top.value))
        if not boxes:
            continue
        starts = [start]
        for number in range(1, count):
            starts.append(page.object_start(start, end, number, starts[-1]))
        starts.append(end)
        current: _Fragment | None = None
        for number, box in enumerate(boxes):
            first = starts[number]
            text = clean(
                page_text[first : starts[number + 1]]
                if aligned
                else page.slice(first, starts[number + 1])
            )
            if not text:
                continue
            get_origin(textpage, first, x, y)
            get_loose(textpage, first, loose)
            baseline = y.value
            loose_bottom, loose_top = min(loose.bottom, loose.top), max(loose.bottom, loose.top)
            if view is not None:
                how: str | None = None
                middle_x, middle_y = (box[0] + box[2]) * 0.5, (box[1] + box[3]) * 0.5
                obj = (
                    text_object(textpage, first)
                    if text_object is not None
                    and seen_x0 <= middle_x <= seen_x1
                    and seen_y0 <= middle_y <= seen_y1
                    and loose_top - loose_bottom >= MIN_TEXT_HEIGHT
                    else None
                )
                if not (
                    obj
                    and render_mode(obj) == 0
                    and fill_colour(obj, red, green, blue, alpha)
                    and not (red.value or green.value or blue.value)  # type: ignore[union-attr]
                    and alpha.value  # type: ignore[union-attr]
                ):
                    how = view.hidden(first, box, loose_top - loose_bottom)
                if how is not None:
                    if hidden_before is not None and hidden_before.how == how:
                        hidden_before.text += " " + text
                    else:
                        hidden_before = _HiddenRun(text, how, max(loose_top, box[3]))
                        hidden.append(hidden_before)
                    continue
                hidden_before = None
            size = float(get_size(textpage, first)) or (loose_top - loose_bottom) or 1.0
            sizes[size] += len(text)
            bottom_edge, top_edge = min(loose_bottom, box[1]), max(loose_top, box[3])
            if current is not None:
                em = min(size, current.size)
                gap = box[0] - current.x1
                if abs(baseline - current.baseline) <= 0.3 * em and (
                    -0.5 * em <= gap < GUTTER_EM * em
                ):
                    current.extend(" " + text, box[2], bottom_edge, top_edge, size)
                    continue
            current = _Fragment(text, box[0], box[2], bottom_edge, top_edge, baseline, size)
            fragments.append(current)
    return fragments, sizes, hidden


def _median(counts: Counter[float]) -> float:
    """The median of a list holding each value as many times as counted (as
    ``statistics.median`` gives it, without building the list)."""
    total = sum(counts.values())
    wanted = {(total - 1) // 2, total // 2}
    found: list[float] = []
    seen = 0
    for value in sorted(counts):
        for position in sorted(wanted):
            if seen <= position < seen + counts[value]:
                found.append(value)
        seen += counts[value]
    return sum(found) / len(found) if len(found) == 2 else found[0]


def _top_left(fragment: _Fragment) -> tuple[float, float]:
    return -fragment.top, fragment.x0


def _rows(fragments: list[_Fragment]) -> list[_Row]:
    """Fragments grouped into visual rows, top to bottom: a fragment that lies mostly
    (half its height) within the vertical extent of the row above joins it."""
    rows: list[_Row] = []
    row: _Row | None = None
    for fragment in sorted(fragments, key=_top_left):
        top, bottom = fragment.top, fragment.bottom
        if row is not None:
            overlap = min(row.top, top) - max(row.bottom, bottom)
            if overlap >= 0.5 * max(top - bottom, 0.1):
                row.fragments.append(fragment)
                if bottom < row.bottom:
                    row.bottom = bottom
                if top > row.top:
                    row.top = top
                continue
        row = _Row([fragment], bottom, top)
        rows.append(row)
    return rows


def _row_gaps(row: _Row, gutter: float) -> list[tuple[float, float]]:
    """The gutter-wide gaps between a row's fragments."""
    if len(row.fragments) == 1:
        return []
    gaps: list[tuple[float, float]] = []
    right_edge: float | None = None
    for fragment in sorted(row.fragments, key=_left):
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
    """The column the fragment's middle is in (gutters run left to right)."""
    centre = (fragment.x0 + fragment.x1) / 2
    column = 0
    for a, _ in gutters:
        if centre <= a:
            break
        column += 1
    return column


#: At most this many times a page's zones are split into a table and the text after it.
MAX_SPLITS = 50


def _zones(rows: list[_Row], gutter: float) -> list[_Zone]:
    """A page's rows swept into zones, each a table, columns of text or plain rows."""
    return _analyse(_sweep(rows, gutter), gutter)


def _analyse(zones: list[_Zone], gutter: float) -> list[_Zone]:
    """Each swept zone read as a table, columns of text or plain rows (a zone that is
    a table and then text is read again in parts). A zone already read as part of a
    table across pages is kept as it is."""
    em = gutter / GUTTER_EM
    out: list[_Zone] = []
    pending = zones[::-1]
    splits = 0
    while pending:
        zone = pending.pop()
        if zone.table is not None:
            out.append(zone)
            continue
        if zone.gutters:
            zone.table = _table(zone, em)
        table = zone.table
        if table is not None and table.split is not None:
            splits += 1
            if splits > MAX_SPLITS:
                table.ambiguous, table.split = True, None
            else:
                before, rest = zone.rows[: table.split], zone.rows[table.split :]
                plain = []
                while rest and _plain_line(rest[0]):
                    plain.append(rest.pop(0))
                parts = [*_sweep(before, gutter), _Zone(plain), *_sweep(rest, gutter)]
                pending.extend(reversed(parts))
                continue
        if zone.table is None and zone.gutters and splits < MAX_SPLITS:
            parts = _table_then_text(zone, gutter)
            if parts:
                splits += 1
                pending.extend(reversed(parts))
                continue
        if zone.table is None:
            _settle(zone, em)
        out.append(zone)
    return out


def _table_then_text(zone: _Zone, gutter: float) -> list[_Zone]:
    """A zone that is no table as a whole, but whose rows up to its first line of plain
    text (a heading) are one: that table, the text, and the rest swept again (another
    table with other columns may follow the heading). Empty if not so."""
    first = next((k for k, row in enumerate(zone.rows) if _plain_line(row)), None)
    if first is None or first < 2:
        return []
    rows = zone.rows[:first]
    gutters = _row_gaps(rows[0], gutter)
    for row in rows[1:]:
        gutters = _still_free(gutters, row, gutter)
    if not gutters:
        return []
    table = _table(_Zone(rows, gutters), gutter / GUTTER_EM)
    if table is None or table.ambiguous or table.after or table.split is not None:
        return []
    rest = zone.rows[first:]
    plain = []
    while rest and _plain_line(rest[0]):
        plain.append(rest.pop(0))
    return [_Zone(rows, gutters), _Zone(plain), *_sweep(rest, gutter)]


def _has_figure(row: _Row) -> bool:
    return any(_FIGURE_CELL.fullmatch(f.text) for f in row.fragments)


def _plain_line(row: _Row) -> bool:
    """A line of text that is no table row: one fragment, and not a figure."""
    return len(row.fragments) == 1 and _FIGURE_CELL.fullmatch(row.fragments[0].text) is None


def _sweep(rows: list[_Row], gutter: float) -> list[_Zone]:
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
        fresh = _Zone([row], gaps)
        if gaps and zone is not None and not zone.gutters and len(zone.rows) > 1:
            # A figure alone on the line above, right of the first gutter, is the new
            # zone's (a cell whose row's label sits lower: a label merged across rows).
            last = zone.rows[-1]
            if _lone_figure(last) and last.fragments[0].x0 > gaps[0][0]:
                fresh.rows.insert(0, zone.rows.pop())
        zones.append(fresh)
    return zones


def _lone_figure(row: _Row) -> bool:
    return len(row.fragments) == 1 and _FIGURE_CELL.fullmatch(row.fragments[0].text) is not None


def _settle(zone: _Zone, em: float) -> None:
    """Keep a zone's columns only where they are real columns of text.

    A column narrower than ``MIN_COLUMN_EM`` (list bullets, item numbers) is not a
    column: the gutter beside it goes. Columns need ``MIN_COLUMN_ROWS`` rows with
    text in more than one of them, or the zone is read row by row.
    """
    if not zone.gutters:
        return
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


#: A table cell that is a figure: a count, a decimal or a percentage.
_FIGURE_CELL = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)? ?(?:%|per ?cent)?", re.IGNORECASE)
#: A table's label cells are short; longer text in a column is prose, not a table.
MAX_LABEL_WORDS = 12
#: Baselines this close (in ems) are one line.
SAME_LINE_EM = 0.3
#: Row spacings must differ at least this much (in ems) to tell a cell's wrapped line
#: from the next row.
WRAP_GAP_EM = 0.3


def _cells(row: _Row, gutters: list[tuple[float, float]]) -> list[str]:
    columns: list[list[_Fragment]] = [[] for _ in range(len(gutters) + 1)]
    for fragment in sorted(row.fragments, key=_left):
        columns[_column_of(fragment, gutters)].append(fragment)
    return [" ".join(f.text for f in column) for column in columns]


def _baseline(row: _Row) -> float:
    return max(f.baseline for f in row.fragments)


def _numbering(cells: list[str]) -> bool:
    """Whether cells are the item numbers of a list (1, 2, 3 ...), not figures."""
    return [cell.rstrip(".") for cell in cells] == [str(n) for n in range(1, len(cells) + 1)]


def _table(zone: _Zone, em: float) -> _Table | None:
    """The zone as a table of figures, or None if it is columns of text.

    A table has a column of figures (every cell below the first row a figure, at
    least two of them, not the item numbers 1, 2, 3 ... of a list) beside a column
    of short labels. Each row of the table is one visual line, its cells on one
    baseline; a label wrapped over lines joins its figure's row only where the row
    spacing says so (lines of one cell closer together than rows). Otherwise the
    table is ambiguous: read, but no figure paired with a label.
    """
    gutters = zone.gutters
    grid = [_cells(row, gutters) for row in zone.rows]
    if len(grid) < 2:
        return None
    figures = [[_FIGURE_CELL.fullmatch(cell) is not None for cell in cells] for cells in grid]
    columns = len(gutters) + 1
    below_first = range(1, len(grid))
    figure_columns = []
    for column in range(columns):
        cells = [grid[r][column] for r in below_first if grid[r][column]]
        every = [cells_of_row[column] for cells_of_row in grid if cells_of_row[column]]
        if (
            len(cells) >= 2
            and all(figures[r][column] for r in below_first if grid[r][column])
            and not _numbering(cells)
            and not _numbering(every)
        ):
            figure_columns.append(column)
    label_columns = [c for c in range(columns) if c not in figure_columns]
    if not figure_columns or not any(grid[r][c] for r in below_first for c in label_columns):
        return None
    words = max(len(grid[r][c].split()) for r in range(len(grid)) for c in label_columns)
    if words > MAX_LABEL_WORDS:
        return None
    table = _Table([])
    if _spans_a_gutter(zone.rows, gutters, em):
        table.ambiguous = True  # a merged cell across columns: whose figure it is is unknown
    has_figure = [any(figures[r][c] for c in figure_columns) for r in range(len(grid))]
    for row in zone.rows:
        baselines = [f.baseline for f in row.fragments]
        if max(baselines) - min(baselines) > SAME_LINE_EM * em:
            table.ambiguous = True  # cells of one row not on one line
    # Lines of one cell are closer together than the rows of the table: closer than
    # two rows with figures are, or than the widest spacing when no two are adjacent.
    tops = [_baseline(row) for row in zone.rows]
    spacings = [tops[r] - tops[r + 1] for r in range(len(grid) - 1)]
    between_figures = [
        spacings[r] for r in range(len(grid) - 1) if has_figure[r] and has_figure[r + 1]
    ]
    pitch = min(between_figures) if between_figures else max(spacings)
    groups: list[list[int]] = [[0]]
    for r, spacing in enumerate(spacings):
        if spacing <= pitch - WRAP_GAP_EM * em:
            groups[-1].append(r + 1)
        else:
            groups.append([r + 1])
    # Figure-less groups below the last figure are text after the table that joined
    # its zone; a figure-less first group is the header row.
    while len(groups) > 1 and not any(has_figure[r] for r in groups[-1]):
        table.after[:0] = [zone.rows[r] for r in groups.pop()]
    if table.after:
        # Those lines may have narrowed the gutters: find them again without them.
        rows = zone.rows[: len(zone.rows) - len(table.after)]
        gutters = _row_gaps(rows[0], GUTTER_EM * em)
        for row in rows[1:]:
            gutters = _still_free(gutters, row, GUTTER_EM * em)
        again = _table(_Zone(rows, gutters), em) if gutters else None
        if again is None or again.after:
            return None
        again.after = table.after
        return again
    header = 0 if any(has_figure[r] for r in groups[0]) else 1
    for number in range(max(header, 1), len(groups)):
        group = groups[number]
        if any(has_figure[r] for r in group) or not all(_plain_line(zone.rows[r]) for r in group):
            continue
        # Lines without a figure between the table's rows, standing apart from the row
        # above (more than the table's row spacing) or ending a sentence: a heading or
        # a paragraph run into the zone, not a label whose figure is elsewhere.
        text = " ".join(grid[r][c] for r in group for c in range(columns) if grid[r][c])
        if spacings[group[0] - 1] > pitch + WRAP_GAP_EM * em or text.endswith((".", "!", "?")):
            table.split = group[0]
            return table
    for group in groups[header:]:
        if sum(has_figure[r] for r in group) != 1:
            table.ambiguous = True  # a label that is no figure's, or two rows run together
        elif not any(grid[r][c] for r in group for c in label_columns):
            # A figure with no label of its own: the label above spans rows (a merged
            # cell), or is missing; which figure it names cannot be told.
            table.ambiguous = True
    for group in groups:
        table.rows.append(
            [" ".join(grid[r][c] for r in group if grid[r][c]) for c in range(columns)]
        )
    table.groups = groups
    return table


#: Edges of a column's cells agree within this many ems (glyphs' side bearings differ).
ALIGNED_EM = 0.3
#: Tables longer than this are not checked for cells out of line with their column.
MAX_ALIGNED_ROWS = 200


def _spans_a_gutter(rows: list[_Row], gutters: list[tuple[float, float]], em: float) -> bool:
    """Whether a figure sits out of line with the rest of its column: a merged cell
    centred across two columns (the zone's gutter narrowed to one side of it), whose
    column, and so whose figure it is, cannot be told.

    A column is aligned on the left edges of its cells, or else the right edges, or
    else the centres, when those of all its other rows agree (``ALIGNED_EM``); a
    figure off that line is out of it. A column with no edge in agreement is not judged.
    """
    if not 3 <= len(rows) <= MAX_ALIGNED_ROWS:
        return False
    tolerance = ALIGNED_EM * em
    columns: dict[int, list[tuple[int, _Fragment]]] = {}
    for number, row in enumerate(rows):
        for fragment in row.fragments:
            columns.setdefault(_column_of(fragment, gutters), []).append((number, fragment))
    for cells in columns.values():
        for number, fragment in cells:
            if not _FIGURE_CELL.fullmatch(fragment.text):
                continue
            others = [f for n, f in cells if n != number]
            if len(others) < 2:
                continue
            for edge in (_left, _right, _centre):
                line = [edge(f) for f in others]
                if max(line) - min(line) <= tolerance:
                    if abs(edge(fragment) - (max(line) + min(line)) / 2) > tolerance:
                        return True
                    break
    return False


def _right(fragment: _Fragment) -> float:
    return fragment.x1


def _centre(fragment: _Fragment) -> float:
    return fragment.centre_x


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


#: A table row on a page: (table, row, line, each cell's (start, end) in the line).
TableRow = tuple[int, int, int, list[tuple[int, int]]]


#: A line starts a paragraph when the gap above it is at least this share of its height.
PARAGRAPH_GAP = 0.5
#: Print smaller than this share of the body size is page furniture (headers, footers).
FURNITURE_SIZE = 0.9


def page_lines(fragments: list[_Fragment], body_size: float) -> list[str]:
    """One page's visual lines in reading order (see the module docstring)."""
    return page_layout(fragments, body_size).lines


@dataclass
class _PageLayout:
    """One page's visual lines in reading order, where its tables' cells are, which
    lines start a paragraph (a gap above them, or the top of a column), and the top
    of each line on the page (PDF coordinates)."""

    lines: list[str]
    table_rows: list[TableRow]
    starts: list[int]
    tops: list[float]
    #: Each line's right edge, or None for page furniture (a header, footer or page
    #: label, or print smaller than the body's).
    rights: list[float | None] = field(default_factory=list)
    #: The page's first table goes on from the previous page's last one.
    continues: bool = False

    def ends_paragraph(self, body_size: float) -> bool:
        """Whether the page's last line of body text ends its paragraph: it stops short
        of the page's right edge by more than a word's width (``SHORT_LINE_EM``)."""
        rights = [r for r in self.rights if r is not None]
        return bool(rights) and max(rights) - rights[-1] > SHORT_LINE_EM * body_size

    def first_body_line(self) -> int | None:
        return next((n for n, r in enumerate(self.rights) if r is not None), None)


#: A line stopping this many ems short of the page's right edge ends its paragraph
#: (the next word would have fitted on it).
SHORT_LINE_EM = 8.0


@dataclass
class _PagePlan:
    """A page's rows: page furniture above and below, and the body swept into zones."""

    head: list[_Row]
    zones: list[_Zone]
    foot: list[_Row]


def _plan(fragments: list[_Fragment], body_size: float) -> _PagePlan:
    head, body, foot = _drop_page_numbers(_rows(fragments))
    return _PagePlan(head, _sweep(body, GUTTER_EM * body_size), foot)


def _shifted(row: _Row, dy: float) -> _Row:
    fragments = [
        _Fragment(f.text, f.x0, f.x1, f.bottom + dy, f.top + dy, f.baseline + dy, f.size)
        for f in row.fragments
    ]
    return _Row(fragments, row.bottom + dy, row.top + dy)


def _join_across(above: _PagePlan, below: _PagePlan, body_size: float) -> None:
    """Read a table that runs on from the foot of one page to the top of the next as one.

    The last zone of the page above and the first of the page below must have as
    many columns, lined up (their gutters overlap), and the page below must start
    with the table's rows, or with its header row repeated (the same cells), not a
    header of its own. The rows below are moved, for reading only, to one row's
    spacing under the rows above; the whole must read as one table (not ambiguous,
    nothing after it, no row made of lines from both pages). Otherwise each page's
    part is read on its own, as before.
    """
    if not above.zones or not below.zones:
        return
    em, top, bottom = body_size, above.zones[-1], below.zones[0]
    if not top.gutters or not bottom.gutters:
        return
    gap = GUTTER_EM * em
    # The page above may end with a table that follows a heading in the same zone
    # (another table above it): only the rows after the heading can go on.
    pieces = [top]
    alone_above = _table(top, em)
    if alone_above is not None and alone_above.split is not None:
        before, rest = top.rows[: alone_above.split], top.rows[alone_above.split :]
        plain = []
        while rest and _plain_line(rest[0]):
            plain.append(rest.pop(0))
        pieces = [*_sweep(before, gap), _Zone(plain), *_sweep(rest, gap)]
    elif alone_above is None:
        pieces = _table_then_text(top, gap) or pieces
    top = pieces[-1]
    if not top.gutters or not top.rows:
        return
    # Lines of text after the table on the page below (a heading) may have joined its
    # zone and narrowed its gutters: set them apart, and find the gutters without them;
    # but not a line as close to the row above as a wrapped label's lines are.
    kept = len(bottom.rows)
    while kept > 1 and _plain_line(bottom.rows[kept - 1]):
        kept -= 1
    table_rows, after = bottom.rows[:kept], bottom.rows[kept:]
    if after:
        baselines = [_baseline(row) for row in bottom.rows]
        spacings = [baselines[r] - baselines[r + 1] for r in range(kept - 1)]
        with_figures = [
            spacings[r]
            for r in range(kept - 1)
            if _has_figure(table_rows[r]) and _has_figure(table_rows[r + 1])
        ]
        pitch = min(with_figures) if with_figures else max(spacings, default=0.0)
        if baselines[kept - 1] - baselines[kept] <= pitch - WRAP_GAP_EM * em:
            return
    bottom_gutters = _row_gaps(table_rows[0], gap)
    for row in table_rows[1:]:
        bottom_gutters = _still_free(bottom_gutters, row, gap)
    if len(top.gutters) != len(bottom_gutters):
        return
    gutters = [
        (max(a0, b0), min(a1, b1))
        for (a0, a1), (b0, b1) in zip(top.gutters, bottom_gutters, strict=True)
    ]
    if any(b <= a for a, b in gutters):
        return
    header = _cells(top.rows[0], gutters)
    first = _cells(table_rows[0], gutters)
    repeated = 0
    if not any(_FIGURE_CELL.fullmatch(cell) for cell in first):
        if first != header:
            return  # a header of its own: another table
        repeated = 1
    rest = table_rows[repeated:]
    if not rest:
        return
    spacings = [
        _baseline(rows[r]) - _baseline(rows[r + 1])
        for rows in (top.rows, rest)
        for r in range(len(rows) - 1)
    ]
    if not spacings:
        return
    dy = _baseline(top.rows[-1]) - max(spacings) - _baseline(rest[0])
    combined = _Zone([*top.rows, *(_shifted(row, dy) for row in rest)], gutters)
    table = _table(combined, em)
    if table is None or table.ambiguous or table.after or table.split is not None:
        return
    above_rows = len(top.rows)
    if any(group[0] < above_rows <= group[-1] for group in table.groups):
        return  # a row made of lines from both pages
    parts = sum(1 for group in table.groups if group[0] < above_rows)
    top.gutters = bottom.gutters = gutters
    top.table = _Table(table.rows[:parts], groups=table.groups[:parts])
    above.zones[-1:] = pieces
    if after:
        bottom.rows = table_rows
        below.zones[1:1] = _sweep(after, gap)
    bottom.table = _Table([first] * repeated + table.rows[parts:], continues=True, first_row=parts)


def page_layout(fragments: list[_Fragment], body_size: float) -> _PageLayout:
    """One page laid out: see the module docstring and ``_PageLayout``."""
    return _layout(_plan(fragments, body_size), body_size)


def _layout(plan: _PagePlan, body_size: float) -> _PageLayout:
    gutter = GUTTER_EM * body_size
    head, foot = plan.head, plan.foot
    lines: list[str] = []
    tops: list[float] = []
    rights: list[float | None] = []
    table_rows: list[TableRow] = []
    starts: list[int] = []
    above: _Row | None = None

    def size(row: _Row) -> float:
        return max([f.size for f in row.fragments]) if row.fragments else body_size

    above_small = False
    furniture_size = FURNITURE_SIZE * body_size

    def put(
        text: str,
        row: _Row,
        fresh: bool = False,
        furniture: bool = False,
        right: float = 0.0,
        height: float | None = None,
    ) -> None:
        nonlocal above, above_small
        # Not beside smaller print (a running header or footer): text flows on past it.
        small = size(row) < furniture_size
        # A gap is measured against one line's height (a table's first row's).
        line_height = row.top - row.bottom if height is None else height
        if (
            above is not None
            and (fresh or above.bottom - row.top > PARAGRAPH_GAP * line_height)
            and not small
            and not above_small
        ):
            starts.append(len(lines))
        lines.append(text)
        tops.append(row.top)
        if furniture or small:
            rights.append(None)
        else:
            rights.append(max([f.x1 for f in row.fragments], default=right))
        above, above_small = row, small

    for row in head:
        put(row.line(), row, furniture=True)
    tables = 0
    continues = False
    for zone in _analyse(plan.zones, gutter):
        table = zone.table
        if table is not None:
            first, last = zone.rows[0], zone.rows[len(zone.rows) - len(table.after) - 1]
            whole = _Row([], last.bottom, first.top)
            right = max(f.x1 for row in zone.rows for f in row.fragments)
            if table.ambiguous:
                # One line: no figure can be read beside a label it does not belong to.
                text = " ".join(" ".join(c for c in cells if c) for cells in table.rows)
                put(text, whole, right=right, height=first.top - first.bottom)
            else:
                continues = continues or (table.continues and tables == 0)
                for number, cells in enumerate(table.rows, start=table.first_row):
                    offsets: list[tuple[int, int]] = []
                    end = 0
                    for cell in cells:
                        start = end + 1 if cell and end else end
                        end = start + len(cell)
                        offsets.append((start, end))
                    table_rows.append((tables, number, len(lines), offsets))
                    text = " ".join(c for c in cells if c)
                    if number == table.first_row:
                        put(text, whole, right=right, height=first.top - first.bottom)
                    else:
                        lines.append(text)  # the rows of a table are never apart
                        tops.append(whole.top)
                        rights.append(right)
                tables += 1
            for row in table.after:
                put(row.line(), row)
            continue
        if not zone.gutters:
            for row in zone.rows:
                put(row.line(), row)
            continue
        columns: dict[int, list[_Fragment]] = {}
        for row in zone.rows:
            for fragment in row.fragments:
                columns.setdefault(_column_of(fragment, zone.gutters), []).append(fragment)
        for number in sorted(columns):
            for index, row in enumerate(_rows(columns[number])):
                put(row.line(), row, fresh=index == 0)
    for row in foot:
        put(row.line(), row, furniture=True)
    return _PageLayout(lines, table_rows, starts, tops, rights, continues)


#: A table cell in a PDF's text: (table, row, start, end), offsets in the pages
#: joined by form feeds (``Source.table_cells``).
TableCell = tuple[int, int, int, int]


#: Text left out as hidden: (page, line within the page, both from 0; how; the text).
#: The line is the visible line nearest to where the text stood.
HiddenPassage = tuple[int, int, str, str]


@dataclass
class PdfText:
    """A PDF's pages in reading order, its tables' cells and where paragraphs start
    (offsets in the pages joined by form feeds: ``Source.table_cells`` and
    ``Source.paragraph_starts``), and the text left out as hidden."""

    pages: list[str]
    cells: list[TableCell]
    paragraphs: list[int]
    hidden: list[HiddenPassage] = field(default_factory=list)


def _nearest_line(tops: list[float], top: float) -> int:
    """The line whose top is nearest ``top`` (the first of equals), 0 on an empty page."""
    best, distance = 0, math.inf
    for number, line_top in enumerate(tops):
        if abs(line_top - top) < distance:
            best, distance = number, abs(line_top - top)
    return best


def read_pdf_pages(data: bytes, limits: Limits) -> list[str]:
    """A PDF's pages as text in reading order, read in this process; LoadError if it cannot be."""
    return read_pdf(data, limits).pages


def read_pdf(data: bytes, limits: Limits) -> PdfText:
    """A PDF's pages as text in reading order, its tables' cells and paragraph starts,
    read in this process; LoadError if it cannot be.

    Bounded: the page count, each page's size and number of characters, and the
    time (checked between pages and between lines). Memory and a hard stop on time
    need a separate process: see ``lgo_check.load.pdfworker``.
    """
    pdfium, raw = _import_pdfium()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == raw.FPDF_ERR_PASSWORD:
            raise LoadError(
                "PDF is encrypted (password-protected); save a copy without a password to check it"
            ) from None
        if code == raw.FPDF_ERR_SECURITY:
            raise LoadError("PDF is encrypted with an unsupported security scheme") from None
        raise LoadError("PDF is damaged and cannot be opened") from None
    try:
        return _read(document, raw, limits)
    finally:
        document.close()


def _read(document: Any, raw: Any, limits: Limits) -> PdfText:
    count = len(document)
    if count > limits.max_pages:
        raise LoadError(
            f"PDF has {count} pages, over the limit of {limits.max_pages} "
            "(set max-pages in the configuration to raise it)"
        )
    if count == 0:
        raise LoadError("PDF has no pages")
    size = raw.FS_SIZEF()
    for number in range(count):
        # Before any page is loaded: PDFium's text layout allocates by page size.
        if raw.FPDF_GetPageSizeByIndexF(document, number, size) and (
            max(size.width, size.height) > MAX_PAGE_POINTS
        ):
            raise LoadError(
                f"PDF page {number + 1} is {size.width:,.0f} x {size.height:,.0f} points, "
                f"over the limit of {MAX_PAGE_POINTS:,} (the largest a PDF page may be)"
            )
    per_page: list[list[_Fragment]] = []
    hidden_per_page: list[list[_HiddenRun]] = []
    sizes: Counter[float] = Counter()
    for number in range(count):
        where = f"at page {number + 1} of {count}"
        limits.check_time(where)
        try:
            page = document[number]
            textpage = page.get_textpage()
        except Exception:  # PdfiumError, or worse, on a damaged page
            raise LoadError(f"PDF is damaged: page {number + 1} cannot be read") from None
        try:
            chars = textpage.count_chars()
            if chars > limits.max_chars_per_page:
                raise LoadError(
                    f"PDF page {number + 1} has {chars:,} characters, over the limit of "
                    f"{limits.max_chars_per_page:,} per page"
                )
            view = _PageView(page.raw, textpage.raw, raw)
            fragments, page_sizes, hidden = _fragments(
                _TextPage(textpage.raw, raw, chars), limits, where, view
            )
        finally:
            textpage.close()
            page.close()
        per_page.append(fragments)
        hidden_per_page.append(hidden)
        sizes.update(page_sizes)
    body_size = _median(sizes) if sizes else 12.0
    out = PdfText([], [], [])
    offset = tables = 0
    ended = False
    plans = [_plan(fragments, body_size) for fragments in per_page]
    for above, below in pairwise(plans):
        _join_across(above, below, body_size)
    for number, plan in enumerate(plans):
        layout = _layout(plan, body_size)
        lines = layout.lines
        starts = [offset]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        first = layout.first_body_line()
        if ended and first is not None and first not in layout.starts:
            # The last page's text ended its paragraph (a heading, a short last line):
            # this page's text starts a new one, though no gap shows across the break.
            out.paragraphs.append(starts[first])
        if first is not None:
            ended = layout.ends_paragraph(body_size)
        # A table that goes on from the page above keeps that table's number.
        base = tables - 1 if layout.continues else tables
        for table, row, line_number, offsets in layout.table_rows:
            line_start = starts[line_number]
            out.cells += [(base + table, row, line_start + a, line_start + b) for a, b in offsets]
        tables = base + len({table for table, *_ in layout.table_rows})
        out.paragraphs += [starts[line_number] for line_number in layout.starts]
        out.hidden += [
            (number, _nearest_line(layout.tops, run.top), run.how, run.text)
            for run in hidden_per_page[number]
        ]
        out.pages.append("\n".join(lines))
        offset += len(out.pages[-1]) + 1  # the form feed between pages
    return out


class PdfLoader:
    """PDF files with a text layer; scans without one are refused with a reason.

    PDFium runs in a helper process (``pdfworker``), so that a file that would
    take all the memory or hang is stopped at the limit and reported, and the run
    goes on. ``isolated = False`` reads in this process (benchmarks, debugging).
    """

    format = "pdf"
    extensions: tuple[str, ...] = (".pdf",)
    isolated = True

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"%PDF-")

    def prepare(self, targets: Sequence[Target]) -> None:
        """Start the helper process now if PDFs are coming, so that its start-up
        (Python and PDFium, about 50 ms) runs while this process does other work."""
        if self.isolated and any(t.path.suffix.lower() in self.extensions for t in targets):
            from lgo_check.load.pdfworker import start_early

            start_early()

    def load(self, path: Path, data: bytes, display: str, limits: Limits) -> Source:
        from lgo_check.model import Source

        if b"%%EOF" not in data[-EOF_WINDOW:]:
            raise LoadError("PDF is truncated or damaged (it has no end-of-file marker)")
        if self.isolated:
            from lgo_check.load.pdfworker import read_isolated

            read = read_isolated(data, limits)
        else:
            read = read_pdf(data, limits)
        if not any(page.strip() for page in read.pages):
            if read.hidden:
                raise LoadError(
                    "PDF has no text a reader can see: all of it is hidden "
                    f"(by {read.hidden[0][2]}, on page {read.hidden[0][0] + 1})"
                )
            raise LoadError("PDF has no text layer (a scanned image?); run OCR on it first")
        return Source(
            path=display,
            format=self.format,
            text="\f".join(read.pages),
            paged=True,
            table_cells=read.cells,
            paragraph_starts=read.paragraphs,
            hidden_text=hidden_text(read.pages, read.hidden),
        )


def hidden_text(pages: list[str], passages: list[HiddenPassage]) -> list[HiddenText]:
    """Hidden passages as the hidden-text rule reports them: on their page, at the
    start of the visible line nearest to where they stood."""
    if not passages:
        return []
    from lgo_check.load.hidden import MAX_LISTED, excerpt_of
    from lgo_check.model import HiddenText, Span

    listed = [p for p in passages if any(ch.isalnum() for ch in p[3])]
    found = []
    for page, line, how, text in listed[:MAX_LISTED]:
        line = min(line, max(pages[page].count("\n"), 0)) if page < len(pages) else 0
        span = Span(line=line + 1, column=1, end_line=line + 1, end_column=1, page=page + 1)
        found.append(HiddenText(how=how, excerpt=excerpt_of(text), span=span))
    if len(listed) > MAX_LISTED:
        more = len(listed) - MAX_LISTED
        found.append(
            HiddenText(
                how=f"{more:,} more hidden passages, not listed one by one", span=found[-1].span
            )
        )
    return found
