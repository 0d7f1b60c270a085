"""Summary and exit status: counted file by file, so no report is held to count it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lgo_check.model import FileReport, Finding, Severity, Summary

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True, slots=True)
class FileCounts:
    """What the summary needs of one file's report (small: sent between processes
    instead of the report when the report's text was made in a worker)."""

    checked: bool
    acknowledged: int
    #: Each finding's severity and rule name.
    findings: tuple[tuple[str, str], ...]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FileCounts, (self.checked, self.acknowledged, self.findings))

    @classmethod
    def of(cls, report: FileReport) -> FileCounts:
        return cls(
            report.checked,
            len(report.acknowledged),
            tuple((f.severity.value, f.rule) for f in report.findings),
        )


class Tally:
    """The run's counts, fed one file report at a time."""

    def __init__(self) -> None:
        self.files = 0
        self.checked = 0
        self.by_severity: Counter[str] = Counter()
        self.by_rule: Counter[str] = Counter()
        self.acknowledged = 0

    def add_file(self, report: FileReport) -> None:
        self.files += 1
        self.checked += report.checked
        self.acknowledged += len(report.acknowledged)
        self.add_findings(report.findings)

    def add_counts(self, counts: FileCounts) -> None:
        self.files += 1
        self.checked += counts.checked
        self.acknowledged += counts.acknowledged
        for severity, rule in counts.findings:
            self.by_severity[severity] += 1
            self.by_rule[rule] += 1

    def add_findings(self, findings: Iterable[Finding]) -> None:
        """Findings counted without a file of their own (those of rules run after all files)."""
        for finding in findings:
            self.by_severity[finding.severity.value] += 1
            self.by_rule[finding.rule] += 1

    def summary(self) -> Summary:
        return Summary(
            files=self.files,
            checked=self.checked,
            not_checked=self.files - self.checked,
            findings=sum(self.by_rule.values()),
            by_severity={s.value: self.by_severity.get(s.value, 0) for s in Severity},
            by_rule=dict(sorted(self.by_rule.items())),
            acknowledged=self.acknowledged,
        )


def summarise(reports: Sequence[FileReport]) -> Summary:
    tally = Tally()
    for report in reports:
        tally.add_file(report)
    return tally.summary()


def exit_code(summary: Summary, errors: Sequence[str], fail_on: str) -> int:
    """0 clean, 1 findings at or above fail-on (or a file not checked), 2 internal error.

    An internal error (a plugin, a rule or a stage that failed) is never a clean
    result: something that should have been checked was not.
    """
    if errors:
        return EXIT_ERROR
    if fail_on == "never":
        return EXIT_OK
    if summary.not_checked:
        return EXIT_FINDINGS
    threshold = Severity(fail_on).rank
    if any(count and Severity(s).rank >= threshold for s, count in summary.by_severity.items()):
        return EXIT_FINDINGS
    return EXIT_OK
