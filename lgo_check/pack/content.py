"""What a committee pack says, worked out once and rendered three ways (HTML, Word, Markdown).

Everything here comes from a run of lgo-check: each figure is one the extractor
read, carried with the place in the letter it was read from. Nothing is
estimated; a figure the letter does not state is shown as not stated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lgo_check.bodies import alias_keys, body_key
from lgo_check.model import (
    Block,
    BodyReport,
    Concern,
    FileReport,
    Finding,
    Letter,
    Number,
    RuleInfo,
    Severity,
    Span,
    Status,
)

# The two breaks in the Ombudsman's series (see the Ombudsman's own caveats).
COVID_YEAR = "2020-21"
CASE_SELECTION_YEAR = "2022-23"

CONCERN_LABELS = {
    "delayed_enquiry_responses": "Late responses to the Ombudsman's enquiries",
    "repeated_concern": "A concern raised again from an earlier letter",
    "witness_summons": "Witness summons",
    "non_compliance": "Recommendations not carried out, or carried out late",
    "public_report": "Public interest report",
    "other_concern": "Another concern the Ombudsman raised",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """A letter's text with control characters removed: no output format can hold them."""
    return _CONTROL.sub("", text)


@dataclass(frozen=True)
class Figure:
    """One figure as the letter states it, and where."""

    value: Number | None
    unit: str = ""
    #: Where in the letter: "line 60", or "page 2, line 5" in a PDF.
    place: str | None = None

    @property
    def stated(self) -> bool:
        return self.value is not None

    @property
    def text(self) -> str:
        if self.value is None:
            return "not stated"
        # As read: 2.0 stays "2.0", 0.25 is not rounded, 1234 is "1,234".
        return f"{self.value:,}{self.unit}"


@dataclass(frozen=True)
class Mark:
    """A RAG-style status: a word and a symbol, never colour alone."""

    key: str
    word: str
    symbol: str
    meaning: str


RED = Mark("red", "Red", "\u2716", "a finding at error level")
AMBER = Mark("amber", "Amber", "\u25b2", "a finding at warning level")
GREEN = Mark("green", "Green", "\u2714", "no finding above note level")
NOT_STATED = Mark("none", "Not stated", "?", "the letter does not state this figure")
NOT_APPLICABLE = Mark("none", "Not applicable", "\u2013", "the letter states there is no figure")
MARKS = (RED, AMBER, GREEN, NOT_STATED, NOT_APPLICABLE)


@dataclass
class Statistic:
    key: str
    label: str
    body: Figure
    average: Figure
    #: The counts the figure rests on, e.g. "56 upheld of 70 investigations".
    basis: str
    status: Mark
    #: Rule codes of the findings that set the status.
    rule_codes: list[str]

    @property
    def brief(self) -> str:
        """The figure and, in brackets, the average: "71% (66%)"; empty if not stated."""
        if not self.body.stated:
            return ""
        return self.body.text + (f" ({self.average.text})" if self.average.stated else "")


@dataclass
class ConcernItem:
    label: str
    kind: str
    text: str
    place: str
    #: How it was found (wording rules or classifier), when the run records it.
    how: str | None = None


@dataclass
class FindingItem:
    code: str
    name: str
    severity: Severity
    message: str
    place: str
    why: str


@dataclass
class TrendRow:
    year: str
    path: str
    figures: dict[str, Figure]


@dataclass
class BodySection:
    anchor: str
    name: str
    year: str | None
    path: str
    letter_date: str | None
    period: str | None
    summary: list[str]
    statistics: list[Statistic]
    overview: list[tuple[str, Figure]]
    concerns: list[ConcernItem]
    findings: list[FindingItem]
    caveats: list[str]
    trend: list[TrendRow]
    trend_note: str
    recommendations: list[str]

    @property
    def title(self) -> str:
        return f"{self.name}: annual review letter {self.year or '(year not stated)'}"

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def at_a_glance(self) -> tuple[list[Statistic], list[str]]:
        """The index table's row after body and year: its statistics, then its counts
        (concerns, errors, warnings), in the order of :data:`INDEX_COLUMNS`."""
        stats = {s.key: s for s in self.statistics}
        counts = [len(self.concerns), self.count(Severity.error), self.count(Severity.warning)]
        return [stats[key] for key in ("upheld_rate", "compliance")], [str(n) for n in counts]


#: The columns of the index table across bodies, in every format.
INDEX_COLUMNS = (
    "Body",
    "Year",
    "Upheld rate (similar bodies)",
    "Compliance (similar bodies)",
    "Concerns",
    "Errors",
    "Warnings",
)


@dataclass
class Cover:
    committee: str | None = None
    meeting_date: str | None = None
    author: str | None = None


@dataclass
class NotInPack:
    path: str
    reason: str


@dataclass
class Pack:
    title: str
    cover: Cover
    bodies: list[BodySection]
    left_out: list[NotInPack] = field(default_factory=list)
    version: str = ""


TREND_MEASURES = (
    ("upheld_rate", "Upheld rate"),
    ("upheld_average", "Similar bodies' upheld rate"),
    ("per_100k", "Upheld per 100,000 residents"),
    ("compliance", "Compliance"),
    ("remedy", "Satisfactory remedies"),
)


def place(span: Span | None) -> str:
    """ "line 33", "lines 33 to 35", "page 2, line 5": where to look in the letter."""
    if span is None:
        return "place not recorded"
    lines = (
        f"lines {span.line} to {span.end_line}"
        if span.end_line > span.line
        else f"line {span.line}"
    )
    return f"page {span.page}, {lines}" if span.page is not None else lines


def _finding_place(finding: Finding) -> str:
    if finding.line is None:
        return "the whole file"
    if finding.page is not None:
        return f"page {finding.page}, line {finding.line}"
    return f"line {finding.line}"


def concern_span(concern: Concern) -> Span:
    """A concern's place, whether the model nests it in ``span`` or is itself a span."""
    nested = getattr(concern, "span", None)
    if isinstance(nested, Span):
        return nested
    return Span.model_validate(concern, from_attributes=True)


def found_by(concern: Concern) -> str | None:
    """How lgo-check found the concern, where the model records it."""
    how = getattr(concern, "found_by", None)
    score = getattr(concern, "model_score", None)
    scored = f", score {score:.2f}" if isinstance(score, float) else ""
    return {
        "rules": "found by lgo-check's wording rules",
        "model": f"found by lgo-check's classifier{scored}",
        "both": f"found by lgo-check's wording rules and its classifier{scored}",
    }.get(str(how))


def why_it_matters(rule: RuleInfo | None) -> str:
    """The rule documentation's 'Why it matters' section, as one paragraph."""
    if rule is None:
        return ""
    match = re.search(r"^## Why it matters\s*\n(.*?)(?=^## |\Z)", rule.doc, re.M | re.S)
    text = match.group(1) if match else rule.summary
    return " ".join(text.split())


def _figure(block: Block, name: str, unit: str = "") -> Figure:
    value: Any = getattr(block, name, None)
    return Figure(value, unit, place(block.spans.get(name)) if value is not None else None)


def _at(finding: Finding, span: Span | None) -> bool:
    return (
        span is not None
        and finding.line == span.line
        and finding.column == span.column
        and finding.page == span.page
    )


def _status(
    block: Block, value_field: str, fields: Sequence[str], findings: Iterable[Finding]
) -> tuple[Mark, list[str]]:
    """The worst finding whose evidence is one of this statistic's figures sets its status."""
    if getattr(block, value_field, None) is None:
        if block.status in (Status.no_investigations, Status.none_due, Status.none_upheld):
            return NOT_APPLICABLE, []
        return NOT_STATED, []
    spans = [block.spans.get(name) for name in fields]
    hits = [f for f in findings if any(_at(f, s) for s in spans)]
    codes = sorted({f.rule_id for f in hits})
    worst = max((f.severity.rank for f in hits), default=0)
    if worst >= Severity.error.rank:
        return RED, codes
    if worst >= Severity.warning.rank:
        return AMBER, codes
    return GREEN, codes


def _count(value: int | None, what: str) -> str | None:
    return None if value is None else f"{value:,} {what}"


def statistics(letter: Letter, findings: Sequence[Finding]) -> list[Statistic]:
    s = letter.statistics
    up, comp, rem = s.upheld, s.compliance, s.remedy
    rows = []
    for key, label, block, value, average, fields, unit, basis in (
        (
            "upheld_rate",
            "Complaints upheld (share of investigations)",
            up,
            "rate_pct",
            "peer_average_pct",
            ("rate_pct", "peer_average_pct", "count", "investigations"),
            "%",
            " of ".join(
                p
                for p in (_count(up.count, "upheld"), _count(up.investigations, "investigations"))
                if p
            ),
        ),
        (
            "per_100k",
            "Upheld decisions per 100,000 residents",
            up,
            "per_100k",
            "peer_average_per_100k",
            ("per_100k", "peer_average_per_100k"),
            "",
            _count(up.count, "upheld decisions") or "",
        ),
        (
            "compliance",
            "Compliance with recommendations",
            comp,
            "rate_pct",
            "peer_average_pct",
            ("rate_pct", "peer_average_pct", "outcomes"),
            "%",
            _count(comp.outcomes, "compliance outcomes") or "",
        ),
        (
            "remedy",
            "Satisfactory remedies by the body (share of upheld cases)",
            rem,
            "rate_pct",
            "peer_average_pct",
            ("rate_pct", "peer_average_pct", "count", "upheld_base"),
            "%",
            " of ".join(
                p for p in (_count(rem.count, "remedied"), _count(rem.upheld_base, "upheld")) if p
            ),
        ),
    ):
        status, codes = _status(block, value, fields, findings)
        rows.append(
            Statistic(
                key=key,
                label=label,
                body=_figure(block, value, unit),
                average=_figure(block, average, unit),
                basis=basis,
                status=status,
                rule_codes=codes,
            )
        )
    return rows


def overview(letter: Letter) -> list[tuple[str, Figure]]:
    ov = letter.statistics.overview
    if ov is None:
        return []
    return [
        (label, _figure(ov, name))
        for name, label in (
            ("dealt_with", "Complaints dealt with"),
            ("not_for_us", "Not for the Ombudsman"),
            ("assessed_and_closed", "Assessed and closed"),
            ("investigated", "Investigated"),
            ("upheld", "Upheld"),
        )
    ]


def _summary(name: str, letter: Letter, stats: Sequence[Statistic]) -> list[str]:
    lines = []
    if letter.period is not None:
        lines.append(
            f"The letter covers {letter.period.start:%-d %B %Y} to {letter.period.end:%-d %B %Y}."
        )
    up = letter.statistics.upheld
    rate = next(s for s in stats if s.key == "upheld_rate")
    if up.count is not None and up.investigations is not None:
        sentence = (
            f"The Ombudsman upheld {up.count:,} of the {up.investigations:,} complaints "
            f"about {name} that it investigated"
        )
        if rate.body.stated:
            sentence += f" ({rate.body.text})"
        if rate.average.stated:
            sentence += f", against an average of {rate.average.text} for similar bodies"
        lines.append(sentence + ".")
    elif rate.body.stated:
        lines.append(f"The upheld rate was {rate.body.text}.")
    ov = letter.statistics.overview
    if ov is not None and ov.dealt_with is not None:
        lines.append(f"The Ombudsman dealt with {ov.dealt_with:,} complaints about {name}.")
    counted = [s for s in stats if s.status in (RED, AMBER, GREEN)]
    if counted:
        tally = ", ".join(
            f"{sum(1 for s in counted if s.status == m)} {m.word.lower()}"
            for m in (RED, AMBER, GREEN)
        )
        lines.append(f"Of the {len(counted)} statistics stated: {tally}.")
    if not letter.concerns:
        lines.append("lgo-check found no concern raised in the letter's prose.")
    return lines


def _caveats(letter: Letter, years: Sequence[str]) -> list[str]:
    caveats = []
    up = letter.statistics.upheld
    comp = letter.statistics.compliance
    small = [
        text
        for value, text in (
            (up.investigations, f"{up.investigations} investigations"),
            (comp.outcomes, f"{comp.outcomes} compliance outcomes"),
        )
        if value is not None and 0 < value < 10
    ]
    if small:
        caveats.append(
            "Small numbers: the rates rest on only "
            + " and ".join(small)
            + ". One case more or less moves a rate by many points, so a comparison with "
            "similar bodies says little."
        )
    if COVID_YEAR in years:
        caveats.append(
            "2020-21: the Ombudsman did not accept new complaints for three months during "
            "the Covid-19 pandemic, so that year's counts are lower and not comparable with "
            "other years."
        )
    if any(y >= CASE_SELECTION_YEAR for y in years):
        caveats.append(
            "From 2022-23 the Ombudsman changed how it chooses which complaints to "
            "investigate, which raised upheld rates everywhere. Compare the body with the "
            "average of similar bodies for the same year, not with its own earlier years."
        )
    return caveats


def _recommendations(
    name: str, letter: Letter, findings: Sequence[FindingItem], rules: dict[str, RuleInfo]
) -> list[str]:
    year = letter.review_year or "(year not stated)"
    dated = f", dated {letter.letter_date:%-d %B %Y}" if letter.letter_date else ""
    recs = [
        f"To note the Local Government and Social Care Ombudsman's annual review letter "
        f"{year} to {name}{dated}."
    ]
    by_rule: dict[str, list[FindingItem]] = {}
    for item in findings:
        if item.severity == Severity.error:
            by_rule.setdefault(item.code, []).append(item)
    for code, items in by_rule.items():
        rule = rules.get(code)
        subject = (rule.summary if rule else items[0].message).rstrip(".")
        places = "; ".join(dict.fromkeys(i.place for i in items))
        recs.append(
            f"To ask officers for a report to a later meeting on the action taken about "
            f"this finding: {subject[0].lower()}{subject[1:]} ({code}, {places})."
        )
    return recs


def anchor(name: str, taken: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "body"
    candidate, n = f"body-{slug}", 2
    while candidate in taken:
        candidate, n = f"body-{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _trend_row(report: FileReport) -> TrendRow:
    letter = report.letter
    assert letter is not None
    s = letter.statistics
    return TrendRow(
        year=letter.review_year or "?",
        path=report.path,
        figures={
            "upheld_rate": _figure(s.upheld, "rate_pct", "%"),
            "upheld_average": _figure(s.upheld, "peer_average_pct", "%"),
            "per_100k": _figure(s.upheld, "per_100k"),
            "compliance": _figure(s.compliance, "rate_pct", "%"),
            "remedy": _figure(s.remedy, "rate_pct", "%"),
        },
    )


def body_section(
    name: str,
    reports: Sequence[FileReport],
    rules: dict[str, RuleInfo],
    taken: set[str],
    missing_years: Sequence[str] = (),
) -> BodySection:
    """The section for one body: its newest letter, with the others as its trend.

    ``reports`` are in year order; of two letters for one year (a duplicate or a
    corrected reissue) the later-dated one counts, and the other is named.
    """
    by_year: dict[str, FileReport] = {}
    undated: list[FileReport] = []
    for report in reports:
        year = report.letter.review_year if report.letter else None
        if year is None:
            undated.append(report)
        else:
            by_year[year] = report  # in date order, so the latest letter of a year wins
    series = [by_year[y] for y in sorted(by_year)] or list(reports[-1:])
    counted = {id(r) for r in [*series, *undated]}
    superseded = [r for r in reports if id(r) not in counted]
    newest = series[-1]
    letter = newest.letter
    assert letter is not None
    path = newest.path
    stats = statistics(letter, newest.findings)
    concerns = [
        ConcernItem(
            label=CONCERN_LABELS.get(c.kind, c.kind.replace("_", " ").capitalize()),
            kind=c.kind,
            text=clean(c.text),
            place=place(concern_span(c)),
            how=found_by(c),
        )
        for c in letter.concerns
    ]
    findings = [
        FindingItem(
            code=f.rule_id,
            name=f.rule,
            severity=f.severity,
            message=clean(f.message),
            place=_finding_place(f),
            why=why_it_matters(rules.get(f.rule_id)),
        )
        for f in sorted(newest.findings, key=lambda f: (-f.severity.rank, f.rule_id))
    ]
    years = [r.letter.review_year for r in series if r.letter and r.letter.review_year]
    trend = [_trend_row(r) for r in series]
    if len(trend) > 1:
        trend_note = f"Letters for {len(trend)} years were given: {', '.join(years)}."
    else:
        trend_note = (
            f"Only the {letter.review_year or 'one'} letter was given, so there is no trend "
            "yet: give lgo-check report the earlier years' letters too."
        )
    for old in superseded:
        kept = by_year[old.letter.review_year or ""] if old.letter else newest
        trend_note += (
            f" {old.path} is a second letter for {kept.letter.review_year if kept.letter else ''}"
            f"; the later-dated {kept.path} is used."
        )
    if missing_years:
        trend_note += f" No letter was given for {', '.join(missing_years)}."
    for other in undated:
        if other is not newest:
            trend_note += f" {other.path} states no review year, so it is not in the trend."
    return BodySection(
        anchor=anchor(name, taken),
        name=name,
        year=letter.review_year,
        path=path,
        letter_date=f"{letter.letter_date:%-d %B %Y}" if letter.letter_date else None,
        period=(
            f"{letter.period.start:%-d %B %Y} to {letter.period.end:%-d %B %Y}"
            if letter.period
            else None
        ),
        summary=_summary(name, letter, stats),
        statistics=stats,
        overview=overview(letter),
        concerns=concerns,
        findings=findings,
        caveats=_caveats(letter, years),
        trend=trend,
        trend_note=trend_note,
        recommendations=_recommendations(name, letter, findings, rules),
    )


def _body_key(name: str) -> str:
    # The same normalised name as the JSON report's bodies section (MBC, "&", ...).
    return body_key(name)


def _letter_order(report: FileReport) -> tuple[str, dt.date, str]:
    letter = report.letter
    year = (letter.review_year if letter else None) or ""
    return (year, (letter.letter_date if letter else None) or dt.date.min, report.path)


def group_by_body(
    files: Sequence[FileReport], aliases: Mapping[str, str] | None = None
) -> list[tuple[str, list[FileReport]]]:
    """Letters grouped by body and ordered by review year, bodies in name order.

    ``aliases`` (old name -> current name, the configuration's ``bodies.aliases``)
    join renamed bodies, as in the JSON report's bodies section.
    """
    renamed = alias_keys(aliases)
    groups: dict[str, tuple[str, list[FileReport]]] = {}
    for report in files:
        letter = report.letter
        assert letter is not None
        name = clean(letter.organisation) if letter.organisation else None
        key = renamed.get(_body_key(name), _body_key(name)) if name else f"\0{report.path}"
        groups.setdefault(key, (name or f"Body not named ({report.path})", []))[1].append(report)
    for _, reports in groups.values():
        reports.sort(key=_letter_order)
    return sorted(groups.values(), key=lambda g: g[0].casefold())


def groups_from_bodies(
    letters: Sequence[FileReport],
    bodies: Sequence[BodyReport],
    aliases: Mapping[str, str] | None = None,
) -> list[tuple[str, list[FileReport], list[str]]]:
    """The run's own grouping (``Report.bodies``: aliases from the configuration
    applied), with each body's missing years; letters it does not cover are
    grouped by name."""
    by_path = {f.path: f for f in letters}
    groups = []
    for body in bodies:
        reports = [by_path.pop(b.path) for b in body.letters if b.path in by_path]
        if reports:
            groups.append((clean(body.name), reports, list(body.missing_years)))
    rest = group_by_body(list(by_path.values()), aliases)
    groups += [(name, reports, []) for name, reports in rest]
    return sorted(groups, key=lambda g: g[0].casefold())


def build_pack(
    files: Sequence[FileReport],
    rules: Sequence[RuleInfo],
    cover: Cover,
    version: str,
    aliases: Mapping[str, str] | None = None,
    bodies: Sequence[BodyReport] = (),
) -> Pack:
    by_code = {r.code: r for r in rules}
    letters = [f for f in files if f.letter is not None and f.letter.is_annual_review]
    in_pack = {id(f) for f in letters}
    left_out = [
        NotInPack(
            f.path,
            clean(f.error)
            if f.error
            else "not an Ombudsman annual review letter"
            if f.letter is not None
            else "not read",
        )
        for f in files
        if id(f) not in in_pack
    ]
    taken: set[str] = set()
    sections = [
        body_section(name, group, by_code, taken, missing)
        for name, group, missing in groups_from_bodies(letters, bodies, aliases)
    ]
    years = sorted({b.year for b in sections if b.year})
    title = "Local Government and Social Care Ombudsman annual review letter" + (
        f" {years[-1]}" if len(years) == 1 else f"s {years[0]} to {years[-1]}" if years else "s"
    )
    return Pack(title=title, cover=cover, bodies=sections, left_out=left_out, version=version)
