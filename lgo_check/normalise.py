"""Take markup out of a letter's text while keeping a map back to the original.

Extraction reads plain sentences; findings must point at the original file. The
normalised text is built from segments, each either copied from the original
(character for character) or synthetic (a replacement, such as a newline for a
``<p>`` tag, which maps to where the markup stood). Any offset in the normalised
text therefore maps back to an offset, and so a line and column, in the original.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from lgo_check.model import HiddenText, Source, Span

_BLOCK_TAGS = (
    "p|div|br|tr|td|th|li|ul|ol|table|thead|tbody|caption|h[1-6]|section|article|"
    "header|footer|blockquote|hr|title|body|html|dt|dd"
)

_TOKEN_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE
#: Every kind of markup and stray whitespace (the lookahead below is only for speed).
_TOKEN_KINDS = rf"""
    (?:
     (?P<comment><!--)
    |(?P<hidden><(?P<hidden_tag>script|style|head|template)\b[^>]*>)
    |(?P<block_tag>[ \t]*</?(?:{_BLOCK_TAGS})\b[^<>]*>[ \t]*)
    |(?P<autolink><(?P<url>(?:https?|mailto):[^<>\s]+)>)
    |(?P<tag></?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>)
    |(?P<entity>&(?:\#\d{{1,7}}|\#[xX][0-9a-fA-F]{{1,6}}|[A-Za-z][A-Za-z0-9]{{1,31}});)
    |(?P<md_link>!?\[(?P<link_text>[^\]\n]*)\]\([^)\n]*\))
    |(?P<md_heading>(?:^|(?<=\r))[ \t]*\#{{1,6}}[ \t]+)
    |(?P<md_strong>\*\*|__)
    |(?P<md_em>(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*]))
    |(?P<newline>[ \t\u00a0\u2000-\u200a\u202f]+(?:\r\n?|\n|\f)|\r\n?|\f)
    |(?P<space>[ \t\u00a0\u2000-\u200a\u202f]{{2,}}|[\t\u00a0\u2000-\u200a\u202f]|(?<=[\n\r])[ ])
    |(?P<invisible>[\u00ad\u200b-\u200d\ufeff])
    )
    """
#: Where a token can start, so the engine skips ordinary characters without trying
#: every branch: a markup character, a space before another space, a tab, a line
#: break or "<" or "#", or a space at the start of a line. (A line feed starts no
#: token by itself; a single space between words starts none.)
_TOKEN_START = r"""
    (?=[<&\[!\#*_\t\r\f\u00a0\u00ad\u2000-\u200d\u202f\ufeff]
      |[ ][ \t<\#\r\n\f\u00a0\u2000-\u200a\u202f]
      |(?<=[\n\r])[ ])
    """
_TOKEN = re.compile(_TOKEN_START + _TOKEN_KINDS, _TOKEN_FLAGS)

# One-for-one character replacements, applied after building (lengths stay equal).
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2022": "-",
    }
)


class LineIndex:
    """Offsets in a source text to 1-based (page, line, column)."""

    def __init__(self, text: str, paged: bool = False) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n|\f", text)]
        self._page_first_line: list[int] = [0]
        if paged:
            # A form feed ends a page: the line after it is line 1 of the next page.
            self._page_first_line = [0] + [
                bisect_right(self._line_starts, m.end()) - 1 for m in re.finditer(r"\f", text)
            ]
        self.paged = paged

    def position(self, offset: int) -> tuple[int | None, int, int]:
        line_index = bisect_right(self._line_starts, offset) - 1
        column = offset - self._line_starts[line_index] + 1
        if not self.paged:
            return None, line_index + 1, column
        page_index = bisect_right(self._page_first_line, line_index) - 1
        return page_index + 1, line_index - self._page_first_line[page_index] + 1, column

    def line_bounds(self, line: int, page: int | None = None) -> tuple[int, int] | None:
        """Start and end offsets (without the line break) of a 1-based line."""
        index = line - 1
        if self.paged and page is not None and 0 < page <= len(self._page_first_line):
            index += self._page_first_line[page - 1]
        if not 0 <= index < len(self._line_starts):
            return None
        start = self._line_starts[index]
        end = self._line_starts[index + 1] - 1 if index + 1 < len(self._line_starts) else None
        return start, end if end is not None else -1


class NormalisedText:
    """Plain text for extraction, with a map back to the original file."""

    def __init__(
        self,
        text: str,
        segments: tuple[list[int], list[int], list[bool]],
        original: str,
        index: LineIndex,
        tables: Tables | None = None,
        hidden_text: list[HiddenText] | None = None,
    ) -> None:
        self.text = text
        self.original = original
        self._norm_starts, self._orig_starts, self._copied = segments
        self._index = index
        self.tables = tables or Tables()
        #: What the loader left out as hidden (passed on to the letter for hidden-text).
        self.hidden_text = hidden_text or []

    def original_offset(self, offset: int) -> int:
        i = bisect_right(self._norm_starts, offset) - 1
        if i < 0:
            return 0
        if self._copied[i]:
            return self._orig_starts[i] + (offset - self._norm_starts[i])
        return self._orig_starts[i]

    def span(self, start: int, end: int) -> Span:
        """The original-file span of normalised text[start:end] (end exclusive)."""
        o_start = self.original_offset(start)
        o_last = self.original_offset(max(start, end - 1))
        page, line, column = self._index.position(o_start)
        end_page, end_line, end_column = self._index.position(o_last)
        if end_page != page:
            # A span has one page: a sentence running onto the next page is cut at
            # the end of the page it starts on.
            page_end = self.original.find("\f", o_start)
            _, end_line, end_column = self._index.position(max(o_start, page_end - 1))
        return Span(
            line=line, column=column, end_line=end_line, end_column=end_column + 1, page=page
        )

    @property
    def paged(self) -> bool:
        return self._index.paged

    def _line_text(self, line: int, page: int | None) -> str:
        bounds = self._index.line_bounds(line, page)
        if bounds is None:
            return ""
        start, end = bounds
        return (self.original[start:end] if end >= 0 else self.original[start:]).rstrip("\r\f")

    def line_span(self, line: int, page: int | None = None) -> Span:
        """A span covering one whole line of the original (for findings about absent things)."""
        length = len(self._line_text(line, page))
        return Span(line=line, column=1, end_line=line, end_column=length + 1, page=page)

    def snippet(self, span: Span, max_lines: int = 6) -> str:
        """The whole original lines a span covers (at most ``max_lines``), verbatim."""
        last = min(span.end_line, span.line + max_lines - 1)
        return "\n".join(self._line_text(n, span.page) for n in range(span.line, last + 1))


@dataclass
class TableRow:
    """One row of an HTML table: its cells as normalised (start, end) offsets."""

    table: int
    header: bool
    cells: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Tables:
    """Table structure the normalised text no longer shows (cells are lines, tabs spaces).

    Extraction pairs a figure with the label in its row and the heading of its column,
    never with whatever line happens to follow it.
    """

    rows: list[TableRow] = field(default_factory=list)
    #: Normalised offsets where a tab separated two cells of a line.
    cell_breaks: list[int] = field(default_factory=list)


_TAG_NAME = re.compile(r"[ \t]*<(/?)([A-Za-z0-9]+)")


class _TableRecorder:
    def __init__(self) -> None:
        self.tables = Tables()
        self._table = 0
        self._row: TableRow | None = None
        self._cell: int | None = None

    def tag(self, closing: bool, name: str, out: _Builder) -> None:
        """Called after the tag's newline is written (so a cell starts on a line)."""
        if name in ("td", "th"):
            self._end_cell(out)
            if not closing:
                if self._row is None:
                    self._row = TableRow(self._table, header=True)
                self._row.header = self._row.header and name == "th"
                self._cell = out.length
        elif name in ("tr", "table", "thead", "tbody"):
            self._end_row(out)
            if name == "table" and not closing:
                self._table += 1

    def end_cell_before(self, closing: bool, name: str, out: _Builder) -> None:
        """Called before the tag's newline: a closing cell tag ends the cell here."""
        if closing and name in ("td", "th"):
            self._end_cell(out)

    def _end_cell(self, out: _Builder) -> None:
        if self._cell is not None and self._row is not None:
            self._row.cells.append((self._cell, out.length))
        self._cell = None

    def _end_row(self, out: _Builder) -> None:
        self._end_cell(out)
        if self._row is not None and self._row.cells:
            self.tables.rows.append(self._row)
        self._row = None


_TAG_END = re.compile(r"\s*>")


class _Closings:
    """Where comments and hidden elements close, found once per kind of closing.

    A lazy ``.*?`` up to the closing would scan to the end of the text for every
    opening that is never closed, which is quadratic in the number of openings.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._lower: str | None = None
        self._next: dict[str, int] = {}

    def after(self, start: int, closing: str, tag: bool = False) -> int:
        """The end of the first ``closing`` at or after ``start`` (of ``</name\\s*>`` for
        a tag), or -1 if there is none."""
        found = self._next.get(closing, -2)
        if found == -1:
            return -1
        if found < start:
            found = self._find(start, closing, tag)
            self._next[closing] = found
            if found < 0:
                return -1
        if tag:
            end = _TAG_END.match(self._text, found + len(closing))
            return end.end() if end else -1
        return found + len(closing)

    def _find(self, start: int, closing: str, tag: bool) -> int:
        if self._lower is None:
            self._lower = self._text.lower()
        found = self._lower.find(closing, start)
        while tag and found >= 0:
            after = found + len(closing)
            if _TAG_END.match(self._text, after):
                break
            found = self._lower.find(closing, after)
        return found


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.norm_starts: list[int] = []
        self.orig_starts: list[int] = []
        self.copied: list[bool] = []
        self.length = 0

    def last_char(self) -> str:
        return self.parts[-1][-1] if self.parts else "\n"

    def add(self, text: str, orig: int, copied: bool) -> None:
        if not text:
            return
        self.parts.append(text)
        self.norm_starts.append(self.length)
        self.orig_starts.append(orig)
        self.copied.append(copied)
        self.length += len(text)

    def copy(self, original: str, start: int, end: int, paragraphs: list[int]) -> None:
        """``original[start:end]`` as it is, with a blank line before each paragraph
        start a loader reported inside it (a PDF's gap between paragraphs)."""
        if paragraphs:
            first = bisect_left(paragraphs, start)
            for paragraph in paragraphs[first : bisect_right(paragraphs, end)]:
                self.add(original[start:paragraph], start, True)
                self.add("\n", paragraph, False)
                start = paragraph
        self.add(original[start:end], start, True)

    def drop_trailing_space(self) -> None:
        if self.parts and self.parts[-1] == " " and not self.copied[-1]:
            self.parts.pop()
            self.norm_starts.pop()
            self.orig_starts.pop()
            self.copied.pop()
            self.length -= 1


def normalise(source: Source, artefacts: Iterable[re.Pattern[str]] = ()) -> NormalisedText:
    """Strip Markdown, HTML and stray whitespace; blank out page artefacts.

    Line structure is kept: a line of the original stays a line, and HTML block
    tags (``<p>``, ``<br>``, cells) start new lines, so that a label and its
    number are as near each other as the original put them.
    """
    original = source.text
    paragraphs = sorted(source.paragraph_starts)
    out = _Builder()
    tables = _TableRecorder()
    closing = _Closings(original)
    pos = 0
    search_from = 0
    while True:
        match = _TOKEN.search(original, search_from)
        if match is None:
            break
        kind = match.lastgroup
        start = match.start()
        end = match.end()
        if kind == "comment":
            end = closing.after(start + 4, "-->")
        elif kind == "hidden":
            end = closing.after(end, "</" + match.group("hidden_tag").lower(), tag=True)
        if end < 0:
            # An opening with no close: the comment stays as text; the tag is dropped.
            search_from = match.end()
            if kind == "comment":
                continue
            end, kind = match.end(), "tag"
        else:
            search_from = max(end, start + 1)
        out.copy(original, pos, start, paragraphs)
        pos = end
        if kind in ("newline", "block_tag"):
            out.drop_trailing_space()
            tag = _TAG_NAME.match(match.group()) if kind == "block_tag" else None
            if tag:
                tables.end_cell_before(tag[1] == "/", tag[2].lower(), out)
            if kind != "block_tag" or out.last_char() != "\n":
                out.add("\n", start, False)
            if tag:
                tables.tag(tag[1] == "/", tag[2].lower(), out)
        elif kind == "space":
            if out.last_char() != "\n":
                # One break per tab: two tabs in a row leave an empty cell between them.
                tables.tables.cell_breaks.extend([out.length] * match.group().count("\t"))
            if out.last_char() not in " \n":
                out.add(" ", start, False)
        elif kind == "entity":
            out.add(html.unescape(match.group()).replace("\u00a0", " "), start, False)
        elif kind == "autolink":
            out.add(match.group("url"), match.start("url"), True)
        elif kind == "md_link":
            out.add(match.group("link_text"), match.start("link_text"), True)
        elif kind == "hidden" and not source.html_document:
            # Outside a whole HTML document, "<head>" is more likely text than markup.
            out.add(original[start:end], start, True)
        # comment, tag, md_* markers, invisible characters: dropped.
    out.copy(original, pos, len(original), paragraphs)
    _loader_rows(source, out, tables.tables)
    text = "".join(out.parts).translate(_TYPOGRAPHY)
    normalised = NormalisedText(
        text,
        (out.norm_starts, out.orig_starts, out.copied),
        original,
        LineIndex(original, paged=source.paged),
        tables.tables,
        source.hidden_text,
    )
    return _blank_artefacts(normalised, artefacts)


def _loader_rows(source: Source, out: _Builder, tables: Tables) -> None:
    """The table rows a loader reported (Word), moved to normalised offsets."""
    if not source.table_cells:
        return
    rows: dict[tuple[int, int], TableRow] = {}
    for table, row, start, end in source.table_cells:
        key = (table, row)
        if key not in rows:
            # Loader tables are numbered after the HTML ones, which count from 1.
            rows[key] = TableRow(table=100_000 + table, header=False)
        rows[key].cells.append((_norm_offset(out, start), _norm_offset(out, end)))
    tables.rows.extend(rows.values())


def _norm_offset(out: _Builder, orig: int) -> int:
    """The normalised offset of an offset in the original (the map read backwards)."""
    i = bisect_right(out.orig_starts, orig) - 1
    if i < 0:
        return 0
    if out.copied[i]:
        return out.norm_starts[i] + min(orig - out.orig_starts[i], len(out.parts[i]))
    return out.norm_starts[i]


def _blank_artefacts(
    normalised: NormalisedText, artefacts: Iterable[re.Pattern[str]]
) -> NormalisedText:
    """Replace whole-line page artefacts with spaces (same length: the map holds)."""
    text = normalised.text
    for pattern in artefacts:
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    normalised.text = text
    return normalised
