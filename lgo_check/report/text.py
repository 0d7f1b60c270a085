"""The text report: one line per finding, ``path:line:col: CODE severity message [name]``.

Findings are grouped by file (a blank line between files) and coloured when the
output is a terminal. A paged location reads ``path:p3:12:5:`` (page 3, line 12).
Anything taken from a file or a plugin is shown with its control characters
escaped (``\\n``, ``\\x1b``), so one finding is always one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from lgo_check.model import (
    Acknowledged,
    Block,
    FileReport,
    Finding,
    Letter,
    Severity,
    Status,
    Summary,
)
from lgo_check.report.base import PreparedReporter, ReportOptions, RunEnd
from lgo_check.report.escape import visible

_COLOURS = {
    Severity.error: "\x1b[1;31m",
    Severity.warning: "\x1b[33m",
    Severity.note: "\x1b[36m",
}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def location(path: str, line: int | None, column: int | None, page: int | None) -> str:
    where = f"{visible(path)}:"
    if page is not None:
        where += f"p{page}:"
    return where + f"{line or 1}:{column or 1}:"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def finding_line(path: str, f: Finding, color: bool = False) -> str:
    """One finding as one line; nothing from the file can break it into two."""
    return (
        f"{_paint(location(path, f.line, f.column, f.page), _BOLD, color)} "
        f"{_paint(visible(f.rule_id), _BOLD, color)} "
        f"{_paint(f.severity.value, _COLOURS[f.severity], color)} "
        f"{visible(f.message)} {_paint('[' + visible(f.rule) + ']', _DIM, color)}"
    )


def acknowledged_line(path: str, f: Acknowledged, color: bool = False) -> str:
    """A finding the baseline acknowledged (--show-acknowledged), with its reason."""
    reason = visible(f.reason) if f.reason else "no reason given"
    return finding_line(path, f, color) + _paint(f" (acknowledged: {reason})", _DIM, color)


class TextReporter(PreparedReporter):
    """Findings grouped by file, a blank line between files, a closing count."""

    writes_bodies = False

    def __init__(self, options: ReportOptions | None = None) -> None:
        super().__init__(options)
        self._groups = 0
        self._where = WhereFindingsAre()

    def _group(self, lines: list[str]) -> str:
        if not lines:
            return ""
        self._groups += 1
        return ("\n" if self._groups > 1 else "") + "\n".join(lines) + "\n"

    def prepare(self, report: FileReport) -> tuple[str, bool, list[str]]:
        """The file's path, whether it has findings, and its lines."""
        color = self.options.color
        group: list[str] = []
        if self.options.show_letters:
            group.extend(_letter_summary(report, color))
        group.extend(finding_line(report.path, f, color) for f in report.findings)
        if self.options.show_acknowledged:
            group.extend(acknowledged_line(report.path, f, color) for f in report.acknowledged)
        return report.path, bool(report.findings), group

    def place(self, prepared: tuple[str, bool, list[str]]) -> str:
        path, has_findings, group = prepared
        self._where.add(path, has_findings)
        return self._group(group)

    def finish(self, end: RunEnd) -> str:
        color = self.options.color
        parts = []
        for late in end.late:
            self._where.late(late)
            lines = [finding_line(late.path, f, color) for f in late.findings]
            if self.options.show_acknowledged:
                lines.extend(acknowledged_line(late.path, f, color) for f in late.acknowledged)
            parts.append(self._group(lines))
        if not self.options.quiet:  # --quiet: the findings and nothing else
            closing = self._where.closing_line(end.summary, color)
            parts.append(("\n" if self._groups else "") + closing + "\n")
        return "".join(parts)


class WhereFindingsAre:
    """Which of the run's files have findings, for the closing line.

    A finding known only at the end of the run may point at a file that is not
    one of the letters (a stale entry of the baseline file): it is named after
    the count, never counted as one of the run's files.
    """

    def __init__(self) -> None:
        self._files: set[str] = set()
        self._with_findings: set[str] = set()
        self._elsewhere: set[str] = set()

    def file(self, report: FileReport) -> None:
        self.add(report.path, bool(report.findings))

    def add(self, path: str, has_findings: bool) -> None:
        self._files.add(path)
        if has_findings:
            self._with_findings.add(path)

    def late(self, late: FileReport) -> None:
        if not late.findings:
            return
        if late.path in self._files:
            self._with_findings.add(late.path)
        else:
            self._elsewhere.add(late.path)

    def closing_line(self, summary: Summary, color: bool) -> str:
        return closing_line(summary, len(self._with_findings), color, sorted(self._elsewhere))


def closing_line(
    summary: Summary, files_with: int, color: bool, elsewhere: Sequence[str] = ()
) -> str:
    counts = ", ".join(
        _paint(_plural(summary.by_severity[s.value], s.value), _COLOURS[s], color)
        for s in Severity
        if summary.by_severity.get(s.value)
    )
    if summary.findings:
        line = (
            f"Found {_plural(summary.findings, 'finding')} ({counts}) in "
            f"{files_with} of {_plural(summary.files, 'file')}"
            + "".join(f" and {visible(path)}" for path in elsewhere)
            + "."
        )
    else:
        line = f"No findings in {_plural(summary.files, 'file')}."
    if summary.not_checked:
        line += f" {_plural(summary.not_checked, 'file')} could not be checked."
    if summary.acknowledged:
        line += f" {summary.acknowledged} acknowledged."
    return line


def _n(value: int | None) -> str:
    return "?" if value is None else str(value)


def _pct(value: float | int | None) -> str:
    return "?" if value is None else f"{value:g}%"


def _block_line(name: str, block: Block, detail: str) -> str:
    if block.status != Status.reported:
        return f"    {name}: {block.status.value.replace('_', ' ')}"
    return f"    {name}: {detail}"


def _letter_summary(file: FileReport, color: bool) -> list[str]:
    letter: Letter | None = file.letter
    head = _paint(visible(file.path), _BOLD, color)
    if letter is None:
        return [f"{head}: not checked ({visible(file.error or '')})"]
    who = visible(letter.organisation or "unknown body")
    year = visible(letter.review_year or "unknown year")
    lines = [f"{head}: {who}, annual review {year}"]
    s = letter.statistics
    up, comp, rem = s.upheld, s.compliance, s.remedy
    lines.append(
        _block_line(
            "upheld",
            up,
            f"{_pct(up.rate_pct)} (peers {_pct(up.peer_average_pct)}), "
            f"{up.count if up.count is not None else '?'} of "
            f"{up.investigations if up.investigations is not None else '?'} investigations"
            + (
                f", {up.per_100k:g} per 100,000 (peers {up.peer_average_per_100k:g})"
                if up.per_100k is not None and up.peer_average_per_100k is not None
                else ""
            ),
        )
    )
    lines.append(
        _block_line(
            "compliance",
            comp,
            f"{_pct(comp.rate_pct)} (peers {_pct(comp.peer_average_pct)}), "
            f"{comp.outcomes if comp.outcomes is not None else '?'} outcomes",
        )
    )
    lines.append(
        _block_line(
            "remedy",
            rem,
            f"{_pct(rem.rate_pct)} (peers {_pct(rem.peer_average_pct)}), "
            f"{rem.count if rem.count is not None else '?'} of "
            f"{rem.upheld_base if rem.upheld_base is not None else '?'} upheld",
        )
    )
    ov = s.overview
    if ov is not None:
        lines.append(
            _block_line(
                "overview",
                ov,
                f"{_n(ov.dealt_with)} dealt with, {_n(ov.not_for_us)} not for us, "
                f"{_n(ov.assessed_and_closed)} assessed and closed, "
                f"{_n(ov.investigated)} investigated",
            )
        )
    if letter.concerns:
        kinds = ", ".join(sorted({visible(c.kind).replace("_", " ") for c in letter.concerns}))
        lines.append(f"    concerns: {kinds}")
        for c in letter.concerns:
            # How each concern was found: its sentences, rules and/or model, the model's score.
            score = f", model score {c.model_score:.2f}" if c.model_score is not None else ""
            where = ", ".join(f"line {s.line}" for s in c.sentences) or f"line {c.line}"
            lines.append(
                f"      {c.kind.replace('_', ' ')} ({where}; found by {c.found_by}{score})"
            )
    return [line for line in lines if line]
