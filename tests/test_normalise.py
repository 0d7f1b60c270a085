"""Markup comes out for extraction; every character still maps back to the original."""

from __future__ import annotations

import pytest

from lgo_check.model import Source
from lgo_check.normalise import normalise


def norm(text: str, html_document: bool = False, paged: bool = False):  # type: ignore[no-untyped-def]
    return normalise(
        Source(path="x", format="text", text=text, html_document=html_document, paged=paged)
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("In **100%** of cases", "In 100% of cases"),
        ("## **Complaint statistics**", "Complaint statistics"),
        ("the <u>Complaint Handling Code</u> for", "the Complaint Handling Code for"),
        ("map, [Your council's performance](#), on", "map, Your council's performance, on"),
        ("survey: <https://example.org/s/>. Your", "survey: https://example.org/s/. Your"),
        ("Fire &amp; Rescue&nbsp;Authority", "Fire & Rescue Authority"),
        ("<p>0% upheld.</p> <p>This compares</p>", "0% upheld.\nThis compares"),
        ("The\tOmbudsman carried", "The Ombudsman carried"),
        ("line one   \r\nline two", "line one\nline two"),
        ("your Council\u2019s late", "your Council's late"),
        ("a *word* here", "a word here"),
        ("By  email,   please", "By email, please"),
        ("upheld 2, 3 and 4", "upheld 2, 3 and 4"),
    ],
)
def test_markup_is_removed(raw: str, clean: str) -> None:
    assert norm(raw).text.strip() == clean


def test_every_offset_maps_back_to_its_original_character() -> None:
    raw = "Dear Ms Vale\n\n<p>In **92%** of cases</p>\tthe [Code](#) &amp; more\r\nend"
    n = norm(raw)
    for i, ch in enumerate(n.text):
        if ch.isalnum():
            assert raw[n.original_offset(i)] == ch


def test_span_gives_original_line_and_column() -> None:
    raw = "first line\n\tsecond **47%** here\n"
    n = norm(raw)
    start = n.text.index("47")
    span = n.span(start, start + 2)
    assert (span.line, span.column, span.end_line, span.end_column) == (2, 11, 2, 13)
    assert raw.split("\n")[1][span.column - 1 : span.end_column - 1] == "47"


def test_html_document_drops_head_and_scripts_but_fragments_keep_text() -> None:
    page = "<html><head><title>x</title><style>p{}</style></head><body><p>Hi</p></body></html>"
    assert norm(page, html_document=True).text.strip() == "Hi"


def test_paged_source_locates_page_and_line_within_page() -> None:
    raw = "page one\nmore\fpage two line one\nfigure 85% here"
    n = norm(raw, paged=True)
    start = n.text.index("85")
    span = n.span(start, start + 2)
    assert (span.page, span.line, span.column) == (2, 2, 8)
    assert n.snippet(span) == "figure 85% here"


def test_span_running_onto_the_next_page_is_cut_at_the_page_end() -> None:
    raw = "page one\nA sentence that runs\fon to page two."
    n = norm(raw, paged=True)
    span = n.span(n.text.index("A sentence"), n.text.index("two.") + 4)
    assert (span.page, span.line, span.end_line) == (1, 2, 2)
    assert span.end_column == len("A sentence that runs") + 1
    assert n.snippet(span) == "A sentence that runs"


def test_snippet_keeps_long_lines_whole() -> None:
    raw = "x" * 900
    n = norm(raw)
    assert n.snippet(n.span(0, 3)) == raw
