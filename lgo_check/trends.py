"""Rules over a body's history: trends across its letters, year by year.

A :class:`BodyRule` is a :class:`~lgo_check.rule.Rule` whose ``check_body`` sees
one body's letters in review-year order (a :class:`~lgo_check.bodies.Body`)
instead of one letter. It is registered, selected, configured and documented
like any rule (through the ``lgo_check_rules`` hook); it runs once all files of
a run are read. Its findings point at a letter of the body, normally the newest.

Trend rules know the breaks in the Ombudsman's series (``bodies.SERIES_BREAKS``):
a figure is never compared across one as if like for like; ``series-break``
says which comparison was not made and why.

Declarative rule files express simple trends with a ``trend`` table (see
``rules/README.md``); :class:`TrendSpec` is that table and
:class:`DeclarativeTrendRule` the rule it makes.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, model_validator

from lgo_check.bodies import (
    BLOCKS,
    FIGURES,
    SERIES_BREAKS,
    Body,
    LetterRecord,
    series_break,
)
from lgo_check.model import Finding, Letter, Number, Severity, Span
from lgo_check.rule import Hit, Rule, RuleFromSpec, RuleOptions

if TYPE_CHECKING:
    from lgo_check.declarative import RuleSpec


@dataclass(frozen=True)
class BodyHit:
    """What a body rule found: the message, the letter it belongs to, and its evidence there."""

    message: str
    path: str
    span: Span | None = None
    #: The original lines of the evidence, when the rule has them.
    snippet: str | None = None


class BodyRule(Rule):
    """A rule over a body's letters in year order; ``check`` on one letter finds nothing."""

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        return iter(())

    def check_body(self, body: Body, options: Any) -> Iterator[BodyHit]:
        raise NotImplementedError


def hit(message: str, record: LetterRecord, key: str) -> BodyHit:
    """A hit on a letter, at a figure (``block.field``) or letter field of it."""
    return BodyHit(message, record.path, record.span(key))


def _pct(value: Number | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}"


# ---------------------------------------------------------------------------
# Built-in rules over a body's history (codes LGO4xx)


class DuplicateLetter(BodyRule):
    """Two letters of the same body for the same review year are in the run.

    ## What it does
    Flags a second letter for a body and review year: a copy of the same letter,
    or a corrected reissue. The series of the body's figures (the `bodies`
    section of the JSON report, and every trend rule) uses the later-dated
    letter (on the same date, the one later in path order); the finding is on
    the letter left out, names the one kept, and says whether their figures
    agree.

    ## Why it matters
    Two versions of one year's figures make a trend table ambiguous, and counting
    both would count the body twice in any total. Keep the letter the Ombudsman
    published last, and remove the other.

    ## Example
    `glenhallow-2023-24-reissued.txt` next to `glenhallow-2023-24.txt`: "Another
    letter for Glenhallow County Council for 2023-24 is in this run ..."
    """

    code = "LGO401"
    name = "duplicate-letter"
    severity = Severity.warning

    def check_body(self, body: Body, options: Any) -> Iterator[BodyHit]:
        for old, kept in body.duplicates():
            differ = [
                f"{f} ({_pct(old.figures[f])} here, {_pct(kept.figures[f])} there)"
                for f in FIGURES
                if old.figures.get(f) != kept.figures.get(f)
            ]
            dated = f" dated {kept.letter_date.isoformat()}" if kept.letter_date else ""
            agreement = (
                "Their figures are the same, so this looks like a copy."
                if not differ
                else "Their figures differ: " + ", ".join(differ) + "; check which one is "
                "the corrected letter."
            )
            yield hit(
                f"Another letter for {body.name} for {old.review_year} is in this run "
                f"({kept.path}{dated}); the body's series uses that one, not this. " + agreement,
                old,
                "review_year",
            )


class SeriesBreakNote(BodyRule):
    """The newest letter is not compared with the year before: the series breaks between them.

    ## What it does
    The Ombudsman's figures are not like for like across two breaks:

    - **2020-21**: no new complaints were accepted for three months during the
      Covid-19 pandemic, so that year is unlike the years on either side of it
      (every figure);
    - **2022-23**: the Ombudsman changed how it chose complaints to investigate,
      which raised upheld rates everywhere, so upheld and remedy figures from
      2022-23 on are unlike those before it (compliance is not affected).

    When a body's newest letter and the letter of the year before are separated
    by one of these breaks, the trend rules (upheld rate rising, upheld per
    100,000 rising, compliance falling) do not compare the figures it affects.
    This note says which years were not compared and why, on the newest letter.

    ## Why it matters
    A rise in the upheld rate from 2021-22 to 2022-23 says more about the
    Ombudsman's new way of choosing cases than about the body. Committees should
    compare such a year with the average of similar bodies instead.

    ## Example
    "The 2021-22 and 2022-23 letters of Glenhallow County Council are not compared
    for trends in upheld and remedy figures: from 2022-23 the Ombudsman changed ..."
    """

    code = "LGO402"
    name = "series-break"
    severity = Severity.note

    def check_body(self, body: Body, options: Any) -> Iterator[BodyHit]:
        step = body.latest_step()
        if step is None:
            return
        earlier, later = step
        if earlier.start_year is None or later.start_year is None:
            return
        for brk in SERIES_BREAKS:
            if brk.separates(earlier.start_year, later.start_year):
                what = (
                    "any figure"
                    if brk.measures == frozenset(FIGURES)
                    else "upheld and remedy figures"
                )
                yield hit(
                    f"The {earlier.review_year} and {later.review_year} letters of "
                    f"{body.name} are not compared for trends in {what}: {brk.reason}.",
                    later,
                    "review_year",
                )


CONCERN_WORDS = {
    "delayed_enquiry_responses": "late responses to the Ombudsman's enquiries",
    "non_compliance": "recommendations not carried out, or carried out late",
    "witness_summons": "a witness summons",
    "public_report": "a public interest report",
    "repeated_concern": "a concern repeated from an earlier letter",
    "other_concern": "criticism outside the five named kinds of concern",
}


def _years(records: Sequence[LetterRecord]) -> str:
    names = [r.review_year or "?" for r in records]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


class ConcernInConsecutiveLetters(BodyRule):
    """The Ombudsman raised the same kind of concern in consecutive years' letters.

    ## What it does
    Flags a concern in the body's newest letter (late responses to enquiries,
    recommendations not carried out, a witness summons, a public interest report,
    and any other kind lgo-check finds) when the letter of the year before raised
    the same kind, whether or not the newest letter says "again". The finding is
    on the concern in the newest letter and names every consecutive year that
    raised it.

    ## Why it matters
    The Ombudsman does not always say that a concern is a repeat. A concern that
    comes back a second year means the action taken after the first letter did
    not work, which a committee should hear plainly.

    ## Example
    Late enquiry responses in the 2022-23 and 2023-24 letters: "The Ombudsman
    raised late responses to the Ombudsman's enquiries in the letters for 2022-23
    and 2023-24 (2 consecutive years)."
    """

    code = "LGO421"
    name = "concern-in-consecutive-letters"
    severity = Severity.warning

    def check_body(self, body: Body, options: Any) -> Iterator[BodyHit]:
        run = body.consecutive_run()
        if len(run) < 2:
            return
        newest = run[-1]
        first_of_kind: dict[str, Any] = {}
        for concern in newest.concerns:
            first_of_kind.setdefault(concern.kind, concern)
        for kind, concern in first_of_kind.items():
            years = [newest]
            for record in reversed(run[:-1]):
                if kind not in record.concern_kinds():
                    break
                years.insert(0, record)
            if len(years) < 2:
                continue
            words = CONCERN_WORDS.get(kind, kind.replace("_", " "))
            yield BodyHit(
                f"The Ombudsman raised {words} in the letters for {_years(years)} "
                f"({len(years)} consecutive years).",
                newest.path,
                concern.location(),
            )


class UpheldAbovePeersYearsRunning(BodyRule):
    """The upheld rate was above the average of similar bodies for several years running.

    ## What it does
    Flags a body whose upheld rate was above the average of similar bodies in
    each of the last `years` consecutive review years (default 3), ending with
    its newest letter. Each year is compared with that year's average, which
    stays valid across the breaks in the Ombudsman's series (it is what the
    Ombudsman advises after the 2022-23 change in case selection). A missing
    year ends the run.

    ## Why it matters
    One year above the average may be chance; three in a row is a pattern in how
    the body handles complaints before they reach the Ombudsman.

    ## Example
    "The upheld rate was above the average of similar bodies for 3 years running:
    2021-22 71% (average 68%), 2022-23 79% (74%), 2023-24 80% (77%)."
    """

    code = "LGO422"
    name = "upheld-above-peers-years-running"
    severity = Severity.warning

    class Options(RuleOptions):
        years: int = 3

    def check_body(self, body: Body, options: Any) -> Iterator[BodyHit]:
        years = max(2, int(options.years))
        run = body.consecutive_run()
        if len(run) < years:
            return
        last = run[-years:]
        for record in last:
            rate = record.figures.get("upheld.rate_pct")
            peer = record.figures.get("upheld.peer_average_pct")
            if rate is None or peer is None or not rate > peer:
                return
        detail = ", ".join(
            f"{r.review_year} {_pct(r.figures['upheld.rate_pct'])}% "
            f"(average {_pct(r.figures['upheld.peer_average_pct'])}%)"
            for r in last
        )
        yield hit(
            f"The upheld rate of {body.name} was above the average of similar bodies for "
            f"{years} years running: {detail}.",
            last[-1],
            "upheld.rate_pct",
        )


BUILTIN_BODY_RULES: list[type[Rule]] = [
    DuplicateLetter,
    SeriesBreakNote,
    ConcernInConsecutiveLetters,
    UpheldAbovePeersYearsRunning,
]


# ---------------------------------------------------------------------------
# Declarative trends: a ``trend`` table in a rule file

#: What a trend rule's message can say with ``{trend.NAME}``.
TREND_PLACEHOLDERS = ("previous", "current", "previous_year", "current_year", "difference")


class TrendSpec(BaseModel):
    """``trend = { field = "upheld.rate_pct", change = "rises", option = "points" }``.

    The rule fires on a body's newest letter when ``field`` ``change``s by more than
    ``value`` (or the rule option named by ``option``; 0 when neither is given)
    from the letter of the review year before, and no break in the series lies
    between the two years for that field.
    """

    model_config = ConfigDict(extra="forbid")

    field: str
    change: Literal["rises", "falls"]
    value: Number | None = None
    option: str | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> TrendSpec:
        if self.field not in FIGURES:
            raise ValueError(
                f"a trend needs a figure (block.field), not {self.field!r}; figures: "
                + ", ".join(FIGURES)
            )
        if self.value is not None and self.option is not None:
            raise ValueError("give 'value' or 'option', not both")
        return self


def trend_threshold(spec: TrendSpec, options: Any) -> float:
    if spec.option is not None:
        return float(getattr(options, spec.option))
    return float(spec.value or 0)


def trend_step(
    spec: TrendSpec, body: Body, threshold: float
) -> tuple[LetterRecord, LetterRecord, float] | None:
    """(previous, newest, difference) when the field moved past the threshold like for like."""
    step = body.latest_step()
    if step is None:
        return None
    earlier, later = step
    if series_break(spec.field, earlier.review_year, later.review_year) is not None:
        return None  # series-break says why this pair is not compared
    before, now = earlier.figures.get(spec.field), later.figures.get(spec.field)
    if before is None or now is None:
        return None
    difference = float(now) - float(before)
    moved = difference > threshold if spec.change == "rises" else -difference > threshold
    return (earlier, later, difference) if moved else None


#: The comparison operators a rule file's condition may use (both rule formats).
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def record_value(record: LetterRecord, path: str) -> Any:
    """A figure (``block.field``) or a letter field of a record; None if it has none."""
    head = path.partition(".")[0]
    if head in BLOCKS:
        return record.figures.get(path)
    return getattr(record, path, None) if not path.startswith("_") else None


class DeclarativeTrendRule(RuleFromSpec, BodyRule):
    """A trend rule defined by a rule file's ``[[rule]]`` table with a ``trend``."""

    def __init__(self, spec: RuleSpec, source: Path) -> None:
        assert spec.trend is not None
        super().__init__(spec, source)
        self.trend = spec.trend

    def check_body(self, body: Body, options: Any) -> Iterator[BodyHit]:
        step = trend_step(self.trend, body, trend_threshold(self.trend, options))
        if step is None:
            return
        earlier, later, difference = step
        for condition in self.spec.when:
            left = record_value(later, condition.field)
            if condition.other is not None:
                right = record_value(later, condition.other)
            elif condition.option is not None:
                right = getattr(options, condition.option)
            else:
                right = condition.value
            try:
                if left is None or right is None or not COMPARISONS[condition.op](left, right):
                    return
            except TypeError:
                return
        trend_values = {
            "previous": earlier.figures.get(self.trend.field),
            "current": later.figures.get(self.trend.field),
            "previous_year": earlier.review_year,
            "current_year": later.review_year,
            "difference": round(abs(difference), 2),
        }

        def lookup(name: str) -> Any:
            head, _, rest = name.partition(".")
            if head == "trend":
                return trend_values.get(rest)
            if head == "options":
                return getattr(options, rest, None)
            return record_value(later, name)

        from lgo_check.declarative import render

        yield hit(render(self.spec.message, lookup), later, self.spec.evidence or self.trend.field)


# ---------------------------------------------------------------------------
# Running body rules at the end of a run


class SelectedRule(Protocol):
    """A selected rule with its configured severity and options (engine.ActiveRule)."""

    @property
    def rule(self) -> Rule: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def options(self) -> RuleOptions: ...


def body_rules(rules: Iterable[SelectedRule]) -> list[SelectedRule]:
    return [a for a in rules if isinstance(a.rule, BodyRule)]


def check_bodies(
    bodies: Sequence[Body], rules: Iterable[SelectedRule]
) -> tuple[list[tuple[str, Finding]], list[str]]:
    """Run every selected body rule on every body: (path, finding) pairs, and errors.

    A rule that raises is reported (naming the rule, its plugin and the body)
    and the other rules and bodies go on, as for letter rules.
    """
    selected = body_rules(rules)
    findings: list[tuple[str, Finding]] = []
    errors: list[str] = []
    for body in bodies:
        for active in selected:
            rule = active.rule
            assert isinstance(rule, BodyRule)
            try:
                hits = list(rule.check_body(body, active.options))
            except Exception as exc:  # a plugin rule can raise anything
                errors.append(
                    f"{body.name}: rule {rule.code} {rule.name} (plugin '{rule.origin}') "
                    f"raised {type(exc).__name__}: {exc}"
                )
                continue
            for body_hit in hits:
                findings.append((body_hit.path, _finding(active, body_hit)))
    return findings, errors


def _finding(active: SelectedRule, body_hit: BodyHit) -> Finding:
    span = body_hit.span
    return Finding.placed(
        rule_id=active.rule.code,
        rule=active.rule.name,
        severity=active.severity,
        message=body_hit.message,
        span=span,
        snippet=body_hit.snippet if span else None,
    )
