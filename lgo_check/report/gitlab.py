"""GitLab Code Quality: a JSON array of issues for ``artifacts:reports:codequality``.

Each issue has a ``description``, a ``check_name`` (the rule's code), a
``fingerprint``, a ``severity`` on GitLab's scale and a ``location`` with the
file's relative ``path`` and ``lines.begin``. GitLab compares fingerprints between
a merge request and its target branch, so they are made like the baseline's
(rule, body, year and evidence text, never the line) plus the file and an
occurrence number, which keeps them unique within a report as GitLab requires.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from lgo_check.baseline import finding_fingerprint
from lgo_check.model import FileReport, Finding, Report, Severity
from lgo_check.report.base import Reporter, RunEnd, RunStart, render_report
from lgo_check.report.json_report import data_dumps

#: lgo-check's severities on GitLab's scale (info, minor, major, critical, blocker).
SEVERITY = {Severity.note: "info", Severity.warning: "minor", Severity.error: "major"}
#: A file that could not be checked at all: nothing in it was looked at.
NOT_CHECKED = "critical"


def _path(path: str) -> str:
    # GitLab wants the path relative to the repository, with no leading "./".
    while path.startswith("./"):
        path = path[2:]
    return path


def _issue(finding: Finding, file: FileReport, occurrence: int) -> dict[str, Any]:
    identity = f"{finding_fingerprint(finding, file)}\0{_path(file.path)}\0{occurrence}"
    page = f" (page {finding.page})" if finding.page is not None else ""
    return {
        "description": f"{finding.rule_id} {finding.message}{page}",
        "check_name": finding.rule_id,
        "fingerprint": hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:32],
        "severity": SEVERITY[finding.severity] if file.checked else NOT_CHECKED,
        "location": {"path": _path(file.path), "lines": {"begin": max(finding.line or 1, 1)}},
    }


def issues(file: FileReport) -> list[dict[str, Any]]:
    """The Code Quality issues of one file's findings (acknowledged ones are left out)."""
    seen: Counter[str] = Counter()
    out = []
    for finding in file.findings:
        key = finding_fingerprint(finding, file)
        out.append(_issue(finding, file, seen[key]))
        seen[key] += 1
    return out


class GitlabReporter(Reporter):
    """The array written one issue at a time (the same bytes as one json.dumps)."""

    writes_bodies = False

    def start(self, run: RunStart) -> str:
        self._issues = 0
        return "["

    def _issues_text(self, file: FileReport) -> str:
        parts = []
        for issue in issues(file):
            self._issues += 1
            parts.append(("\n  " if self._issues == 1 else ",\n  ") + data_dumps(issue, 1))
        return "".join(parts)

    def file(self, report: FileReport) -> str:
        return self._issues_text(report)

    def finish(self, end: RunEnd) -> str:
        late = "".join(self._issues_text(file) for file in end.late)
        return late + ("\n]\n" if self._issues else "]\n")


def render(report: Report) -> str:
    return render_report(GitlabReporter(), report)
