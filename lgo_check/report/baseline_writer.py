"""``--write-baseline``: the run's findings written as a baseline file, not a report."""

from __future__ import annotations

from pathlib import Path

from lgo_check.baseline import Entry, Known, body_and_year, entries_for, render
from lgo_check.model import FileReport
from lgo_check.report.base import Reporter, RunEnd


class BaselineWriter(Reporter):
    """``--write-baseline``: the run's findings as a baseline file instead of a report.

    Keeps one small entry per finding (not the files' reports) until the end,
    when the file is written in one piece.
    """

    writes_bodies = False

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.entries: list[Entry] = []
        self.known: Known = {}

    def file(self, report: FileReport) -> str:
        if report.letter is not None:
            self.known[report.path] = body_and_year(report)
        self.entries.extend(entries_for([report], self.folder))
        return ""

    def finish(self, end: RunEnd) -> str:
        for late in end.late:
            if late.format != "toml":  # stale entries of the baseline itself are not kept
                self.entries.extend(entries_for([late], self.folder, known=self.known))
        return render(self.entries)
