"""Quick paths of the statistics reading give what the slow ones give.

The first-character guards put in front of the wording patterns change no match.
``first_chars`` says which characters a match can start with; ``guarded`` puts that
in a lookahead so the engine skips other positions quickly. A wrong class would
silently lose a figure, so the property is checked on every pattern of the layout
file, on the letters of the tests and examples and on generated text. The section of
a letter without tables, built in one pass, is the one the general builder makes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lgo_check.extract.layout import (
    FLAGS,
    MetadataFile,
    StatisticsFile,
    _read,
    first_chars,
    guarded,
    metadata_wording,
    statistics_wording,
)
from lgo_check.extract.statistics import _build_matcher, _section
from lgo_check.load.text import decode
from lgo_check.model import Source
from lgo_check.normalise import (
    _TOKEN,
    _TOKEN_FLAGS,
    _TOKEN_KINDS,
    _TOKEN_START,
    NormalisedText,
    normalise,
)

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    decode(p.read_bytes())
    for folder in ("examples", "tests/letters", "tests/drift")
    for p in sorted((ROOT / folder).iterdir())
    if p.suffix in (".txt", ".md", ".html")
]


def _patterns() -> list[re.Pattern[str]]:
    wording = statistics_wording()
    found = [p for layout in wording.layouts for p in layout.detect]
    found += [p for status in wording.statuses for p in status.patterns]
    found += [p for figure in wording.figures for p in figure.patterns]
    found += [p for heading in wording.headings for p in heading.patterns]
    found += [w for w in (wording.foreign, wording.own, wording.box) if w is not None]
    return found


PATTERNS = _patterns()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("abc", "[a]"),
        (r"\d+ of", r"[\d]"),
        (r"(?<![\w%.,])(?:upheld|compliance)", "[cu]"),
        (r"^\s*Complaint overview", r"[C\s]"),
        (r"(?:a|)b", "[ab]"),
        (r"[\]\-^x]y", r"[\-\]\^x]"),
        ("a?", None),  # may match nothing: no guard
        (".x", None),  # any character
        ("[^a]x", None),
        ("(?-i:a)b", None),  # its own flags: not analysed
    ],
)
def test_first_chars(source: str, expected: str | None) -> None:
    assert first_chars(source) == expected


def test_every_wording_pattern_has_a_guard() -> None:
    """The guards are there (else they would save nothing), except where a match may
    start anywhere."""
    unguarded = [p.pattern for p in PATTERNS if first_chars(p.pattern) is None]
    assert unguarded == []


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:40])
def test_a_match_starts_with_one_of_its_first_characters(pattern: re.Pattern[str]) -> None:
    chars = first_chars(pattern.pattern)
    assert chars is not None
    first = re.compile(chars, FLAGS)
    # Every position where the pattern matches (overlapping ones too).
    anywhere = re.compile(f"(?=(?:{pattern.pattern}))", FLAGS)
    for text in TEXTS:
        for m in anywhere.finditer(text):
            assert first.match(text, m.start()), (pattern.pattern, text[m.start() :][:60])
    guard = re.compile(guarded(pattern.pattern), FLAGS)
    for text in TEXTS:
        assert [m.span() for m in guard.finditer(text)] == [
            m.span() for m in pattern.finditer(text)
        ]


def _same_matches(a: re.Pattern[str], b: re.Pattern[str], text: str) -> None:
    assert [(m.span(), m.lastgroup, m.groupdict()) for m in a.finditer(text)] == [
        (m.span(), m.lastgroup, m.groupdict()) for m in b.finditer(text)
    ]


def test_the_combined_matcher_matches_as_without_guards() -> None:
    wording = statistics_wording()
    with_guards = _build_matcher(wording).pattern
    assert "(?=[" in with_guards.pattern
    without = _build_matcher(wording, guards=False).pattern
    for text in TEXTS:
        _same_matches(with_guards, without, text)


WORDS = ["12", "3.5", "%", "per cent", "nine", "Twenty-one", "upheld", "complaints", "the",
         "Council", "In", "of", "cases", "we", "were", "satisfied", "\n", " ", "\t", ",", ".",
         "England", "last year", "100,000", "residents", "\u0130", "K", "\u017f", "\u212a", "\u00e9"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=60).map("".join))
def test_guards_change_no_match_on_generated_text(text: str) -> None:
    wording = statistics_wording()
    _same_matches(_build_matcher(wording).pattern, _build_matcher(wording, False).pattern, text)
    for pattern in PATTERNS:
        guard = re.compile(guarded(pattern.pattern), FLAGS)
        assert [m.span() for m in guard.finditer(text)] == [
            m.span() for m in pattern.finditer(text)
        ]


def test_the_number_words_lookahead_holds_their_first_letters() -> None:
    """The "words" placeholder has a hand-written lookahead: it must list exactly the
    first letters of the words after it."""
    words = _read("statistics.toml", StatisticsFile).placeholders["words"]
    lookahead = re.match(r"\(\?=\[(\w+)\]\)", words)
    assert lookahead is not None
    rest = words[lookahead.end() :]
    assert first_chars(rest) == "[" + "".join(sorted(lookahead[1])) + "]"


# --- the section of a letter without tables, built the quick way --------------------


def _sections_agree(norm: NormalisedText, ranges: list[tuple[int, int]]) -> None:
    quick, full = _section(norm, ranges), _section(norm, ranges, quick=False)
    assert (quick.text, quick.line_starts, quick.pieces, quick.rows) == (
        full.text,
        full.line_starts,
        full.pieces,
        full.rows,
    )


def test_the_quick_section_is_the_section() -> None:
    quick_ones = 0
    for text in TEXTS:
        norm = normalise(Source(path="x.txt", format="text", text=text))
        if norm.tables.rows or norm.tables.cell_breaks or "|" in norm.text:
            continue
        quick_ones += 1
        middle = len(norm.text) // 2
        for ranges in ([(0, len(norm.text))], [(0, middle // 2), (middle, len(norm.text))]):
            _sections_agree(norm, ranges)
    assert quick_ones > 20


LINES = ["Upheld 5", "  two  words ", "", " ", "\t", "\r", "\u2028", "\x0b", "x\u00a0y", "end."]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(LINES), max_size=25).map("\n".join),
    st.lists(st.integers(min_value=0, max_value=200), max_size=4),
)
def test_the_quick_section_is_the_section_on_generated_text(text: str, cuts: list[int]) -> None:
    norm = normalise(Source(path="x.txt", format="text", text=text or "x"))
    bounds = sorted({min(c, len(norm.text)) for c in cuts} | {0, len(norm.text)})
    ranges = list(zip(bounds[::2], bounds[1::2], strict=False))
    if not (norm.tables.rows or norm.tables.cell_breaks or "|" in norm.text):
        _sections_agree(norm, ranges)


# --- the normaliser's token lookahead ------------------------------------------------

MARKUP = ["<p>", "</td>", " <br> ", "<!-- x -->", "&amp;", "&#163;", "[a](b)", "![i](j)", "# ",
          "## Head", "**", "__", "*", " * ", "_x_", "\t", "  ", " ", "\n", "\r\n", "\r", "\f",
          "\u00a0", "\u2003", "\u200b", "\u00ad", "\ufeff", "<https://x.y>", "<style>a</style>",
          "word", "12", "<", "#", "!", "&", "[", "x*y", " \n", "\n "]  # fmt: skip


def _token_starts_are_in_the_lookahead(text: str) -> None:
    every = re.compile(f"(?=(?:{_TOKEN_KINDS}))", _TOKEN_FLAGS)
    start = re.compile(_TOKEN_START, _TOKEN_FLAGS)
    for m in every.finditer(text):
        assert start.match(text, m.start()), repr(text[max(0, m.start() - 5) : m.start() + 10])
    plain = re.compile(_TOKEN_KINDS, _TOKEN_FLAGS)
    for begin in range(0, len(text), max(1, len(text) // 50)):
        a, b = _TOKEN.search(text, begin), plain.search(text, begin)
        assert (a and (a.span(), a.lastgroup)) == (b and (b.span(), b.lastgroup))


def test_the_token_lookahead_lets_every_token_through() -> None:
    for text in TEXTS:
        _token_starts_are_in_the_lookahead(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MARKUP), max_size=40).map("".join))
def test_the_token_lookahead_lets_every_token_through_generated(text: str) -> None:
    _token_starts_are_in_the_lookahead(text)


# --- page artefacts, all in one expression -------------------------------------------


def _separately(text: str) -> str:
    """What blanking with each page-artefact pattern in turn gives."""
    for p in _read("metadata.toml", MetadataFile).page_artefacts:
        pattern = re.compile(rf"^[ #*]*(?:{p})[ *]*$", FLAGS)
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def _blanked(text: str) -> str:
    norm = normalise(Source(path="x.txt", format="text", text=text), metadata_wording().artefacts)
    return norm.text


ARTEFACT_LINES = ["Page 3", "Page 2 of 9", " ** Page 4 ** ", "- 7 -", "-12-", "Appendix Two",
                  "Appendix E", "50 years 1974 - 2024", "Local Government & Social Care OMBUDSMAN",
                  "# Local Government and Social Care Ombudsman", "Page 3 text", "text Page 3",
                  "", "  ", "Upheld 5"]  # fmt: skip


def test_page_artefacts_in_one_expression_blank_what_each_did() -> None:
    assert len(metadata_wording().artefacts) == 1
    for text in TEXTS:
        plain = normalise(Source(path="x.txt", format="text", text=text)).text
        assert _blanked(text) == _separately(plain)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ARTEFACT_LINES), max_size=12).map("\n".join))
def test_page_artefacts_in_one_expression_generated(text: str) -> None:
    text = text or "x"
    plain = normalise(Source(path="x.txt", format="text", text=text)).text
    assert _blanked(text) == _separately(plain)


SKIPPED = ["By email", "by e-mail.", "Sent via email", "Private and confidential", "Our ref: AB/1",
           "To:", "from", "SW1A 1AA", "B1 1AA", "Dr Jane Smith", "Chief Executive", "To the Council",
           "Your reference", "Yours"]  # fmt: skip


def test_skip_lines_in_one_expression_skip_what_each_did() -> None:
    [combined] = metadata_wording().skip_lines
    each = [re.compile(p, FLAGS) for p in _read("metadata.toml", MetadataFile).skip_lines]
    for line in SKIPPED:
        assert bool(combined.match(line)) == any(p.match(line) for p in each), line
    assert sum(bool(combined.match(line)) for line in SKIPPED) >= 8
