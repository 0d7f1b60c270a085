"""Properties of the pipeline on mutated fixture letters and on arbitrary text.

The fixture letters in tests/letters/ are mutated the ways real letters arrive
(lines lost, doubled or reordered by a PDF conversion; Markdown and HTML left in
by an extraction; CRLF, tabs, trailing and non-breaking spaces; other encodings)
and run through the whole pipeline. Whatever the input, the pipeline must not
raise, must finish quickly, and every figure it reports must be in the original
file at the place it says.
"""

from __future__ import annotations

import codecs
import re
import string
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lgo_check.config import Config
from lgo_check.engine import Registry, build_registry, run
from lgo_check.extract.layout import metadata_wording
from lgo_check.load.text import decode
from lgo_check.model import FileReport, Letter, Source
from lgo_check.normalise import normalise

LETTERS = Path(__file__).resolve().parent / "letters"
FIXTURES = sorted([*LETTERS.glob("*.txt"), *LETTERS.glob("*.md")])
TEXTS = {path.name: decode(path.read_bytes()) for path in FIXTURES}
NAMES = sorted(TEXTS)
#: Letters with no markup characters and only ASCII: every character is copied as is.
PLAIN = [
    name for name in NAMES if TEXTS[name].isascii() and not re.search(r"[<>*&\[\]_#`]", TEXTS[name])
]
BLOCKS = ("upheld", "compliance", "remedy", "overview")
ARTEFACTS = metadata_wording().artefacts
LINE_BREAK = re.compile(r"\r\n|\r|\n|\f")  # what a line is, for Span.line
#: A run this long means a hang (a runaway regex, a loop), not a slow run: speed
#: targets live in benchmarks/, this only catches "never finishes".
HANG_SECONDS = 10.0

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- running the pipeline ----------------------------------------------------------------


@cache
def _registry() -> Registry:
    """The plugins, loaded once; and one run, so that lazy loading (spaCy) is not timed."""
    registry = build_registry(Config())
    assert not registry.errors, registry.errors
    result = run([FIXTURES[0]], Config(), registry)
    assert not result.errors, result.errors
    return registry


def run_file(name: str, data: bytes) -> tuple[FileReport, float]:
    """The whole pipeline (load, normalise, extract, rules) on one file; and its time."""
    suffix = Path(name).suffix
    registry = _registry()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"letter{suffix}"
        path.write_bytes(data)
        began = time.monotonic()
        result = run([path], Config(), registry)
        elapsed = time.monotonic() - began
    assert not result.errors, result.errors  # no rule or loader raised
    [report] = result.report.files
    return report, elapsed


def test_every_fixture_letter_is_read_and_its_spans_hold() -> None:
    for path in FIXTURES:
        report, _ = run_file(path.name, path.read_bytes())
        assert report.checked, report.error
        assert_spans_hold(report.letter, TEXTS[path.name])


def assert_spans_hold(letter: Letter | None, original: str) -> int:
    """Every statistics figure is in the original text at its span; returns how many."""
    assert letter is not None
    lines = LINE_BREAK.split(original)
    checked = 0
    for block_name in BLOCKS:
        block = getattr(letter.statistics, block_name)
        if block is None:
            continue
        status_span = block.spans.get("status")
        for field, span in block.spans.items():
            value = getattr(block, field, None)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue  # "heading", "status": places, not figures
            if span == status_span:
                continue  # set by a sentence such as "We carried out no investigations"
            where = f"{block_name}.{field}={value} at {span}"
            assert span.page is None, where
            assert span.line == span.end_line, where
            assert 1 <= span.line <= len(lines), where
            text = lines[span.line - 1][span.column - 1 : span.end_column - 1]
            try:
                parsed = float(text.replace(",", ""))
            except ValueError:
                raise AssertionError(f"{where}: the span holds {text!r}, not a number") from None
            assert parsed == value, f"{where}: the span holds {text!r}"
            checked += 1
    return checked


def facts(letter: Letter | None) -> dict[str, Any]:
    """What a letter says, without where it says it."""
    assert letter is not None
    data = letter.model_dump(mode="json", exclude={"spans", "concerns", "problems"})
    data["recipient"].pop("spans")
    for block in data["statistics"].values():
        if block is not None:
            block.pop("spans")
    data["problems"] = sorted(p.field for p in letter.problems)
    return data


@cache
def baseline(name: str) -> dict[str, Any]:
    report, _ = run_file(name, TEXTS[name].encode("utf-8"))
    return facts(report.letter)


# --- mutations -------------------------------------------------------------------------

WRAPS = [
    ("**", "**"),
    ("__", "__"),
    ("*", "*"),
    ("<u>", "</u>"),
    ("<b>", "</b>"),
    ("<p>", "</p>"),
    ("[", "](#)"),
    ('<span class="x">', "</span>"),
]
INSERTS = [
    *["**", "<p>", "</p>", "<u>", "</u>", "&amp;", "&nbsp;", "[x](#)", "#", "<br>", "<br/>"],
    *["\t", "<!-- note -->", "\u00ad", "\u200b"],
]
HEADINGS = ["# ", "## ", "### ", "**", "<h2>", "<td>", "<li>"]
SPACES = ["\t", "\u00a0", "  ", " \t ", "\u2009"]


def _word_boundaries(line: str) -> list[int]:
    """Places where markup can go without splitting a word: line ends and around spaces."""
    return sorted(
        {
            0,
            len(line),
            *(m.start() for m in re.finditer(r"\s", line)),
            *(m.end() for m in re.finditer(r"\s", line)),
        }
    )


@st.composite
def line_edits(draw: st.DrawFn, lines: list[str], markup: bool) -> list[str]:
    """Apply a few edits to ``lines`` (in place) and return a description of them."""
    done: list[str] = []
    kinds = ["drop", "duplicate", "swap", "move", "split", "join", "trailing", "leading", "spaces"]
    if markup:
        kinds += ["wrap", "insert", "heading"]
    for _ in range(draw(st.integers(0, 8))):
        if not lines:
            break
        kind = draw(st.sampled_from(kinds))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if kind == "drop":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, line)
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "move":
            lines.insert(j, lines.pop(i))
        elif kind == "split":  # a sentence wrapped onto the next line
            places = _word_boundaries(line)
            at = places[draw(st.integers(0, len(places) - 1))]
            lines[i : i + 1] = [line[:at], line[at:]]
        elif kind == "join" and i + 1 < len(lines):  # two lines run together
            lines[i : i + 2] = [line + draw(st.sampled_from([" ", "", "\t"])) + lines[i + 1]]
        elif kind == "trailing":
            lines[i] = line + draw(st.sampled_from([" ", "  ", "\t", "\u00a0", " \t"]))
        elif kind == "leading":
            lines[i] = draw(st.sampled_from([" ", "\t", "\u00a0"])) + line
        elif kind == "spaces":
            lines[i] = line.replace(" ", draw(st.sampled_from(SPACES)))
        elif kind == "wrap":
            words = list(re.finditer(r"\S+", line))
            if words:
                w = words[draw(st.integers(0, len(words) - 1))]
                left, right = draw(st.sampled_from(WRAPS))
                lines[i] = line[: w.start()] + left + w.group() + right + line[w.end() :]
        elif kind == "insert":
            places = _word_boundaries(line)
            at = places[draw(st.integers(0, len(places) - 1))]
            lines[i] = line[:at] + draw(st.sampled_from(INSERTS)) + line[at:]
        elif kind == "heading":
            lines[i] = draw(st.sampled_from(HEADINGS)) + line
        done.append(f"{kind} {i} {j}")
    return done


ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le-bom", "utf-16-be-bom"]


def encode(text: str, encoding: str) -> bytes:
    if encoding == "cp1252":
        try:
            data = text.encode("cp1252")
        except UnicodeEncodeError:
            return text.encode("utf-8")  # not encodable: as it would be saved
        return data
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


@st.composite
def mutated_letters(
    draw: st.DrawFn, names: list[str] = NAMES, markup: bool = True
) -> tuple[str, bytes, list[str]]:
    """A fixture letter with edits, line breaks and encoding changed: (name, bytes, edits)."""
    name = draw(st.sampled_from(names))
    lines = LINE_BREAK.split(TEXTS[name])
    edits = draw(line_edits(lines, markup))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines)
    encoding = draw(st.sampled_from(ENCODINGS))
    edits += [f"newline {newline!r}", f"encoding {encoding}"]
    return name, encode(text, encoding), edits


# --- properties ------------------------------------------------------------------------


@PROPERTY
@given(mutated_letters())
def test_mutated_letter_never_raises_and_spans_hold(case: tuple[str, bytes, list[str]]) -> None:
    name, data, edits = case
    report, elapsed = run_file(name, data)
    assert elapsed < HANG_SECONDS, f"{elapsed:.2f} s for {name} with {edits}"
    assert report.checked, (report.error, edits)
    assert_spans_hold(report.letter, decode(data))


@st.composite
def respaced_letters(draw: st.DrawFn) -> tuple[str, bytes, list[str]]:
    """A fixture letter with only layout whitespace, line breaks and encoding changed."""
    name = draw(st.sampled_from(NAMES))
    lines = LINE_BREAK.split(TEXTS[name])
    edits = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(lines) - 1),
                st.sampled_from(["trailing", "leading", "spaces"]),
                st.sampled_from([" ", "\t", "\u00a0", "  ", " \t", "\u2009"]),
            ),
            max_size=30,
        )
    )
    # A whole letter spaced out (justified text, a PDF extraction) or spaced one way.
    everywhere = draw(st.sampled_from([None, "  ", "\t", "\u00a0", " \u00a0", "\u2009"]))
    if everywhere is not None:
        lines = [line.replace(" ", everywhere) for line in lines]
    for i, kind, space in edits:
        if kind == "trailing":
            lines[i] += space
        elif kind == "leading":
            lines[i] = space + lines[i]
        else:
            lines[i] = lines[i].replace(" ", space)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    encoding = draw(st.sampled_from(ENCODINGS))
    described = [f"every space: {everywhere!r}"] if everywhere else []
    described += [f"line {i + 1}: {kind} {space!r}" for i, kind, space in edits]
    described += [f"newline {newline!r}", f"encoding {encoding}"]
    return name, encode(newline.join(lines), encoding), described


@PROPERTY
@given(respaced_letters())
def test_whitespace_and_encoding_do_not_change_what_is_read(
    case: tuple[str, bytes, list[str]],
) -> None:
    """Layout whitespace, line breaks and encoding change no figure, name or date."""
    name, data, edits = case
    report, elapsed = run_file(name, data)
    assert elapsed < HANG_SECONDS, f"{elapsed:.2f} s for {name} with {edits}"
    assert facts(report.letter) == baseline(name), edits
    assert_spans_hold(report.letter, decode(data))


@pytest.mark.parametrize("name", NAMES)
def test_double_spaces_do_not_change_what_is_read(name: str) -> None:
    """Two spaces between words (common in extracted and justified text) read as one."""
    data = TEXTS[name].replace(" ", "  ").encode("utf-8")
    report, _ = run_file(name, data)
    assert facts(report.letter) == baseline(name)
    assert_spans_hold(report.letter, decode(data))


MARKUP_PIECES = [
    *[
        "<p>",
        "</p>",
        "<br>",
        "<u>",
        "**",
        "*",
        "__",
        "&amp;",
        "&#8217;",
        "&nbsp;",
        "&NotEqualTilde;",
        "[x](#)",
        "[",
        "](",
        ")",
    ],
    *[
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "<head>",
        "</head>",
        "<https://example.org>",
        "72%",
        "1,234",
    ],
    *["# ", "\n", "\r\n", "\r", "\f", "\t", "\u00a0", "  ", "\u00ad", "\u200b", "\ufeff"],
    *["Page 2 of 3", "- 4 -", "\u2019", "\u2013"],
]
texts_with_markup = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(MARKUP_PIECES)), max_size=40
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(), texts_with_markup), st.booleans())
def test_normalise_maps_every_offset_into_the_original(text: str, html_document: bool) -> None:
    source = Source(path="x.txt", format="text", text=text, html_document=html_document)
    norm = normalise(source, ARTEFACTS)
    lines = len(LINE_BREAK.split(text))
    previous = 0
    for i in range(len(norm.text)):
        offset = norm.original_offset(i)
        assert 0 <= offset < len(text), (i, offset)
        assert offset >= previous, f"offset {i} maps to {offset}, before {previous}"
        previous = offset
        span = norm.span(i, i + 1)
        assert 1 <= span.line <= span.end_line <= lines, (i, span)


PLAIN_ALPHABET = string.ascii_letters + string.digits + " .,;:'\"!?()-%/\t\n\r\f" + "\u00a0"
#: Text with no markup: letter-like words and figures between runs of whitespace.
plain_texts = st.one_of(
    st.text(alphabet=PLAIN_ALPHABET),
    st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from(["Dear", "upheld", "2,", "1,234", "72%", "4.5", "-", "(", "):"]),
                st.text(alphabet=PLAIN_ALPHABET, max_size=6),
            ),
            st.sampled_from([" ", "  ", "   ", "\t", " \t", "\n", " \n", "\r\n", "\u00a0", ""]),
        ),
        max_size=30,
    ).map(lambda pairs: "".join(word + space for word, space in pairs)),
)


@settings(max_examples=500, deadline=None)
@given(plain_texts)
def test_plain_text_is_copied_through(text: str) -> None:
    norm = normalise(Source(path="x.txt", format="text", text=text), ARTEFACTS)
    for i, ch in enumerate(norm.text):
        if not ch.isspace():
            assert text[norm.original_offset(i)] == ch, (i, ch)


@settings(max_examples=500, deadline=None)
@given(plain_texts)
def test_plain_text_loses_nothing(text: str) -> None:
    """Without markup (and page artefacts), only whitespace may change."""
    norm = normalise(Source(path="x.txt", format="text", text=text))
    assert norm.text.split() == text.split()


@settings(max_examples=40, deadline=None)
@given(mutated_letters(names=PLAIN, markup=False))
def test_plain_letter_is_copied_through(case: tuple[str, bytes, list[str]]) -> None:
    _, data, _ = case
    original = decode(data)
    norm = normalise(Source(path="x.txt", format="text", text=original), ARTEFACTS)
    for i, ch in enumerate(norm.text):
        if not ch.isspace():
            assert original[norm.original_offset(i)] == ch, (i, ch)
