"""Who the letter is to, when it was sent, and which year it reviews."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lgo_check.extract.layout import MetadataWording, metadata_wording
from lgo_check.model import Period, Recipient, Span
from lgo_check.normalise import NormalisedText

_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_DATE = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>"
    + "|".join(_MONTHS)
    + r")(?:\s*,\s*|\s+)(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_REVIEW_YEAR = re.compile(
    # No two whitespace runs side by side: "\s*[:-]?\s*" backtracks quadratically.
    r"Annual Review (?:letter|of complaints?)\s*(?:[:-]\s*)?"
    r"(?P<start>20\d\d)\s*[-/\u2013]\s*(?P<end>(?:20)?\d\d)\b",
    re.IGNORECASE,
)
_YEAR_ENDING = re.compile(r"year (?:ending|to)\s+31\s+March\s+(?P<year>20\d\d)", re.IGNORECASE)
_PERIOD = re.compile(
    r"(?:period )?between\s+1\s+April\s+(?P<start>20\d\d)\s+(?:to|and)\s+"
    r"31\s+March\s+(?P<end>20\d\d)",
    re.IGNORECASE,
)
_SALUTATION = re.compile(
    r"^[ ]?Dear\s+(?P<name>[^\n,]+?)[ \t]*,?[ ]*$", re.IGNORECASE | re.MULTILINE
)


_JOINING = {"of", "and", "&", "to", "for"}


_SIGN_OFF = re.compile(r"^ ?Yours (?:sincerely|faithfully)\b", re.MULTILINE | re.IGNORECASE)


def _letter_body(text: str, dear: re.Match[str] | None) -> tuple[int, int] | None:
    """Offsets of the letter's prose, from "Dear ..." to "Yours sincerely".

    The statistics sentences of the letter's own figures stand outside it (the
    statistics page); the same wording inside the prose is about something else,
    such as a national figure, and is never taken as the body's own.
    """
    if dear is None:
        return None
    sign_off = _SIGN_OFF.search(text, dear.end())
    if sign_off is None:
        return None
    return dear.start(), sign_off.start()


@dataclass
class Metadata:
    organisation: str | None = None
    recipient: Recipient = field(default_factory=Recipient)
    letter_date: dt.date | None = None
    review_year: str | None = None
    period: Period | None = None
    spans: dict[str, Span] = field(default_factory=dict)
    #: Where the prose is (normalised offsets), or None if the letter has no "Dear".
    body: tuple[int, int] | None = None


def _date(m: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(int(m["year"]), _MONTHS[m["month"].lower()], int(m["day"]))
    except ValueError:
        return None


def extract_metadata(norm: NormalisedText) -> Metadata:
    text = norm.text
    meta = Metadata()
    salutation = _SALUTATION.search(text)
    meta.body = _letter_body(text, salutation)
    head_end = salutation.start() if salutation else min(len(text), 3000)

    date_match = None
    for m in _DATE.finditer(text, 0, head_end):
        if _date(m) is not None:
            date_match = m
            break
    if date_match:
        meta.letter_date = _date(date_match)
        meta.spans["letter_date"] = norm.span(date_match.start(), date_match.end())

    review = _REVIEW_YEAR.search(text)
    if review:
        start = int(review["start"])
        end = int(review["end"]) % 100
        if end == (start + 1) % 100:
            meta.review_year = f"{start}-{end:02d}"
            meta.spans["review_year"] = norm.span(review.start("start"), review.end("end"))

    # Most letters have no "between 1 April ..." at all; in plain ASCII text a quick
    # look for the word says so without the pattern's scan of every character.
    absent = text.isascii() and "between" not in text.lower()
    period = None if absent else _PERIOD.search(text)
    ending = _YEAR_ENDING.search(text)
    if period and int(period["end"]) == int(period["start"]) + 1:
        meta.period = Period(
            start=dt.date(int(period["start"]), 4, 1), end=dt.date(int(period["end"]), 3, 31)
        )
        meta.spans["period"] = norm.span(period.start(), period.end())
    elif ending:
        year = int(ending["year"])
        meta.period = Period(start=dt.date(year - 1, 4, 1), end=dt.date(year, 3, 31))
        meta.spans["period"] = norm.span(ending.start(), ending.end())
    if meta.review_year is None and meta.period is not None:
        # "year ending 31 March 2024" is the 2023-24 review.
        meta.review_year = f"{meta.period.start.year}-{meta.period.end.year % 100:02d}"
        meta.spans["review_year"] = meta.spans["period"]

    if salutation:
        block_start = date_match.end() if date_match else 0
        _read_addressee(norm, block_start, salutation, meta, metadata_wording())
    return meta


def _read_addressee(
    norm: NormalisedText,
    start: int,
    salutation: re.Match[str],
    meta: Metadata,
    words: MetadataWording,
) -> None:
    """Name, title and organisation from the lines between the date and "Dear ...".

    Three lines (or more) are name / title... / organisation. One line holds all
    three: the name is what the salutation says (or honorific plus surname), the
    title the run of job-title words after it, and the organisation the rest.
    """
    text = norm.text
    lines: list[tuple[int, int]] = []
    pos = start
    for raw in text[start : salutation.start()].split("\n"):
        line_start = pos + len(raw) - len(raw.lstrip())
        stripped = raw.strip().rstrip(",")
        pos += len(raw) + 1
        if not stripped or any(p.match(stripped) for p in words.skip_lines):
            continue
        lines.append((line_start, line_start + len(stripped)))
    if not lines:
        return
    dear_name = salutation["name"].strip()

    def put(key: str, a: int, b: int) -> str:
        value = " ".join(text[a:b].split()).strip(" ,")
        span = norm.span(a, b)
        if key == "organisation":
            meta.organisation = value
            meta.spans["organisation"] = span
        else:
            setattr(meta.recipient, key, value)
            meta.recipient.spans[key] = span
        return value

    if len(lines) >= 3:
        # Name, one or more title lines, the organisation, then perhaps its address.
        put("name", *lines[0])
        last_title = 1
        while last_title + 2 < len(lines) and _all_title_words(text, lines[last_title + 1], words):
            last_title += 1
        put("title", lines[1][0], lines[last_title][1])
        put("organisation", *lines[last_title + 1])
        return
    name_start, name_end = _name_prefix(text, lines[0], dear_name, words)
    if name_start < name_end:
        put("name", name_start, name_end)
    rest = _after(text, name_end, lines[0][1])
    if len(lines) == 2:
        # Either "name / title organisation" or "name title / organisation".
        if rest[0] < rest[1]:
            put("title", *rest)
            put("organisation", *lines[1])
        else:
            _split_title_org(norm, lines[1], words, put)
        return
    _split_title_org(norm, rest, words, put)


def _all_title_words(text: str, line: tuple[int, int], words: MetadataWording) -> bool:
    tokens = re.findall(r"[^\s,]+", text[line[0] : line[1]])
    return bool(tokens) and all(t.lower() in words.title_words for t in tokens)


def _name_prefix(
    text: str, line: tuple[int, int], dear_name: str, words: MetadataWording
) -> tuple[int, int]:
    a, b = line
    content = text[a:b]
    if dear_name and content.lower().startswith(dear_name.lower()):
        return a, a + len(dear_name)
    tokens = list(re.finditer(r"\S+", content))
    if tokens and tokens[0].group().rstrip(".").lower() in words.honorifics and len(tokens) > 1:
        return a, a + tokens[1].end()
    return a, a


def _after(text: str, start: int, end: int) -> tuple[int, int]:
    """What follows the name on its line, without the separating spaces or comma."""
    rest = text[start:end]
    return start + len(rest) - len(rest.lstrip(" ,")), end


def _split_title_org(
    norm: NormalisedText,
    span: tuple[int, int],
    words: MetadataWording,
    put: Callable[[str, int, int], str],
) -> None:
    a, b = span
    tokens = list(re.finditer(r"[^\s,]+", norm.text[a:b]))
    split = 0
    for i, token in enumerate(tokens):
        if token.group().lower() not in words.title_words:
            break
        split = i + 1
    # A title never ends with a joining word: "Chief Executive of" + "the Council of ...".
    while split > 0 and tokens[split - 1].group().lower() in _JOINING | {"the"}:
        split -= 1
    if split == len(tokens):
        put("title", a, b)
        return
    if split > 0:
        put("title", a + tokens[0].start(), a + tokens[split - 1].end())
    # ... and the joining words between them belong to neither: "Chief Executive of the
    # Council of the Isles of Scarrow" is to the "Council of the Isles of Scarrow".
    org = split
    if org > 0 and tokens[org].group().lower() in _JOINING:
        org += 1
        if org < len(tokens) - 1 and tokens[org].group().lower() == "the":
            org += 1
    put("organisation", a + tokens[min(org, len(tokens) - 1)].start(), b)
