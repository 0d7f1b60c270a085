"""What every report format is: a :class:`Reporter` fed one file at a time.

The runner calls ``start`` once, ``file`` once per file in sorted path order
(as soon as the file is done), and ``finish`` once; each returns the text to
write next. For each file the runner calls ``place(prepare(report))``; by default
that is ``file(report)``. A format whose text for a file needs nothing of the run's
state is a :class:`PreparedReporter`: ``prepare`` builds the text (the runner
calls it where the file was checked, in a worker process when there are
workers, so the costly part is done in parallel and only text crosses between
processes) and ``place`` puts it in order (separators, counts). A reporter
keeps only what its format needs at the end (counts, a list of files that could
not be checked), never every file's report, so memory stays flat however many
files a run has.

Reporters depend on the model only (never on the runner), so a new format is one
module and one line in :data:`lgo_check.report.FORMATS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lgo_check.model import FileReport, Report, RuleInfo, Summary, ToolInfo


@dataclass(frozen=True)
class RunStart:
    tool: ToolInfo
    #: The rules that ran (and check-failed, which any file may get), in code order.
    rules: Sequence[RuleInfo]


@dataclass(frozen=True)
class RunEnd:
    summary: Summary
    #: Internal failures (plugins, rules, stages), also told on stderr; exit status 2.
    errors: Sequence[str]
    #: Findings of the rules that run after every file (over a body's letters), per file.
    late: Sequence[FileReport] = ()
    #: The body-level section, for formats that have one (JSON); None when not computed.
    bodies: list[dict[str, Any]] | None = None


@dataclass
class ReportOptions:
    color: bool = False
    show_letters: bool = False
    #: The lowest severity that fails the run (formats that mark failures, like JUnit).
    fail_on: str = "error"
    #: --quiet: findings only, no closing count (text).
    quiet: bool = False
    #: Text output: list the findings the baseline acknowledged, with their reasons.
    show_acknowledged: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Reporter:
    """A report format. Subclasses override the three steps they need."""

    #: Whether ``finish`` writes the body-level section (``RunEnd.bodies``): building
    #: it is most of the body-level stage's time, spent only for a format that has it.
    writes_bodies = True

    def __init__(self, options: ReportOptions | None = None) -> None:
        self.options = options or ReportOptions()

    def start(self, run: RunStart) -> str:
        return ""

    def file(self, report: FileReport) -> str:
        """The text for one file's report; raising here costs only this file its report."""
        return ""

    def prepare(self, report: FileReport) -> Any:
        """What of one file's text depends on the file alone (picklable; may run in a
        worker process, on a copy of this reporter made after ``start``).
        By default the report itself, for ``place`` to hand to ``file``."""
        return report

    def place(self, prepared: Any) -> str:
        """The text for one file from what ``prepare`` returned, in the run's order."""
        return self.file(prepared)

    def finish(self, end: RunEnd) -> str:
        return ""


class PreparedReporter(Reporter):
    """A format that makes a file's text in ``prepare`` and only orders it in ``place``."""

    def file(self, report: FileReport) -> str:
        return self.place(self.prepare(report))

    def prepare(self, report: FileReport) -> Any:
        raise NotImplementedError

    def place(self, prepared: Any) -> str:
        raise NotImplementedError


def render_report(
    reporter: Reporter,
    report: Report,
    rules: Sequence[RuleInfo] = (),
    errors: Sequence[str] = (),
) -> str:
    """A whole report held in memory, through a reporter (for the API and tests)."""
    parts = [reporter.start(RunStart(tool=report.tool, rules=rules))]
    parts.extend(reporter.file(file) for file in report.files)
    late = [FileReport(path=f.path, findings=f.findings) for f in report.body_findings]
    bodies = [body.model_dump(mode="json") for body in report.bodies]
    parts.append(
        reporter.finish(RunEnd(summary=report.summary, errors=errors, late=late, bodies=bodies))
    )
    return "".join(parts)
