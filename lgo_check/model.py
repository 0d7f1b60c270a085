"""The data that flows through lgo-check: Source -> Letter -> Finding.

JSON field names are a contract with users (and with the seeds' expected.json):
the value of a field stays a plain number or string at its key, and the place it
came from sits beside it in a ``spans`` map keyed by the same field name.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Span(Model):
    """Where something is in the original file: 1-based lines and columns.

    ``end_column`` is one past the last character, as in SARIF.

    ``page`` is set for paged formats (PDF); ``line`` is then the line within that page.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    page: int | None = None


class Status(StrEnum):
    reported = "reported"
    no_investigations = "no_investigations"
    none_due = "none_due"
    none_upheld = "none_upheld"
    missing = "missing"


class Block(Model):
    status: Status = Status.missing
    spans: dict[str, Span] = Field(default_factory=dict)


class UpheldBlock(Block):
    """Complaints upheld: rate, count, per 100,000 residents, and the investigations base."""

    rate_pct: Number | None = None
    peer_average_pct: Number | None = None
    count: int | None = None
    per_100k: Number | None = None
    peer_average_per_100k: Number | None = None
    investigations: int | None = None


class ComplianceBlock(Block):
    """Compliance with the Ombudsman's recommendations."""

    rate_pct: Number | None = None
    peer_average_pct: Number | None = None
    outcomes: int | None = None


class RemedyBlock(Block):
    """Satisfactory remedies provided by the body before the complaint reached the Ombudsman."""

    rate_pct: Number | None = None
    peer_average_pct: Number | None = None
    count: int | None = None
    upheld_base: int | None = None


class OverviewBlock(Block):
    """Complaint overview (letters for 2024-25 onward)."""

    dealt_with: int | None = None
    not_for_us: int | None = None
    assessed_and_closed: int | None = None
    investigated: int | None = None
    upheld: int | None = None


#: The statistics blocks, by their key in ``Statistics`` and in the JSON report.
BLOCK_MODELS: dict[str, type[Block]] = {
    "upheld": UpheldBlock,
    "compliance": ComplianceBlock,
    "remedy": RemedyBlock,
    "overview": OverviewBlock,
}
#: Each block's figures, in the order the model declares them.
FIGURE_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(f for f in block.model_fields if f not in ("status", "spans"))
    for name, block in BLOCK_MODELS.items()
}
#: The figures that are counts (integers, never rounded through floating point),
#: read from the blocks' own field types.
COUNT_FIELDS: frozenset[str] = frozenset(
    name
    for block in BLOCK_MODELS.values()
    for name, info in block.model_fields.items()
    if info.annotation == (int | None)
)


class Statistics(Model):
    upheld: UpheldBlock = Field(default_factory=UpheldBlock)
    compliance: ComplianceBlock = Field(default_factory=ComplianceBlock)
    remedy: RemedyBlock = Field(default_factory=RemedyBlock)
    #: Only in layouts that have a complaint overview (2024-25 on); null otherwise.
    overview: OverviewBlock | None = None


class Recipient(Model):
    name: str | None = None
    title: str | None = None
    spans: dict[str, Span] = Field(default_factory=dict)


class Period(Model):
    start: dt.date
    end: dt.date


ConcernKind = Literal[
    "delayed_enquiry_responses",
    "repeated_concern",
    "witness_summons",
    "non_compliance",
    "public_report",
    "other_concern",
]

#: How a concern was found: by the rule patterns, by the trained classifier, or both.
FoundBy = Literal["rules", "model", "both"]


class Concern(Model):
    """A concern the Ombudsman raises in prose, and how it was found.

    ``span`` covers its sentences, from the first to the last that state it;
    ``line`` is ``span.line`` (the first line of its first sentence), kept at the
    top level because consumers of the JSON read it there.
    """

    kind: ConcernKind
    line: int
    text: str
    share_pct: Number | None = None
    qualifier: str | None = None
    span: Span
    sentences: list[Span] = Field(default_factory=list)
    found_by: FoundBy
    #: The classifier's score for this kind (highest over its sentences); null when
    #: no sentence of it was scored.
    model_score: float | None = None


class Problem(Model):
    """A part of the letter that is there but could not be read unambiguously."""

    field: str
    reason: str
    span: Span | None = None


class HiddenText(Model):
    """Text in the file that a reader does not see, left out of the letter; or, when
    ``decided`` is false, a reason lgo-check cannot tell whether some text is seen
    (an external stylesheet it does not fetch)."""

    #: How it is hidden ("CSS `display: none` (the <style> rule `.aside`)").
    how: str
    #: The hidden text, whitespace collapsed and cut short ("" when there is none).
    excerpt: str = ""
    decided: bool = True
    span: Span | None = None


class Letter(Model):
    """Everything lgo-check read from one letter."""

    is_annual_review: bool = True
    layout: str | None = None
    organisation: str | None = None
    recipient: Recipient = Field(default_factory=Recipient)
    letter_date: dt.date | None = None
    review_year: str | None = None
    period: Period | None = None
    statistics: Statistics = Field(default_factory=Statistics)
    concerns: list[Concern] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    spans: dict[str, Span] = Field(default_factory=dict)
    #: What the loader left out as hidden, for the hidden-text rule. Not part of the
    #: letter's JSON: a hidden figure must never appear as the letter's (the rule's
    #: findings say what was hidden and where).
    hidden_text: list[HiddenText] = Field(default_factory=list, exclude=True)


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    note = "note"

    @property
    def rank(self) -> int:
        return {"note": 1, "warning": 2, "error": 3}[self.value]


class Finding(Model):
    """One thing a rule has to say about one file, pointing at its evidence."""

    rule_id: str
    rule: str
    severity: Severity
    message: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    page: int | None = None
    snippet: str | None = None

    @classmethod
    def placed(
        cls,
        *,
        rule_id: str,
        rule: str,
        severity: Severity,
        message: str,
        span: Span | None,
        snippet: str | None,
    ) -> Finding:
        """A finding at a span; one with no span points at the start of the file."""
        return cls(
            rule_id=rule_id,
            rule=rule,
            severity=severity,
            message=message,
            line=span.line if span else 1,
            column=span.column if span else 1,
            end_line=span.end_line if span else 1,
            end_column=span.end_column if span else 1,
            page=span.page if span else None,
            snippet=snippet,
        )


class Acknowledged(Finding):
    """A finding that the baseline file lists: kept out of ``findings`` and the exit status."""

    #: Why it was acknowledged, as the baseline file says ("" when not filled in).
    reason: str = ""


class FileReport(Model):
    path: str
    format: str | None = None
    letter: Letter | None = None
    findings: list[Finding] = Field(default_factory=list)
    #: Findings hidden by ``--baseline`` (empty without one).
    acknowledged: list[Acknowledged] = Field(default_factory=list)
    checked: bool = True
    error: str | None = None


class RuleInfo(Model):
    """What a report needs to know about a rule that ran (SARIF lists them all)."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    options: dict[str, Any] = Field(default_factory=dict)
    origin: str = "builtin"


class ToolInfo(Model):
    name: str = "lgo-check"
    version: str


class Summary(Model):
    files: int
    checked: int
    not_checked: int
    findings: int
    by_severity: dict[str, int]
    by_rule: dict[str, int]
    #: Findings hidden by ``--baseline``, not counted in ``findings``.
    acknowledged: int = 0


class BodyLetter(Model):
    """One letter of a body in the bodies section."""

    review_year: str | None
    path: str
    letter_date: dt.date | None = None
    #: The name as this letter writes it.
    organisation: str
    #: False for a second letter of the same year (see ``superseded_by``) or one with no year.
    in_series: bool = True
    superseded_by: str | None = None


class BodyBreak(Model):
    """Two consecutive letters of a body that a break in the Ombudsman's series separates."""

    from_year: str
    to_year: str
    #: The year of the break (2020-21: Covid-19 pause; 2022-23: change in case selection).
    review_year: str
    #: The figures (``block.field``) that are not like for like across it.
    measures: list[str]
    reason: str


class BodyReport(Model):
    """A body across the years: its letters, and every figure as a series by review year."""

    name: str
    #: The normalised name the letters were grouped by.
    key: str
    names: list[str]
    #: Review years with a letter, oldest first; ``series`` values line up with these.
    years: list[str]
    missing_years: list[str] = Field(default_factory=list)
    letters: list[BodyLetter]
    #: ``block.field`` -> one value per year in ``years`` (null where not stated).
    series: dict[str, list[Number | None]]
    breaks: list[BodyBreak] = Field(default_factory=list)


class LateFindings(Model):
    """Findings of the rules over a body's years, for one file (written after every file)."""

    path: str
    findings: list[Finding]


class Report(Model):
    tool: ToolInfo
    files: list[FileReport]
    #: Streamed output only: findings over a body's years, per file they point at
    #: (held in memory, they are in ``files`` instead, and this is empty).
    body_findings: list[LateFindings] = Field(default_factory=list)
    #: Letters grouped by body, with each body's series of figures over the years.
    bodies: list[BodyReport] = Field(default_factory=list)
    summary: Summary


class Source(Model):
    """A file's text as its loader read it, before normalisation.

    ``text`` is what line and column numbers refer to: the decoded file for text
    formats, the text layer for PDF (pages joined by form feeds), paragraphs for DOCX.
    """

    path: str
    format: str
    text: str
    html_document: bool = False
    paged: bool = False
    #: Table cells a loader knows of (Word), as (table, row, start, end) offsets in
    #: ``text``, so that figures are paired with their row's label, not the next line.
    table_cells: list[tuple[int, int, int, int]] = Field(default_factory=list)
    #: Text the loader left out because a reader does not see it (hidden-text rule).
    hidden_text: list[HiddenText] = Field(default_factory=list)
    #: Where a paragraph starts after a gap the text does not show (PDF: vertical space
    #: between lines), as offsets in ``text`` of line starts; normalising puts a blank
    #: line there, as a text letter has, while line numbers stay the file's own.
    paragraph_starts: list[int] = Field(default_factory=list)
