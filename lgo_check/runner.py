"""The runner: each file through the pipeline, each stage isolated, reports in order.

    path -> Source (load) -> NormalisedText (normalise) -> Letter (extract) -> Findings (check)

:class:`Pipeline` is what one process builds once (rules, limits, loaders) and
then runs per file (:meth:`Pipeline.check`). A stage that fails on a file ends
that file only: it gets one finding naming the stage and the reason
(``check-failed``), every other file is checked and reported, and the run's exit
status is 2, because a check that did not run is not a clean result.

:func:`stream` writes each file's report as soon as it and every file before it
are done, in sorted order, so nothing holds every letter's report. What later
stages need about every letter (body-level rules over a body's years) is kept
as a small :class:`LetterDigest` per letter and handed to a :data:`BodyStage`
after the last file; its findings and its ``bodies`` section end the report.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import IO, Any, Protocol

from lgo_check import __version__
from lgo_check.baseline import Baseline
from lgo_check.config import Config
from lgo_check.extract import extract_letters
from lgo_check.extract.layout import metadata_wording
from lgo_check.extract.narrative import pipeline as narrative_pipeline
from lgo_check.isolation import describe, reraise_if_fatal
from lgo_check.load import Limits, LoadError, Target, discover, read_source
from lgo_check.model import (
    FileReport,
    Finding,
    LateFindings,
    Letter,
    Number,
    Report,
    RuleInfo,
    Span,
    Summary,
    ToolInfo,
)
from lgo_check.normalise import NormalisedText, normalise
from lgo_check.plugins import Registry
from lgo_check.report.base import Reporter, RunEnd, RunStart
from lgo_check.rule import Hit, Rule, RuleOptions
from lgo_check.selection import ActiveRule, select_rules
from lgo_check.summary import FileCounts, Tally

UNREADABLE = "unreadable-input"
CHECK_FAILED = "check-failed"


def _finding(active: ActiveRule, hit: Hit, norm: NormalisedText | None) -> Finding:
    span = hit.span
    if span is None and norm is not None:
        span = norm.line_span(1, page=1 if norm.paged else None)
    return Finding.placed(
        rule_id=active.rule.code,
        rule=active.rule.name,
        severity=active.severity,
        message=hit.message,
        span=span,
        # A finding about something absent has no evidence text: its fingerprint must
        # not change with whatever happens to be on line 1.
        snippet=norm.snippet(hit.span) if (norm is not None and hit.span is not None) else None,
    )


def _rule_label(rule: Rule) -> str:
    return f"rule {rule.code} {rule.name} (plugin '{rule.origin}')"


class _BadHit(Exception):
    """A rule returned something that is not a well-formed Hit."""


def _checked_hit(hit: object) -> Hit:
    """A rule's hit, refused unless it has the types the contract says."""
    if not isinstance(hit, Hit):
        raise _BadHit(f"returned {type(hit).__name__}, not a Hit")
    if not isinstance(hit.message, str):
        raise _BadHit(f"returned a Hit whose message is {type(hit.message).__name__}, not str")
    if hit.span is not None and not isinstance(hit.span, Span):
        raise _BadHit(f"returned a Hit whose span is {type(hit.span).__name__}, not a Span")
    return hit


class StageNote:
    """Where the file being checked is now (a stage, a rule), so that a file stopped at
    its time limit is reported with where it stopped.

    Kept in the process's memory; a worker process keeps it in memory shared with the
    run's process (:class:`lgo_check.workers.SharedStageNote`), which reads it when
    it has to kill the worker.
    """

    def __init__(self) -> None:
        self.now = ""

    def mark(self, stage: str) -> None:
        self.now = stage

    def read(self) -> str:
        return self.now


def check_letter(
    letter: Letter,
    rules: Sequence[ActiveRule],
    norm: NormalisedText | None,
    path: str,
    note: StageNote | None = None,
) -> tuple[list[Finding], list[str]]:
    """Run each rule on a letter; a rule that fails is reported and the others go on.

    Returns the findings (sorted by place) and one message per rule that failed.
    ``note`` is told which rule runs.
    """
    findings: list[Finding] = []
    errors: list[str] = []
    for active in rules:
        if active.rule.needs_annual_review and not letter.is_annual_review:
            continue
        if note is not None:
            note.mark(f"in {_rule_label(active.rule)}")
        try:
            found = [
                _finding(active, _checked_hit(hit), norm)
                for hit in active.rule.check(letter, active.options) or ()
            ]
        except _BadHit as exc:
            errors.append(f"{_rule_label(active.rule)} {exc}")
            continue
        except BaseException as exc:  # even sys.exit() in a rule is the rule's failure
            reraise_if_fatal(exc)
            errors.append(f"{_rule_label(active.rule)} raised {describe(exc)}")
            continue
        findings.extend(found)
    findings.sort(key=lambda f: (f.page or 0, f.line or 0, f.column or 0, f.rule_id))
    return findings, errors


# --- what later stages keep about every letter -------------------------------------


Place = tuple[int, int, int, int, int | None]

#: One copy of each tuple of names: every letter of a layout has the same names.
_SHARED_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared(names: tuple[str, ...]) -> tuple[str, ...]:
    return _SHARED_NAMES.setdefault(names, names)


@dataclass(frozen=True, slots=True)
class LetterDigest:
    """What is kept about each checked letter once its report is written.

    Small on purpose (about 1 KB): the runner keeps one per letter for the
    body-level stage, so memory stays flat in the number of files. Names are
    shared between letters and places packed as integers; ``figures``,
    ``statuses`` and ``places`` give them back as dictionaries keyed
    ``block.field`` (``upheld.rate_pct``; a block's name for its status); a
    place is ``(line, column, end_line, end_column, page)``.
    """

    path: str
    organisation: str | None
    review_year: str | None
    layout: str | None
    is_annual_review: bool
    figure_names: tuple[str, ...]
    figure_values: tuple[Number | None, ...]
    status_names: tuple[str, ...]
    status_values: tuple[str, ...]
    place_names: tuple[str, ...]
    #: Five integers per place (page 0: not paged).
    place_values: array[int]
    concern_kinds: tuple[str, ...]
    #: Orders two letters of one body and year (a reissue is dated later).
    letter_date: dt.date | None = None
    #: Each concern's kind and place, in the letter's order (trend rules point at them).
    concerns: tuple[tuple[str, Place], ...] = ()

    @property
    def figures(self) -> dict[str, Number | None]:
        return dict(zip(self.figure_names, self.figure_values, strict=True))

    @property
    def statuses(self) -> dict[str, str]:
        return dict(zip(self.status_names, self.status_values, strict=True))

    @property
    def places(self) -> dict[str, Place]:
        v = self.place_values
        return {
            name: (v[5 * i], v[5 * i + 1], v[5 * i + 2], v[5 * i + 3], v[5 * i + 4] or None)
            for i, name in enumerate(self.place_names)
        }

    def shared(self) -> LetterDigest:
        """This digest with its names shared again (a worker's copy arrives with its own)."""
        return replace(
            self,
            figure_names=_shared(self.figure_names),
            status_names=_shared(self.status_names),
            status_values=_shared(self.status_values),
            place_names=_shared(self.place_names),
            concern_kinds=_shared(self.concern_kinds),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent by every worker for every letter: as a tuple (the generated pickling of
        # a slotted dataclass looks its fields up each time), names shared on arrival.
        return (_received_digest, tuple(getattr(self, name) for name in _DIGEST_FIELDS))

    @classmethod
    def of(cls, path: str, letter: Letter) -> LetterDigest:
        figures: dict[str, Number | None] = {}
        statuses: dict[str, str] = {}
        places: dict[str, Span] = {}
        for block_name in type(letter.statistics).model_fields:
            block = getattr(letter.statistics, block_name)
            if block is None:
                continue
            statuses[block_name] = block.status.value
            for name, value in block:
                if name in ("status", "spans"):
                    continue
                figures[f"{block_name}.{name}"] = value
            for name, span in block.spans.items():
                places[f"{block_name}.{name}"] = span
        for name in ("organisation", "review_year"):
            span = letter.spans.get(name)
            if span is not None:
                places[name] = span
        packed = array("i")
        for span in places.values():
            packed.extend((span.line, span.column, span.end_line, span.end_column, span.page or 0))
        return cls(
            path=path,
            organisation=letter.organisation,
            review_year=letter.review_year,
            layout=letter.layout,
            is_annual_review=letter.is_annual_review,
            figure_names=_shared(tuple(figures)),
            figure_values=tuple(figures.values()),
            status_names=_shared(tuple(statuses)),
            status_values=_shared(tuple(statuses.values())),
            place_names=_shared(tuple(places)),
            place_values=packed,
            concern_kinds=_shared(tuple(sorted({c.kind for c in letter.concerns}))),
            letter_date=letter.letter_date,
            concerns=tuple(
                (
                    c.kind,
                    (c.span.line, c.span.column, c.span.end_line, c.span.end_column, c.span.page),
                )
                for c in letter.concerns
            ),
        )


_DIGEST_FIELDS = tuple(f.name for f in fields(LetterDigest))


_DIGEST_NAMES = ("figure_names", "status_names", "status_values", "place_names", "concern_kinds")


def _received_digest(*values: Any) -> LetterDigest:
    given = dict(zip(_DIGEST_FIELDS, values, strict=True))
    for name in _DIGEST_NAMES:
        given[name] = _shared(given[name])
    return LetterDigest(**given)


@dataclass
class BodyResult:
    """What the body-level stage adds at the end of a run.

    ``findings`` are per file (a :class:`FileReport` with only ``path`` and
    ``findings`` set, pointing at the newest letter of a body); ``bodies`` is
    written as the report's ``bodies`` section where the format has one;
    ``errors`` are failures of body-level rules (exit status 2).
    """

    findings: list[FileReport] = field(default_factory=list)
    bodies: list[dict[str, Any]] | None = None
    errors: list[str] = field(default_factory=list)


class BodyStage(Protocol):
    """Run after every file, over the digests of every checked letter in path order;
    ``bodies``: whether the report has a ``bodies`` section to fill."""

    def __call__(self, digests: Sequence[LetterDigest], bodies: bool = ...) -> BodyResult: ...


# --- one file through the pipeline ---------------------------------------------------


@dataclass
class FileOutcome:
    """One file's report, the internal failures met on it, and its digest."""

    report: FileReport
    errors: list[str] = field(default_factory=list)
    digest: LetterDigest | None = None


class Pipeline:
    """The per-file pipeline, built once per process."""

    def __init__(self, config: Config, registry: Registry) -> None:
        self.rules = select_rules(registry, config)
        self.loaders = list(registry.loaders)
        self.spacy_model = config.spacy_model
        self.concern_threshold = config.concern_threshold
        self.limits = Limits(
            max_bytes=config.max_file_bytes,
            max_pages=config.max_pages,
            max_seconds=config.timeout_seconds,
            max_memory_bytes=config.max_pdf_memory_mb * 1_000_000,
        )
        self.artefacts = metadata_wording().artefacts
        self.unreadable = next((a for a in self.rules if a.rule.name == UNREADABLE), None)
        failed = registry.find(CHECK_FAILED)
        if failed is None:  # pragma: no cover - the built-in plugin always provides it
            from lgo_check.builtin_rules import CheckFailed

            failed = CheckFailed()
        # Always reported, selected or not: a failure must not be hidden by --select.
        self.failure = ActiveRule(failed, failed.severity, RuleOptions())
        #: Where the file being checked is (read when its time limit ran out).
        self.note = StageNote()

    def rule_infos(self) -> list[RuleInfo]:
        """The rules that run, and check-failed, which any file may get, in code order."""
        rules = [a.rule for a in self.rules]
        if self.failure.rule not in rules:
            rules.append(self.failure.rule)
        return [rule.info() for rule in sorted(rules, key=lambda r: r.code)]

    def failed(self, target: Target, what: str) -> FileOutcome:
        """The report of a file that a failure kept from being checked (``what`` says how)."""
        finding = _finding(self.failure, Hit(f"Not checked: {what}."), None)
        return FileOutcome(
            FileReport(path=target.display, findings=[finding], checked=False, error=what),
            [f"{target.display}: {what}"],
        )

    def timed_out(self, target: Target, stage: str = "") -> FileOutcome:
        """A file that took longer than the time limit: not checked (unreadable-input),
        like a file over the size limit; the run goes on. ``stage`` says where it was
        stopped (what :attr:`note` last said)."""
        where = f", stopped {stage}" if stage else ""
        reason = (
            f"checking took longer than the limit of {self.limits.max_seconds:g} s{where} "
            "(set timeout-seconds in the configuration to raise it)"
        )
        return FileOutcome(self._not_checked(target, reason))

    def warm(self) -> None:
        """Build what every file needs (spaCy, matchers) now, before workers are forked."""
        with suppress(Exception):  # a failure is reported by each file that needs it
            narrative_pipeline(self.spacy_model, self.concern_threshold)

    def check(self, target: Target) -> FileOutcome:
        """Load, normalise, extract and check one file; never raises for the file's sake."""
        file_limits = self.limits.started()
        note = self.note
        try:
            note.mark("while reading the file")
            source = read_source(target, self.loaders, file_limits)
            note.mark("while normalising the text")
            norm = normalise(source, self.artefacts)
            file_limits.check_time("after normalising")
        except LoadError as exc:
            return FileOutcome(self._not_checked(target, str(exc)))
        except BaseException as exc:  # a loader plugin's bug must not end the run
            reraise_if_fatal(exc)
            return self.failed(target, f"reading failed: {describe(exc)}")
        try:
            note.mark("while extracting figures and concerns")
            [letter] = extract_letters([norm], self.spacy_model, self.concern_threshold)
        except BaseException as exc:
            reraise_if_fatal(exc)
            return self.failed(target, f"extraction failed: {describe(exc)}")
        findings, rule_errors = check_letter(letter, self.rules, norm, target.display, note)
        note.mark("after the rules")
        for error in rule_errors:
            findings.append(
                _finding(self.failure, Hit(f"Checking failed in the rules: {error}."), None)
            )
        report = FileReport(
            path=target.display, format=source.format, letter=letter, findings=findings
        )
        return FileOutcome(
            report,
            [f"{target.display}: {error}" for error in rule_errors],
            LetterDigest.of(target.display, letter),
        )

    def _not_checked(self, target: Target, reason: str) -> FileReport:
        findings = []
        if self.unreadable is not None:
            findings.append(
                _finding(self.unreadable, Hit(f"Could not be checked: {reason}."), None)
            )
        return FileReport(path=target.display, findings=findings, checked=False, error=reason)


def check_files(
    targets: Sequence[Target], pipeline: Pipeline, jobs: int | None = 1, in_process: bool = False
) -> Iterator[FileOutcome]:
    """Each target's outcome, in the targets' order; ``jobs`` worker processes (None: one
    per CPU; ``in_process``: none, this process checks them)."""
    from lgo_check.workers import check_all, effective_jobs

    return check_all(targets, pipeline, effective_jobs(jobs, len(targets)), in_process=in_process)


@dataclass(slots=True)
class ReadyFile:
    """One file's report made ready to write: what the reporter prepared from it
    (text, mostly), its counts, its internal failures and its digest. This, not the
    report, is what a worker process sends back."""

    path: str
    prepared: Any
    counts: FileCounts
    errors: list[str]
    digest: LetterDigest | None
    #: False if not even the failure could be rendered (nothing is written for it).
    rendered: bool = True

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            ReadyFile,
            (self.path, self.prepared, self.counts, self.errors, self.digest, self.rendered),
        )


class Preparer:
    """Makes each file's outcome ready to write, with ``reporter.prepare``.

    Called where the file was checked (a worker process, on its copy of the
    reporter) unless a baseline is applied: a baseline matches findings in the
    run's order, so then the run's process prepares every file itself.
    """

    def __init__(self, pipeline: Pipeline, reporter: Reporter, baseline: Baseline | None) -> None:
        self.pipeline = pipeline
        self.reporter = reporter
        self.baseline = baseline

    def __call__(self, outcome: FileOutcome) -> ReadyFile:
        report = outcome.report
        self.pipeline.note.mark("while writing its report")
        if self.baseline is not None:
            report = self.baseline.apply(report)
        try:
            prepared = self.reporter.prepare(report)
        except Exception as exc:  # one file's report that cannot be written costs only it
            return self.unrenderable(report.path, exc)
        counts = FileCounts.of(report)
        return ReadyFile(report.path, prepared, counts, outcome.errors, outcome.digest)

    def unrenderable(self, path: str, exc: Exception) -> ReadyFile:
        """The file's report could not be rendered: a check-failed report instead."""
        target = Target(Path(path), path)
        failed = self.pipeline.failed(target, f"rendering failed: {describe(exc)}")
        report = failed.report
        try:
            prepared = self.reporter.prepare(report)
        except Exception as again:  # not even the failure can be shown for this file
            failed.errors.append(f"{path!r}: rendering failed: {describe(again)}")
            return ReadyFile(path, None, FileCounts.of(report), failed.errors, None, rendered=False)
        return ReadyFile(path, prepared, FileCounts.of(report), failed.errors, None)


# --- a whole run -----------------------------------------------------------------------


@dataclass
class RunOutcome:
    """How a streamed run ended: its counts and its internal errors."""

    summary: Summary
    errors: list[str]
    rules: list[RuleInfo]


def stream(
    paths: Sequence[Path],
    config: Config,
    registry: Registry,
    reporter: Reporter,
    out: IO[str],
    *,
    body_stage: BodyStage | None = None,
    exclude: Sequence[Path] = (),
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
    baseline: Baseline | None = None,
    in_process: bool = False,
) -> RunOutcome:
    """Check every letter under the paths, writing each report to ``out`` as it is ready.

    ``exclude`` are files never read as letters (the report being written).
    ``progress(done, total)`` is called after each file. ``jobs`` worker processes
    check files at once (None: one per CPU); ``in_process``: no worker, this process
    checks them (for a debugger; compiled code stuck holding Python's lock would hang
    the run).
    ``baseline`` moves the findings it lists to each file's ``acknowledged``; its
    stale entries end the report as findings of the baseline file.
    """
    pipeline = Pipeline(config, registry)
    targets = [t for t in discover(paths, registry.extensions()) if not _excluded(t, exclude)]
    rules = pipeline.rule_infos()
    errors = list(registry.errors)
    tally = Tally()
    digests: list[LetterDigest] = []
    out.write(reporter.start(RunStart(tool=ToolInfo(version=__version__), rules=rules)))
    preparer = Preparer(pipeline, reporter, baseline)
    ready_files = _ready_files(targets, pipeline, jobs, preparer, in_process)
    written = 0
    try:
        for ready in ready_files:
            chunk = ""
            if ready.rendered:
                try:
                    chunk = reporter.place(ready.prepared)
                except Exception as exc:
                    ready = preparer.unrenderable(ready.path, exc)
                    if ready.rendered:
                        try:
                            chunk = reporter.place(ready.prepared)
                        except Exception as again:
                            ready.errors.append(
                                f"{ready.path!r}: rendering failed: {describe(again)}"
                            )
            out.write(chunk)
            written += 1
            tally.add_counts(ready.counts)
            errors.extend(ready.errors)
            if ready.digest is not None:
                digests.append(ready.digest)  # names shared: made here, or as it arrived
            if progress is not None:
                progress(written, len(targets))
        late = BodyResult()
        if body_stage is not None:
            try:
                late = body_stage(digests, bodies=reporter.writes_bodies)
            except BaseException as exc:
                reraise_if_fatal(exc)
                late = BodyResult(errors=[f"body-level rules failed: {describe(exc)}"])
    except KeyboardInterrupt:
        # The user's Ctrl-C: workers stopped, and the report so far ended as a whole
        # document (valid JSON or SARIF, with the files written), marked as failed.
        ready_files.close()
        left = len(targets) - written
        errors.append(
            f"interrupted by the user: {left} of {len(targets)} file(s) not checked or not "
            "reported, and no body-level rules run"
        )
        with suppress(Exception):
            out.write(reporter.finish(RunEnd(tally.summary(), errors)))
        raise
    if baseline is not None:
        late.findings = [baseline.apply(file) for file in late.findings]
        severities = {a.rule.code: a.severity for a in pipeline.rules}
        stale = baseline.stale_report(severities, paths, str(baseline.path))
        if stale is not None:
            late.findings.append(stale)
    for file in late.findings:
        tally.acknowledged += len(file.acknowledged)
        tally.add_findings(file.findings)
    errors.extend(late.errors)
    summary = tally.summary()
    out.write(reporter.finish(RunEnd(summary, errors, late.findings, late.bodies)))
    return RunOutcome(summary, errors, rules)


def _ready_files(
    targets: Sequence[Target],
    pipeline: Pipeline,
    jobs: int | None,
    preparer: Preparer,
    in_process: bool,
) -> Generator[ReadyFile, None, None]:
    """Each target made ready to write, in order; prepared by the workers if it can be."""
    from lgo_check.workers import check_all, effective_jobs, supervised

    jobs = effective_jobs(jobs, len(targets))
    if supervised(in_process) and preparer.baseline is None:
        yield from check_all(targets, pipeline, jobs, preparer)
    else:
        for outcome in check_all(targets, pipeline, jobs, in_process=in_process):
            yield preparer(outcome)


def _excluded(target: Target, exclude: Sequence[Path]) -> bool:
    for path in exclude:
        try:
            if target.path.samefile(path):
                return True
        except OSError:
            continue
    return False


@dataclass
class RunResult:
    """A whole run held in memory (for the API and tests; the CLI streams instead)."""

    report: Report
    errors: list[str]
    #: The rules that ran (and check-failed), in code order.
    rules: list[RuleInfo] = field(default_factory=list)


def run(
    paths: Sequence[Path],
    config: Config,
    registry: Registry,
    jobs: int | None = 1,
    in_process: bool = False,
) -> RunResult:
    """Check every letter under the paths and return the whole report (``jobs`` and
    ``in_process`` as for :func:`stream`)."""
    pipeline = Pipeline(config, registry)
    targets = discover(paths, registry.extensions())
    errors = list(registry.errors)
    reports: list[FileReport] = []
    digests: list[LetterDigest] = []
    for outcome in check_files(targets, pipeline, jobs, in_process):
        reports.append(outcome.report)
        errors.extend(outcome.errors)
        if outcome.digest is not None:
            digests.append(outcome.digest)
    from lgo_check.history import check_history

    late, bodies, body_errors = check_history(digests, pipeline.rules, config.bodies.aliases)
    errors.extend(body_errors)
    tally = Tally()
    for file in reports:
        tally.add_file(file)
    for extra in late:
        tally.add_findings(extra.findings)
    whole = Report(
        tool=ToolInfo(version=__version__),
        files=reports,
        body_findings=[LateFindings(path=f.path, findings=f.findings) for f in late],
        bodies=bodies,
        summary=tally.summary(),
    )
    return RunResult(whole, errors, pipeline.rule_infos())
