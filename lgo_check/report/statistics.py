"""``--statistics``: how many findings each rule raised, instead of the findings.

As ruff's ``--statistics``: one line per rule, most frequent first, then the
closing count of the text report (acknowledged findings are not counted). With
``--format json``, a list of ``{"code", "name", "severity", "count"}``.
"""

from __future__ import annotations

from collections import Counter

from lgo_check.model import FileReport, Finding
from lgo_check.report.base import Reporter, ReportOptions, RunEnd
from lgo_check.report.json_report import dumps
from lgo_check.report.text import WhereFindingsAre

FORMATS = ("text", "json")


class StatisticsReporter(Reporter):
    writes_bodies = False

    def __init__(self, options: ReportOptions | None = None, as_json: bool = False) -> None:
        super().__init__(options)
        self.as_json = as_json
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.where = WhereFindingsAre()

    def _count(self, findings: list[Finding]) -> None:
        for finding in findings:
            self.counts[(finding.rule_id, finding.rule, finding.severity.value)] += 1

    def file(self, report: FileReport) -> str:
        self._count(report.findings)
        self.where.file(report)
        return ""

    def finish(self, end: RunEnd) -> str:
        for late in end.late:
            self._count(late.findings)
            self.where.late(late)
        rows = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        if self.as_json:
            listing = [
                {"code": code, "name": name, "severity": severity, "count": count}
                for (code, name, severity), count in rows
            ]
            return dumps(listing, 0) + "\n"
        width = max((len(str(count)) for _, count in rows), default=1)
        lines = [
            f"{count:>{width}}  {code:<7} {severity:<7}  {name}"
            for (code, name, severity), count in rows
        ]
        if self.options.quiet:  # --quiet: the counts and nothing else
            return "".join(f"{line}\n" for line in lines)
        closing = self.where.closing_line(end.summary, self.options.color)
        return "\n".join([*lines, *([""] if lines else []), closing]) + "\n"
