"""Bodies across years: the letters of one run grouped by the body they are to.

A run holds letters of many bodies and years. This module names each body
(its organisation name normalised, plus an alias table for renamed bodies),
orders each body's letters by review year, and knows where the Ombudsman's
series break, so that rules over a body's history (``lgo_check.trends``) and
the committee pack's trend table read the same data::

    records = records_from_reports(report.files)
    for body in group(records):
        body.name, [r.review_year for r in body.series()]

A :class:`LetterRecord` is deliberately small (figures, places and concern kinds,
no text): it is made from the runner's per-letter ``LetterDigest``, which a run
keeps for every letter until the end, when bodies are grouped.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

from lgo_check.model import (
    BLOCK_MODELS,
    FIGURE_FIELDS,
    BodyBreak,
    BodyLetter,
    BodyReport,
    FileReport,
    Letter,
    Number,
    Span,
)

if TYPE_CHECKING:
    from lgo_check.runner import LetterDigest

#: Every figure of a letter, as ``block.field`` (the paths rule files use), in report order.
BLOCKS: tuple[str, ...] = tuple(BLOCK_MODELS)
FIGURES: tuple[str, ...] = tuple(
    f"{block}.{name}" for block, names in FIGURE_FIELDS.items() for name in names
)

# ---------------------------------------------------------------------------
# Names

# Whole-word abbreviations in organisation names, expanded before comparing.
# "CC" is read as County Council: a City Council written "CC" needs an alias.
ABBREVIATIONS: dict[str, str] = {
    "mbc": "metropolitan borough council",
    "mdc": "metropolitan district council",
    "bc": "borough council",
    "dc": "district council",
    "cc": "county council",
    "lb": "london borough",
    "lbc": "london borough council",
    "rb": "royal borough",
    "ca": "combined authority",
    "cca": "combined county authority",
    "fra": "fire and rescue authority",
    "ua": "unitary authority",
    "met": "metropolitan",
    "boro": "borough",
    "saint": "st",
}
# Words that say what kind of body it is rather than where: "London Borough of X",
# "City of X Council" and "X City Council" are one body, so a leading run of these
# words (before "of", or before the place) moves behind the place.
_TYPE_WORDS = frozenset(
    {
        "london",
        "royal",
        "borough",
        "city",
        "county",
        "district",
        "metropolitan",
        "council",
        "unitary",
        "combined",
        "authority",
    }
)
# Dropped everywhere: every council is a council, and "the" is never what tells two apart.
_NOISE = frozenset({"council", "the"})

#: Renamed bodies whose letters belong to one series (old name -> current name).
#: Only renames and a county becoming the unitary council of the same area; a
#: merger of several councils is a new body (a different population), so it is
#: not here. Extend or override it with ``[tool.lgo-check.bodies.aliases]``.
BUILTIN_ALIASES: dict[str, str] = {
    "Shepway District Council": "Folkestone and Hythe District Council",  # renamed 2018
    "Kingston upon Hull City Council": "Hull City Council",  # the name it uses
    "County of Herefordshire District Council": "Herefordshire Council",  # legal name
    "Buckinghamshire County Council": "Buckinghamshire Council",  # unitary from 2020
    "North Yorkshire County Council": "North Yorkshire Council",  # unitary from 2023
    "Somerset County Council": "Somerset Council",  # unitary from 2023
}


def body_key(name: str) -> str:
    """The organisation's name reduced to what identifies the body.

    Case, punctuation, "&"/"and", "Council", "the", and abbreviations (MBC, DC,
    CC, LB, ...) do not matter; "London Borough of X" is "X London Borough"::

        >>> body_key("Larkhythe MBC") == body_key("Larkhythe Metropolitan Borough Council")
        True
    """
    text = name.casefold().replace("&", " and ")
    text = re.sub("['\u2019`]", "", text)  # King's and Kings (any apostrophe) are one name
    words: list[str] = []
    for word in re.split(r"[^\w]+", text):
        if word:
            words.extend(ABBREVIATIONS.get(word, word).split())
    lead = 0
    while lead < len(words) and words[lead] in _TYPE_WORDS:
        lead += 1
    if 0 < lead < len(words):
        rest = words[lead:]
        if rest[0] == "of":
            rest = rest[1:]
        words = rest + words[:lead]
    key = " ".join(w for w in words if w not in _NOISE)
    # A name of only type words ("The Council") identifies nothing by itself: kept whole,
    # so that two such letters are not taken for one body unless written the same.
    return key or " ".join(name.casefold().split())


class AliasError(ValueError):
    """The alias table sends a name round in a circle."""


def alias_keys(aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """The built-in aliases and the configured ones (which win), as keys, chains resolved."""
    table = {body_key(old): body_key(new) for old, new in BUILTIN_ALIASES.items()}
    for old, new in (aliases or {}).items():
        table[body_key(old)] = body_key(new)
    resolved: dict[str, str] = {}
    for start in table:
        seen = [start]
        key = table[start]
        while key in table and key != seen[-1]:
            if key in seen:
                raise AliasError(f"aliases go round in a circle: {' -> '.join([*seen, key])}")
            seen.append(key)
            key = table[key]
        if key != start:
            resolved[start] = key
    return resolved


# ---------------------------------------------------------------------------
# Letters and bodies

SpanTuple = tuple[int, int, int, int, int | None]


@functools.cache
def _start_year(review_year: str) -> int | None:
    """2023 for "2023-24" (asked many times per letter by the trend rules: remembered)."""
    match = re.match(r"\d{4}", review_year)
    return int(match.group()) if match else None


def _pack(span: Span) -> SpanTuple:
    return (span.line, span.column, span.end_line, span.end_column, span.page)


def _unpack(span: SpanTuple) -> Span:
    return Span(line=span[0], column=span[1], end_line=span[2], end_column=span[3], page=span[4])


@dataclass(frozen=True, slots=True)
class ConcernRecord:
    kind: str
    span: SpanTuple

    def location(self) -> Span:
        return _unpack(self.span)


@dataclass(frozen=True, slots=True)
class LetterRecord:
    """What rules over a body's history need from one letter: figures, spans, concerns.

    ``figures`` maps every ``block.field`` of :data:`FIGURES` to its value (None
    when the letter does not state it); ``statuses`` maps each block to its status.
    """

    path: str
    organisation: str
    review_year: str | None
    letter_date: dt.date | None
    layout: str | None
    figures: dict[str, Number | None]
    statuses: dict[str, str]
    spans: dict[str, SpanTuple] = field(default_factory=dict)
    concerns: tuple[ConcernRecord, ...] = ()

    @classmethod
    def from_letter(cls, path: str, letter: Letter) -> LetterRecord | None:
        """The record of a letter, or None when it names no body (nothing to group it by)."""
        if not letter.is_annual_review or not letter.organisation:
            return None
        figures: dict[str, Number | None] = {}
        statuses: dict[str, str] = {}
        spans: dict[str, SpanTuple] = {}
        for block_name in BLOCKS:
            block = getattr(letter.statistics, block_name)
            if block is None:
                continue
            statuses[block_name] = block.status.value
            for name, span in block.spans.items():
                spans[f"{block_name}.{name}"] = _pack(span)
        for name in ("organisation", "review_year"):
            if name in letter.spans:
                spans[name] = _pack(letter.spans[name])
        for figure in FIGURES:
            block_name, _, name = figure.partition(".")
            block = getattr(letter.statistics, block_name)
            figures[figure] = None if block is None else getattr(block, name)
        return cls(
            path=path,
            organisation=letter.organisation,
            review_year=letter.review_year,
            letter_date=letter.letter_date,
            layout=letter.layout,
            figures=figures,
            statuses=statuses,
            spans=spans,
            concerns=tuple(ConcernRecord(c.kind, _pack(c.span)) for c in letter.concerns),
        )

    @classmethod
    def from_digest(cls, digest: LetterDigest) -> LetterRecord | None:
        """The record of what the runner kept about a letter (``runner.LetterDigest``)."""
        if not digest.is_annual_review or not digest.organisation:
            return None
        known = digest.figures  # built from the packed digest on each call: once here
        return cls(
            path=digest.path,
            organisation=digest.organisation,
            review_year=digest.review_year,
            letter_date=digest.letter_date,
            layout=digest.layout,
            figures={figure: known.get(figure) for figure in FIGURES},
            statuses=dict(digest.statuses),
            spans=dict(digest.places),
            concerns=tuple(ConcernRecord(kind, place) for kind, place in digest.concerns),
        )

    @property
    def start_year(self) -> int | None:
        """2023 for "2023-24"; None when the letter gives no review year."""
        return None if self.review_year is None else _start_year(self.review_year)

    def span(self, figure: str) -> Span | None:
        packed = self.spans.get(figure)
        return None if packed is None else _unpack(packed)

    def concern_kinds(self) -> list[str]:
        return sorted({c.kind for c in self.concerns})


def records_from_reports(files: Iterable[FileReport]) -> list[LetterRecord]:
    """A record for every checked letter that names its body."""
    records = []
    for file in files:
        if file.letter is not None:
            record = LetterRecord.from_letter(file.path, file.letter)
            if record is not None:
                records.append(record)
    return records


def _order(record: LetterRecord) -> tuple[int, dt.date, str]:
    year = record.start_year
    return (year if year is not None else 10_000, record.letter_date or dt.date.min, record.path)


@dataclass
class Body:
    """One body and its letters in this run, ordered by review year (then date, then path).

    Letters without a review year come last and are not in :meth:`series`.
    """

    key: str
    letters: list[LetterRecord]
    _series: tuple[int, tuple[LetterRecord, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def name(self) -> str:
        """The organisation as the newest letter writes it."""
        dated = [r for r in self.letters if r.start_year is not None]
        return (dated or self.letters)[-1].organisation

    @property
    def names(self) -> list[str]:
        """Every spelling of the body's name in its letters, first seen first."""
        return list(dict.fromkeys(r.organisation for r in self.letters))

    def series(self) -> list[LetterRecord]:
        """One letter per review year, oldest first: of two for the same year, the
        later-dated one (a corrected reissue replaces the letter it corrects; on the
        same date, the one later in path order)."""
        known = self._series
        if known is not None and known[0] == len(self.letters):
            return list(known[1])
        by_year: dict[int, LetterRecord] = {}
        for record in self.letters:
            year = record.start_year
            if year is not None:
                by_year[year] = record  # letters are ordered, so the last one wins
        series = [by_year[year] for year in sorted(by_year)]
        # Asked many times per body by the trend rules: kept while its letters are.
        self._series = (len(self.letters), tuple(series))
        return series

    def duplicates(self) -> list[tuple[LetterRecord, LetterRecord]]:
        """(superseded letter, the letter kept in the series) for every second letter of a year."""
        kept = {r.start_year: r for r in self.series()}
        return [
            (r, kept[r.start_year])
            for r in self.letters
            if r.start_year is not None and kept[r.start_year] is not r
        ]

    def newest(self) -> LetterRecord | None:
        series = self.series()
        return series[-1] if series else None

    def consecutive_run(self) -> list[LetterRecord]:
        """The letters of the consecutive review years that end with the newest one."""
        series = self.series()
        run = series[-1:]
        for record in reversed(series[:-1]):
            if record.start_year == (run[0].start_year or 0) - 1:
                run.insert(0, record)
            else:
                break
        return run

    def latest_step(self) -> tuple[LetterRecord, LetterRecord] | None:
        """(previous year's letter, newest letter), when the body has both."""
        run = self.consecutive_run()
        return (run[-2], run[-1]) if len(run) >= 2 else None

    def missing_years(self) -> list[str]:
        """Review years between the first and the newest with no letter in this run."""
        years = [r.start_year for r in self.series() if r.start_year is not None]
        if not years:
            return []
        have = set(years)
        return [review_year(y) for y in range(years[0], years[-1] + 1) if y not in have]


def review_year(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def group(records: Iterable[LetterRecord], aliases: Mapping[str, str] | None = None) -> list[Body]:
    """Letters grouped by body, each body's letters in year order, bodies by name.

    ``aliases`` maps an old name to the current one (as in the configuration's
    ``[tool.lgo-check.bodies.aliases]``), on top of :data:`BUILTIN_ALIASES`.
    """
    table = alias_keys(aliases)
    groups: dict[str, list[LetterRecord]] = {}
    for record in records:
        key = body_key(record.organisation)
        key = table.get(key, key)
        groups.setdefault(key, []).append(record)
    bodies = [Body(key, sorted(letters, key=_order)) for key, letters in groups.items()]
    bodies.sort(key=lambda b: (b.name.casefold(), b.key))
    return bodies


# ---------------------------------------------------------------------------
# Breaks in the Ombudsman's series

_UPHELD_MEASURES = frozenset(f for f in FIGURES if f.startswith(("upheld.", "remedy.")))


@dataclass(frozen=True)
class SeriesBreak:
    """A year after which the Ombudsman's figures are not like for like with before.

    ``kind`` "pause": that one year is unlike the years on either side of it.
    ``kind`` "change": every year from this one on is unlike every year before it.
    """

    review_year: str
    kind: Literal["pause", "change"]
    measures: frozenset[str]
    reason: str

    @property
    def start_year(self) -> int:
        return int(self.review_year[:4])

    def separates(self, earlier: int, later: int) -> bool:
        if self.kind == "pause":
            return self.start_year in (earlier, later) or earlier < self.start_year < later
        return earlier < self.start_year <= later


SERIES_BREAKS: tuple[SeriesBreak, ...] = (
    SeriesBreak(
        "2020-21",
        "pause",
        frozenset(FIGURES),
        "in 2020-21 the Ombudsman stopped accepting new complaints for three months "
        "during the Covid-19 pandemic, so that year's figures are not like for like "
        "with the years around it",
    ),
    SeriesBreak(
        "2022-23",
        "change",
        _UPHELD_MEASURES,
        "from 2022-23 the Ombudsman changed how it chose complaints to investigate, "
        "which raised upheld rates everywhere; compare with the average of similar "
        "bodies, not with years before 2022-23",
    ),
)


def series_break(figure: str, earlier: str | None, later: str | None) -> SeriesBreak | None:
    """The break, if any, that makes ``figure`` in two review years not like for like."""
    if earlier is None or later is None:
        return None
    first, last = sorted((int(earlier[:4]), int(later[:4])))
    for brk in SERIES_BREAKS:
        if figure in brk.measures and brk.separates(first, last):
            return brk
    return None


# ---------------------------------------------------------------------------
# The report's bodies section


def body_report(body: Body) -> BodyReport:
    """The JSON report's entry for one body: its letters by year and every figure's series."""
    series = body.series()
    in_series = {id(r) for r in series}
    duplicates = {id(old): kept for old, kept in body.duplicates()}
    letters = [
        BodyLetter(
            review_year=r.review_year,
            path=r.path,
            letter_date=r.letter_date,
            organisation=r.organisation,
            in_series=id(r) in in_series,
            superseded_by=duplicates[id(r)].path if id(r) in duplicates else None,
        )
        for r in body.letters
    ]
    breaks = [
        BodyBreak(
            from_year=earlier.review_year or "",
            to_year=later.review_year or "",
            review_year=brk.review_year,
            measures=sorted(brk.measures, key=FIGURES.index),
            reason=brk.reason,
        )
        for earlier, later in pairwise(series)
        for brk in SERIES_BREAKS
        if earlier.start_year is not None
        and later.start_year is not None
        and brk.separates(earlier.start_year, later.start_year)
    ]
    return BodyReport(
        name=body.name,
        key=body.key,
        names=body.names,
        years=[r.review_year or "" for r in series],
        missing_years=body.missing_years(),
        letters=letters,
        series={f: [r.figures.get(f) for r in series] for f in FIGURES},
        breaks=breaks,
    )


def body_reports(bodies: Iterable[Body]) -> list[BodyReport]:
    return [body_report(body) for body in bodies]
