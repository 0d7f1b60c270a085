"""The statistics blocks, read with the wording in ``layouts/statistics.toml``.

The statistics section (the letter minus its prose) is made compact once: each run
of spaces is one space, each run of blank lines one blank line, a table row one line
with its cells separated by tabs. Every wording pattern is then found in one pass
over that text (one regular expression of all of them), so no pattern meets a long
run of whitespace and the cost is linear in the letter.

A line-by-line walk then says whose figures each line holds:

* a block heading starts that block; a sentence that names its block ("... of
  complaints we investigated were upheld") places itself; a sentence shared by the
  blocks ("This compares to an average of ...") belongs to the block above it;
* a heading about England, all councils or another year starts a box whose figures
  are never the body's own, however standard their sentences; so does a sentence
  whose national or last-year cue is nearest to the figure;
* a heading lgo-check does not know ends the block above it: its figures are not
  guessed into a known block.

Table cells are paired by row and column. A field stated twice with different values
is left empty with a Problem; every figure the layout expects but that stays empty
gets a Problem naming it and why. Never a guess.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from lgo_check.extract.layout import (
    FLAGS,
    FigureSpec,
    LayoutSpec,
    Wording,
    _sre,
    _sre_parser,
    first_chars,
    statistics_wording,
)
from lgo_check.model import (
    COUNT_FIELDS,
    Block,
    Number,
    OverviewBlock,
    Problem,
    Span,
    Statistics,
    Status,
)
from lgo_check.normalise import NormalisedText

_PEER_OF = {"rate_pct": "peer_average_pct", "per_100k": "peer_average_per_100k"}

_WORDS = {
    w: i
    for i, w in enumerate(
        re.findall(
            r"\w+",
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen",
        )
    )
}
_TENS = {
    w: 20 + 10 * i
    for i, w in enumerate(
        re.findall(r"\w+", "twenty thirty forty fifty sixty seventy eighty ninety")
    )
}
_NUMBER_CELL = re.compile(
    r"(?P<value>\d{1,3}(?:,\d{3}){1,3}(?:\.\d{1,2})?|\d{1,12}(?:\.\d{1,2})?)"
    r"\s*(?P<pct>%|per\s?cent)?",
    re.IGNORECASE,
)
_NUMBER_TOKEN = re.compile(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?!\w)")
# "\b20dd": the word boundary is the lookbehind after the digits, so the pattern
# starts with the literal "20", which the engine searches for quickly.
_YEAR_RANGE = re.compile(r"(20\d\d)(?<!\w20\d\d)\s*[-/]\s*(?:20)?(\d\d)\b")
_HEADING_MAX_WORDS = 12
_DIGIT = re.compile(r"\d")


def parse_number(text: str, integer: bool) -> Number | None:
    """A figure as written: digits (with thousands commas), decimals or words.

    Counts are parsed as integers, never through floating point; a count written with
    a fraction is not a count (None). Values are bounded by the patterns (at most 12
    digits), so nothing overflows.
    """
    cleaned = text.replace(",", "").strip().lower()
    if not cleaned:
        return None
    if cleaned[0].isalpha():
        return _in_words(cleaned)
    whole, _, fraction = cleaned.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        return None
    if not fraction or int(fraction) == 0:
        return int(whole)
    if integer:
        return None
    return float(cleaned)


def _in_words(text: str) -> int | None:
    if text in _WORDS:
        return _WORDS[text]
    tens, _, units = text.partition("-")
    if tens in _TENS and (not units or 0 < _WORDS.get(units, 0) < 10):
        return _TENS[tens] + (_WORDS[units] if units else 0)
    return None


def _compact_plain(text: str) -> str:
    """Runs of spaces as one space, runs of blank lines as one blank line (linear)."""
    lines = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", lines)


_BLANK_LINES = re.compile(r"\n\n\n+")


def detect_layout(text: str, wording: Wording | None = None) -> LayoutSpec | None:
    wording = wording or statistics_wording()
    compact = _compact_plain(text)
    for layout in wording.layouts:
        if all(p.search(compact) for p in layout.detect):
            return layout
    return None


# --- the compact statistics section ---------------------------------------------------


@dataclass
class _Row:
    table: int
    header: bool
    #: compact (start, end) of each cell
    cells: list[tuple[int, int]]


_WORD = re.compile(r"\S+")


@dataclass
class _Section:
    text: str
    #: compact start of each line, and the normalised (start, end) of its cells
    line_starts: list[int]
    pieces: list[list[tuple[int, int]]]
    rows: dict[int, _Row]  # by the compact offset of the row's line
    source: str  # the normalised text
    _words: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)

    def norm(self, offset: int) -> int:
        """The normalised offset of a compact offset (worked out for one line at a time,
        and only for lines where a figure was found)."""
        i = bisect_right(self.line_starts, offset) - 1
        if i < 0:
            return 0
        if i not in self._words:
            self._words[i] = self._map_line(i)
        starts, norm_starts = self._words[i]
        k = bisect_right(starts, offset) - 1
        if k < 0:
            return self.pieces[i][0][0]
        return norm_starts[k] + (offset - starts[k])

    def _map_line(self, i: int) -> tuple[list[int], list[int]]:
        """Where each word of line ``i`` starts, in the compact and the normalised text."""
        starts: list[int] = []
        norm_starts: list[int] = []
        pos = self.line_starts[i]
        if len(self.pieces[i]) == 1:
            # Mostly the line is already compact (normalising left single spaces).
            a, b = self.pieces[i][0]
            raw = self.source[a:b]
            stripped = raw.strip()
            end = self.line_starts[i + 1] if i + 1 < len(self.line_starts) else len(self.text)
            if self.text.startswith(stripped, pos) and end - pos >= len(stripped):
                return [pos], [a + len(raw) - len(raw.lstrip())]
        for k, (a, b) in enumerate(self.pieces[i]):
            pos += 1 if k else 0  # the tab between cells
            for n, word in enumerate(_WORD.finditer(self.source, a, b)):
                pos += 1 if n else 0  # the space between words
                starts.append(pos)
                norm_starts.append(word.start())
                pos += word.end() - word.start()
        return starts, norm_starts


class _SectionBuilder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.length = 0
        self.line_starts: list[int] = []
        self.pieces: list[list[tuple[int, int]]] = []
        self.blank = False
        self.rows: dict[int, _Row] = {}

    def line(self, cells: list[tuple[int, int]], table: int, header: bool) -> None:
        """One line of the section: words one space apart, cells one tab apart."""
        if self.length:
            separator = "\n\n" if self.blank else "\n"
            self.parts.append(separator)
            self.length += len(separator)
        self.blank = False
        self.line_starts.append(self.length)
        self.pieces.append(cells)
        texts = [" ".join(self.source[a:b].split()) for a, b in cells]
        if len(cells) > 1:
            row = _Row(table, header, [])
            self.rows[self.length] = row
            start = self.length
            for cell in texts:
                row.cells.append((start, start + len(cell)))
                start += len(cell) + 1
        line = "\t".join(texts)
        self.parts.append(line)
        self.length += len(line)


_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _section(norm: NormalisedText, ranges: list[tuple[int, int]], quick: bool = True) -> _Section:
    text = norm.text
    # Rows whose cells are one line each, by where their first word starts.
    html_rows = {
        _first_word(text, *r.cells[0]): r
        for r in norm.tables.rows
        if len(r.cells) > 1 and all("\n" not in text[a:b].strip() for a, b in r.cells)
    }
    breaks = norm.tables.cell_breaks
    if quick and not html_rows and not breaks and "|" not in text:
        return _plain_section(text, ranges)
    out = _SectionBuilder(text)
    table_id = -1  # tables of text lines (Markdown pipes, tabs) get negative ids
    last_table_line = -2
    line_no = 0
    for start, stop in ranges:
        pos = start
        while pos < stop:
            end = text.find("\n", pos, stop)
            end = stop if end < 0 else end
            line_no += 1
            stripped = text[pos:end].strip()
            if not stripped:
                out.blank = True
                pos = end + 1
                continue
            first = pos + len(text[pos:end]) - len(text[pos:end].lstrip())
            html_row = html_rows.get(first)
            if html_row is not None and html_row.cells[-1][1] <= stop:
                out.line(html_row.cells, html_row.table, html_row.header)
                after = text.find("\n", html_row.cells[-1][1], stop)
                pos = (stop if after < 0 else after) + 1
                continue
            cells = _text_cells(text, pos, end, stripped, breaks)
            if len(cells) > 1 or stripped.startswith("|"):
                if _MD_SEPARATOR.match(stripped):
                    # The row above was the header: nothing to read in the rule itself.
                    last_table_line = line_no
                    pos = end + 1
                    continue
                if line_no != last_table_line + 1:
                    table_id -= 1
                last_table_line = line_no
                out.line(cells, table_id, header=False)
                after = text.find("\n", end + 1, stop)
                if _MD_SEPARATOR.match(text[end + 1 : stop if after < 0 else after] or "x"):
                    out.rows[max(out.rows)].header = True
            else:
                out.line([(pos, end)], 0, False)
            pos = end + 1
    return _Section("".join(out.parts), out.line_starts, out.pieces, out.rows, text)


def _plain_section(text: str, ranges: list[tuple[int, int]]) -> _Section:
    """The section of a text with no table (what :func:`_section` makes of it, each
    line one cell, built without its per-line bookkeeping)."""
    parts: list[str] = []
    line_starts: list[int] = []
    pieces: list[list[tuple[int, int]]] = []
    length = 0
    blank = False
    for start, stop in ranges:
        pos = start
        for raw in text[start:stop].split("\n"):
            if pos >= stop:
                break  # the range ends with a line break: no line after it
            end = pos + len(raw)
            words = raw.split()
            if not words:
                blank = True
            else:
                if length:
                    separator = "\n\n" if blank else "\n"
                    parts.append(separator)
                    length += len(separator)
                blank = False
                line_starts.append(length)
                pieces.append([(pos, end)])
                line = " ".join(words)
                parts.append(line)
                length += len(line)
            pos = end + 1
    return _Section("".join(parts), line_starts, pieces, {}, text)


def _first_word(text: str, a: int, b: int) -> int:
    return a + len(text[a:b]) - len(text[a:b].lstrip())


def _text_cells(
    text: str, pos: int, end: int, stripped: str, breaks: list[int]
) -> list[tuple[int, int]]:
    """A line's cells: Markdown pipes, or the tabs normalisation turned into spaces."""
    if stripped.startswith("|"):
        cells: list[tuple[int, int]] = []
        cell_start = text.index("|", pos) + 1
        while cell_start <= end:
            bar = text.find("|", cell_start, end)
            cell_end = end if bar < 0 else bar
            if text[cell_start:cell_end].strip() or bar >= 0:
                cells.append((cell_start, cell_end))
            if bar < 0:
                break
            cell_start = bar + 1
        # "| a | b |" ends with an empty cell after the last bar.
        while cells and not text[cells[-1][0] : cells[-1][1]].strip():
            cells.pop()
        return cells or [(pos, end)]
    i = bisect_right(breaks, pos)
    cuts = []
    while i < len(breaks) and breaks[i] < end:
        cuts.append(breaks[i])
        i += 1
    if not cuts:
        return [(pos, end)]
    bounds = [pos, *cuts, end]
    cells = [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]
    words = any(" " in text[a:b].strip() for a, b in cells)
    figure = any(_NUMBER_CELL.fullmatch(text[a:b].strip()) for a, b in cells)
    if not words and not (figure and len(cells) <= 4):
        # Tabs between single words are spacing (justified text), not a table.
        return [(pos, end)]
    return cells


# --- one pass of all the wording --------------------------------------------------------


@dataclass(frozen=True)
class _Alternative:
    kind: str  # "status" or "figure"
    index: int
    groups: tuple[str, ...]  # the value groups of a figure


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern[str]
    alternatives: dict[str, _Alternative]
    headings: tuple[tuple[str, re.Pattern[str]], ...]


_MATCHERS: dict[int, _Matcher] = {}


def _matcher(wording: Wording) -> _Matcher:
    """All status and figure patterns as one expression, each ending with an empty group
    named after it (see :func:`_build_matcher`).

    The guard in front skips the inside of words and numbers cheaply. Sentences do not
    overlap (the one sentence stating two figures is one pattern with two groups).
    """
    cached = _MATCHERS.get(id(wording))
    if cached is None:
        cached = _MATCHERS[id(wording)] = _build_matcher(wording)
    return cached


#: The characters an ASCII letter matches when case is ignored, besides its own two
#: (tests/test_statistics_matcher.py checks this against every code point).
CASE_EXTRA = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def letter_class(letter: str) -> str:
    """The characters ``letter`` matches ignoring case, as a class that does not."""
    return f"(?-i:[{letter.lower()}{letter.upper()}{CASE_EXTRA.get(letter.lower(), '')}])"


def _opens_with_letter(source: str) -> bool:
    """Whether a pattern starts with a plain letter, as written (``We investigated``)."""
    first = source[:1]
    if _sre_parser is None or not (first.isascii() and first.isalpha()):
        return False
    if source[1:2] in ("", "?", "*", "+", "{"):
        return False
    try:
        items = _sre_parser.parse(source, FLAGS)
    except Exception:  # the whole expression's compile reports it
        return False
    return len(items) > 1 and items[0] == (_sre.LITERAL, ord(first))


def _build_matcher(wording: Wording, guards: bool = True) -> _Matcher:
    """All status and figure patterns as one expression.

    Each alternative ends with an empty group, ``a<n>``, which says which one matched
    (the last group a match closes); its value groups are ``a<n>_<group>``. Python's
    engine tries each alternative in turn where a match may start, and skips one at
    once only if it opens with a character or class matched with case: so, with
    ``guards``, an alternative that opens with a letter opens with the class of the
    characters that letter matches in any case instead, and any other behind a
    lookahead of its own first characters, worked out from the pattern (the same
    matches in less time; without ``guards``, the plain alternation the tests compare).
    """
    parts: list[str] = []
    alternatives: dict[str, _Alternative] = {}
    entries: list[tuple[str, int, re.Pattern[str], tuple[str, ...]]] = []
    for i, status in enumerate(wording.statuses):
        entries.extend(("status", i, p, ()) for p in status.patterns)
    for i, figure in enumerate(wording.figures):
        groups = tuple(g for g, _ in figure.sets) or ("value",)
        entries.extend(("figure", i, p, groups) for p in figure.patterns)
    for n, (kind, index, pattern, groups) in enumerate(entries):
        source = pattern.pattern
        for group in groups:
            source = source.replace(f"(?P<{group}>", f"(?P<a{n}_{group}>")
        if guards and _opens_with_letter(source):
            source = letter_class(source[0]) + source[1:]
        else:
            chars = first_chars(pattern.pattern) if guards else None
            source = (f"(?={chars})" if chars else "") + f"(?:{source})"
        parts.append(f"{source}(?P<a{n}>)")
        alternatives[f"a{n}"] = _Alternative(kind, index, groups)
    combined = re.compile(r"(?<![\w%.,])(?:" + "|".join(parts) + ")", FLAGS)
    headings = tuple(
        (h.block, re.compile("|".join(f"(?:{p.pattern})" for p in h.patterns), FLAGS))
        for h in wording.headings
    )
    return _Matcher(combined, alternatives, headings)


# --- whose figures --------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    block: str
    field: str
    value: Number
    span: Span


@dataclass
class _Region:
    """The walk's state: which block the lines belong to, or whose box they are in."""

    block: str | None = ""  # "" before any block; None under a heading not known
    unknown_heading: str = ""
    foreign: str | None = None  # the heading of a national or other-year box
    foreign_mode: str = ""  # "pending" (no line yet), "flat" or "structured"
    foreign_blocks: set[str] = field(default_factory=set)


@dataclass
class _Reading:
    found: list[_Found] = field(default_factory=list)
    #: block.field -> why a figure that was there was not taken
    set_aside: dict[str, str] = field(default_factory=dict)
    headings: dict[str, Span] = field(default_factory=dict)
    statuses: dict[str, tuple[str, Span, tuple[tuple[str, int], ...]]] = field(default_factory=dict)
    block_text: dict[str, list[str]] = field(default_factory=dict)


def _heading_like(line: str) -> bool:
    return (
        bool(line)
        and line[0].isupper()
        and "\t" not in line
        and not line.rstrip().endswith((".", ",", ";"))
        and len(line.split()) <= _HEADING_MAX_WORDS
        and not _DIGIT.search(line)
    )


def _foreign_cue(text: str, wording: Wording, review_year: str | None) -> re.Match[str] | None:
    assert wording.foreign is not None
    cue = wording.foreign.search(text)
    if cue:
        return cue
    for year in _YEAR_RANGE.finditer(text):
        if review_year is None or f"{year[1]}-{year[2]}" != review_year:
            return year
    return None


_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n\n|\t")


@dataclass
class _Cues:
    """Sentence bounds, foreign cues and numbers of a section, each found in one pass."""

    cuts: list[int]
    cues: list[tuple[int, int, str]]
    cue_starts: list[int]
    numbers: list[tuple[int, int]]
    number_starts: list[int]

    @classmethod
    def of(
        cls, text: str, lines: list[tuple[int, int]], wording: Wording, year: str | None
    ) -> _Cues:
        assert wording.foreign is not None
        cues = [(m.start(), m.end(), m.group()) for m in wording.foreign.finditer(text)]
        years = list(_YEAR_RANGE.finditer(text))
        cues += [(m.start(), m.end(), m.group()) for m in years if f"{m[1]}-{m[2]}" != year]
        if not cues:
            return cls([], [], [], [], [])  # nothing is claimed: no bounds needed
        cues.sort()
        # A sentence ends at a full stop, a blank line or a cell, and at a heading's
        # edges (a sentence wrapped over lines in a PDF goes on; a heading does not).
        cuts = [
            m.start() + 1 if m.group() in ".!?" else m.start() for m in _SENTENCE_END.finditer(text)
        ]
        for start, end in lines:
            if _heading_like(text[start:end]) or text[start:end].endswith(":"):
                cuts += [start, end]
        year_starts = {m.start() for m in years}
        numbers = [
            (m.start(), m.end())
            for m in _NUMBER_TOKEN.finditer(text)
            if m.start() not in year_starts
        ]
        return cls(sorted(cuts), cues, [c[0] for c in cues], numbers, [n[0] for n in numbers])

    def claimed(self, a: int, b: int) -> str | None:
        """The cue ("last year", "nationally", "2022-23") whose nearest number is [a, b).

        A cue that opens the sentence sets aside all its figures ("Last year, 55% ...");
        a cue later on, only the figure it is nearest to ("60% ... (last year: 55%)"
        keeps the 60).
        """
        i = bisect_right(self.cuts, a) - 1
        lo = max(self.cuts[i] if i >= 0 else 0, a - 400)
        j = bisect_left(self.cuts, b)
        hi = min(self.cuts[j] if j < len(self.cuts) else b + 400, b + 400)
        first = bisect_left(self.cue_starts, lo)
        last = bisect_left(self.cue_starts, hi)
        if first == last:
            return None
        numbers = self.numbers[
            bisect_left(self.number_starts, lo) : bisect_left(self.number_starts, hi)
        ]
        for c_start, c_end, cue in self.cues[first:last]:
            if not numbers or c_start < numbers[0][0]:
                # "Across England, 81% ... and 97% ...": a cue that opens the sentence
                # is about all of it.
                return cue
            nearest = min(
                numbers,
                key=lambda n: (n[0] - c_end if n[0] >= c_end else c_start - n[1], n[0] < c_start),
            )
            if nearest[0] <= a < nearest[1] or a <= nearest[0] < b:
                return cue
        return None


def extract_statistics(
    norm: NormalisedText,
    layout: LayoutSpec | None,
    body: tuple[int, int] | None,
    review_year: str | None = None,
) -> tuple[Statistics, list[Problem]]:
    """The statistics blocks; ``body`` is the letter's prose, where figures are not taken."""
    wording = statistics_wording()
    text = norm.text
    ranges = [(0, body[0]), (body[1], len(text))] if body else [(0, len(text))]
    section = _section(norm, ranges)
    reading = _read_section(norm, section, wording, review_year)
    return _assemble(norm, layout, reading)


def _span(norm: NormalisedText, section: _Section, a: int, b: int) -> Span:
    return norm.span(section.norm(a), section.norm(max(a, b - 1)) + 1)


def _read_section(
    norm: NormalisedText, section: _Section, wording: Wording, review_year: str | None
) -> _Reading:
    text = section.text
    matcher = _matcher(wording)
    reading = _Reading()
    # Matches by line: the walk decides whose each one is.
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    line_ends = [*(i - 1 for i in line_starts[1:]), len(text)]
    cues = _Cues.of(text, list(zip(line_starts, line_ends, strict=True)), wording, review_year)
    headers = _headers(section)
    by_line: dict[int, list[re.Match[str]]] = {}
    for m in matcher.pattern.finditer(text):
        # A match may start with the blank line above its first word.
        first = m.start() + len(m.group()) - len(m.group().lstrip())
        by_line.setdefault(bisect_right(line_starts, first) - 1, []).append(m)

    region = _Region()
    heading_end = -1
    for n, start in enumerate(line_starts):
        end = line_starts[n + 1] - 1 if n + 1 < len(line_starts) else len(text)
        line = text[start:end]
        if not line or start < heading_end:
            continue  # a blank line, or the rest of a heading wrapped over lines
        matches = by_line.get(n, [])
        if not matches:
            known = _known_heading(text, start, matcher)
            if known is not None:
                block, heading_end = known
                _enter_block(block, region)
                _note_span(norm, section, reading, region, start, heading_end)
                continue
            alone = (n == 0 or not text[line_starts[n - 1] : start - 1]) and (
                end >= len(text) or text[end + 1 : end + 2] == "\n"
            )
            if _heading_like(line) and _walk_heading(line, alone, region, wording):
                continue
        if region.foreign_mode == "pending":
            region.foreign_mode = "flat"
        if region.block and not region.foreign:
            reading.block_text.setdefault(region.block, []).append(line)
        block_before = region.block
        row = section.rows.get(start)
        for m in matches:
            _take(norm, section, m, region, reading, wording, matcher, cues)
            if row is not None and region.block != block_before:
                # A table row is read in the block it stands in; it does not move it.
                region.block = block_before
        if row is not None and not matches:
            header = headers.get(row.table)
            _take_row(norm, section, row, header, region, reading, wording, review_year)
    return reading


def _known_heading(text: str, start: int, matcher: _Matcher) -> tuple[str, int] | None:
    """A block heading starting here (it may wrap over lines): its block and end."""
    for block, pattern in matcher.headings:
        m = pattern.match(text, start)
        if m:
            return block, m.end()
    return None


_LETTER_ORDER = {"overview": 0, "upheld": 1, "compliance": 2, "remedy": 3}


def _enter_block(block: str, region: _Region) -> None:
    """A block heading. In a box that opened with a block heading, the box's own blocks
    follow in the letter's order; a heading that goes back (or repeats) starts the
    body's own figures again."""
    if region.foreign:
        if region.foreign_mode == "pending":
            region.foreign_mode = "structured"
        order = _LETTER_ORDER.get(block, 0)
        if region.foreign_mode == "structured" and all(
            order > _LETTER_ORDER.get(seen, 0) for seen in region.foreign_blocks
        ):
            region.foreign_blocks.add(block)
            return
        region.foreign = None
    region.block = block


def _note_span(
    norm: NormalisedText,
    section: _Section,
    reading: _Reading,
    region: _Region,
    start: int,
    end: int,
) -> None:
    if region.block and not region.foreign and region.block not in reading.headings:
        reading.headings[region.block] = _span(norm, section, start, end)


def _walk_heading(line: str, alone: bool, region: _Region, wording: Wording) -> bool:
    """Move the walk on at a heading that is not a block's; False if the line is not one.

    A heading lgo-check does not know only counts as one when it stands alone (a line
    wrapped out of a PDF's heading or sentence does not); a national or other-year
    heading counts if it speaks of figures, or is a short line standing alone ("the
    Commission for Local Administration in England" under the signature is neither).
    """
    assert wording.own is not None and wording.foreign is not None
    assert wording.box is not None
    short = alone and len(line.split()) <= 3
    if wording.foreign.search(line) and (short or wording.box.search(line)):
        region.foreign = line
        region.foreign_mode = "pending"
        region.foreign_blocks = set()
        return True
    if wording.own.search(line):
        region.foreign = None
        return True
    if alone and region.block != "" and not region.foreign:
        region.block = None
        region.unknown_heading = line
        return True
    return False


def _aside(region: _Region) -> str | None:
    if region.foreign:
        return f'it is only stated under "{region.foreign}", which is not the body\'s own figures'
    if region.block is None:
        return (
            f'it is only stated under "{region.unknown_heading}", a heading lgo-check does not know'
        )
    return None


def _take(
    norm: NormalisedText,
    section: _Section,
    m: re.Match[str],
    region: _Region,
    reading: _Reading,
    wording: Wording,
    matcher: _Matcher,
    cues: _Cues,
) -> None:
    name = m.lastgroup
    alternative = matcher.alternatives.get(name or "")
    if alternative is None or name is None:
        return
    text = section.text
    aside = _aside(region)
    if alternative.kind == "status":
        status = wording.statuses[alternative.index]
        if aside is None:
            reading.statuses.setdefault(
                status.block,
                (status.status, _span(norm, section, m.start(), m.end()), status.sets),
            )
            region.block = status.block
        return
    figure: FigureSpec = wording.figures[alternative.index]
    here = region.block or ""
    targets: list[tuple[str, tuple[tuple[str, str], ...]]] = (
        list(figure.sets)
        if figure.sets
        else [("value", ((here, dict(figure.regional).get(here, "")),))]
    )
    taken = False
    for group, paths in targets:
        key = f"{name}_{group}"
        if m.start(key) < 0:
            continue
        a, b = m.start(key), m.end(key)
        paths = tuple((blk, fld) for blk, fld in paths if blk and fld)
        if not paths:
            continue
        cue = cues.claimed(a, b)
        why = aside or (f'it is stated beside "{cue}", not as the body\'s own' if cue else None)
        if why:
            for blk, fld in paths:
                reading.set_aside.setdefault(f"{blk}.{fld}", why)
            continue
        taken = True
        span = _span(norm, section, a, b)
        for blk, fld in paths:
            value = parse_number(text[a:b], fld in COUNT_FIELDS)
            if value is None:
                reading.set_aside.setdefault(f"{blk}.{fld}", f'"{text[a:b]}" is not a whole number')
                continue
            reading.found.append(_Found(blk, fld, value, span))
    if figure.sets and taken and figure.marks:
        region.block = figure.sets[0][1][0][0]


def _take_row(
    norm: NormalisedText,
    section: _Section,
    row: _Row,
    header: _Row | None,
    region: _Region,
    reading: _Reading,
    wording: Wording,
    review_year: str | None,
) -> None:
    """A table row: its label cell says which figure, its column whose."""
    if row is header:
        return
    text = section.text
    aside = _aside(region)
    cells = [(a, b, text[a:b]) for a, b in row.cells]
    label_cells = [(a, b, c) for a, b, c in cells if c and not _NUMBER_CELL.fullmatch(c)]
    value_cells = [(i, a, b, c) for i, (a, b, c) in enumerate(cells) if _NUMBER_CELL.fullmatch(c)]
    if len(label_cells) != 1 or not value_cells:
        return
    label = label_cells[0][2].strip(" :").rstrip("()%").strip()
    if header is None and len(value_cells) > 1:
        return  # several figures and no column headings: whose is which is unknown
    for column, a, _, cell in value_cells:
        found = _NUMBER_CELL.fullmatch(cell)
        assert found is not None
        unit = "pct" if found["pct"] else "number"
        owner = "own"
        if header is not None:
            heading = (
                text[header.cells[column][0] : header.cells[column][1]]
                if column < len(header.cells)
                else ""
            )
            owner = _column_owner(heading, wording, review_year)
        targets = _label_targets(label, unit, region, wording)
        if owner == "peer":
            targets = [(blk, _PEER_OF.get(fld, "")) for blk, fld in targets]
            targets = [(blk, fld) for blk, fld in targets if fld]
        if not targets:
            continue
        cue = _foreign_cue(label, wording, review_year)
        why = aside
        if why is None and cue:
            why = f'the row is labelled "{label}", not the body\'s own'
        if why is None and owner not in ("own", "peer"):
            why = f'its table column is headed "{owner}", not the body\'s own'
        if why:
            for blk, fld in targets:
                reading.set_aside.setdefault(f"{blk}.{fld}", why)
            continue
        span = _span(norm, section, a + found.start("value"), a + found.end("value"))
        for blk, fld in targets:
            value = parse_number(found["value"], fld in COUNT_FIELDS)
            if value is None:
                reading.set_aside.setdefault(f"{blk}.{fld}", f'"{cell}" is not a whole number')
                continue
            reading.found.append(_Found(blk, fld, value, span))


def _headers(section: _Section) -> dict[int, _Row]:
    """Each table's header row: a row marked as one, else a first row with no figure."""
    headers: dict[int, _Row] = {}
    firsts: dict[int, _Row] = {}
    for row in section.rows.values():
        has_figure = any(_NUMBER_CELL.fullmatch(section.text[a:b]) for a, b in row.cells)
        if row.header and not has_figure:
            headers.setdefault(row.table, row)
        firsts.setdefault(row.table, row)
    for table, row in firsts.items():
        if table not in headers and not any(
            _NUMBER_CELL.fullmatch(section.text[a:b]) for a, b in row.cells
        ):
            headers[table] = row
    return headers


def _column_owner(heading: str, wording: Wording, review_year: str | None) -> str:
    """ "own", "peer", or the heading itself (a column lgo-check will not read)."""
    assert wording.own_column is not None and wording.peer_column is not None
    cleaned = heading.strip(" :")
    if review_year and re.fullmatch(rf"{re.escape(review_year)}|20{review_year[-2:]}", cleaned):
        return "own"
    if _foreign_cue(cleaned, wording, review_year):
        return cleaned
    if wording.peer_column.fullmatch(cleaned):
        return "peer"
    if wording.own_column.fullmatch(cleaned):
        return "own"
    return cleaned or "(no heading)"


def _label_targets(
    label: str, unit: str, region: _Region, wording: Wording
) -> list[tuple[str, str]]:
    """The block.field a row label names; a label several blocks share goes to the
    block the row stands in, and to none if that is not one of them."""
    for spec in wording.labels:
        if spec.unit != unit or not spec.pattern.fullmatch(label):
            continue
        blocks = {blk for blk, _ in spec.fields}
        if len(blocks) == 1:
            return list(spec.fields)
        here = [(blk, fld) for blk, fld in spec.fields if blk == region.block]
        if here:
            return here
        if {"upheld", "overview"} == blocks:
            # "Investigated" states both the overview count and the upheld base.
            return list(spec.fields)
        return []
    return []


# --- the blocks -------------------------------------------------------------------------


_HEADLINE = {"upheld": "rate_pct", "compliance": "rate_pct", "remedy": "rate_pct"}
_BLOCK_ORDER = ("upheld", "compliance", "remedy")


def _assemble(
    norm: NormalisedText, layout: LayoutSpec | None, reading: _Reading
) -> tuple[Statistics, list[Problem]]:
    wanted = layout.blocks if layout else _BLOCK_ORDER
    stats = Statistics(overview=OverviewBlock() if "overview" in wanted else None)
    blocks: dict[str, Block] = {
        "upheld": stats.upheld,
        "compliance": stats.compliance,
        "remedy": stats.remedy,
    }
    if stats.overview is not None:
        blocks["overview"] = stats.overview
    problems: list[Problem] = []
    stated_twice: set[str] = set()
    for name, block in blocks.items():
        values: dict[str, list[_Found]] = {}
        for item in reading.found:
            if item.block == name:
                values.setdefault(item.field, []).append(item)
        for fld, items in values.items():
            distinct = {item.value for item in items}
            if len(distinct) > 1:
                shown = " and ".join(str(v) for v in sorted(distinct))
                stated_twice.add(f"{name}.{fld}")
                problems.append(
                    Problem(
                        field=f"{name}.{fld}",
                        reason=f"the letter states it more than once, as {shown}",
                        span=items[1].span,
                    )
                )
                continue
            setattr(block, fld, items[0].value)
            block.spans[fld] = items[0].span
        if name in reading.headings:
            block.spans["heading"] = reading.headings[name]
        block.status = _status(name, block, values, reading.statuses)
        if block.status != Status.reported and name in reading.statuses:
            _, span, sets = reading.statuses[name]
            block.spans["status"] = span
            for fld, value in sets:
                setattr(block, fld, value)
                block.spans[fld] = span
        if block.status == Status.reported:
            problems.extend(_gaps(name, block, layout, reading, stated_twice))
    return stats, problems


_DEFAULT_EXPECTS = {
    "upheld": ("rate_pct", "peer_average_pct", "investigations"),
    "compliance": ("rate_pct", "peer_average_pct", "outcomes"),
    "remedy": ("rate_pct", "peer_average_pct", "upheld_base"),
}


def _gaps(
    name: str,
    block: Block,
    layout: LayoutSpec | None,
    reading: _Reading,
    stated_twice: set[str],
) -> list[Problem]:
    """A Problem for each figure a reported block should state but that is empty."""
    if layout is not None:
        expected = layout.expects.get(name, ())
    else:
        expected = tuple((f, None) for f in _DEFAULT_EXPECTS.get(name, ()))
    text = "\n".join(reading.block_text.get(name, ()))
    problems = []
    for fld, cue in expected:
        path = f"{name}.{fld}"
        if getattr(block, fld, None) is not None or path in stated_twice:
            continue
        if cue is not None and not cue.search(text) and path not in reading.set_aside:
            continue  # the block does not mention it: this body has no such figure
        reason = reading.set_aside.get(path) or (
            "the statistics do not state it in any wording lgo-check knows"
        )
        problems.append(Problem(field=path, reason=reason, span=block.spans.get("heading")))
    return problems


def _status(
    name: str,
    block: Block,
    values: dict[str, list[_Found]],
    statuses: dict[str, tuple[str, Span, tuple[tuple[str, int], ...]]],
) -> Status:
    headline = _HEADLINE.get(name)
    has_headline = headline is not None and getattr(block, headline) is not None
    if name == "overview":
        has_headline = any(getattr(block, f) is not None for f in ("dealt_with", "investigated"))
    if has_headline:
        return Status.reported
    if name in statuses:
        return Status(statuses[name][0])
    if values:
        # Some figures but not the headline rate: report what is there, the rest stays null.
        return Status.reported
    return Status.missing
