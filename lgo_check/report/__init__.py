"""Report: each file's report, as it is done -> text for a person or a machine.

Every format is a :class:`~lgo_check.report.base.Reporter`; add one by adding
its class to :data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lgo_check.model import Report, RuleInfo
from lgo_check.report.base import Reporter, ReportOptions, render_report
from lgo_check.report.github import GithubReporter
from lgo_check.report.gitlab import GitlabReporter
from lgo_check.report.json_report import JsonReporter
from lgo_check.report.jsonl import JsonLinesReporter
from lgo_check.report.junit import JunitReporter
from lgo_check.report.sarif import SarifReporter
from lgo_check.report.text import TextReporter

FORMATS: dict[str, Callable[[ReportOptions], Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "jsonl": JsonLinesReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
    "gitlab": GitlabReporter,
    "junit": JunitReporter,
}


def make_reporter(output_format: str, options: ReportOptions | None = None) -> Reporter:
    return FORMATS[output_format](options or ReportOptions())


def render(
    report: Report,
    output_format: str,
    rules: Sequence[RuleInfo] = (),
    errors: Sequence[str] = (),
    color: bool = False,
    show_letters: bool = False,
    fail_on: str = "error",
) -> str:
    """A whole report held in memory, in one format."""
    options = ReportOptions(color=color, show_letters=show_letters, fail_on=fail_on)
    reporter = make_reporter(output_format, options)
    return render_report(reporter, report, rules, errors)
