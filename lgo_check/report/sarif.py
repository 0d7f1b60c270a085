"""SARIF 2.1.0, shaped for GitHub code scanning.

Every rule that ran is listed in ``tool.driver.rules`` (not only those that
fired); URIs are relative; a PDF finding's page is in ``properties.page``
(its region's lines count within that page). Fingerprints hash the rule, the
file (its normalised relative path, so ``dir/../dir/a.txt`` and ``dir/a.txt`` agree)
and the evidence text, not line numbers, so moving unrelated lines does not
reopen an alert.

Written incrementally: results as each file is done, the invocation (with its
notifications of files that could not be checked) at the end.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from lgo_check.model import Acknowledged, FileReport, Finding, Report, RuleInfo, Severity
from lgo_check.report.base import PreparedReporter, RunEnd, RunStart, render_report
from lgo_check.report.json_report import data_dumps, dumps

INFORMATION_URI = "https://github.com/lgo-check/lgo-check"
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.note: "note"}


def _rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    doc = rule.doc
    body = doc.split("\n", 1)[1].strip() if "\n" in doc else doc
    options = rule.options
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": body or rule.summary},
        "help": {"text": doc, "markdown": f"**{rule.code} {rule.name}**: {doc}"},
        "helpUri": f"{INFORMATION_URI}#rules",
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": [rule.code[:4]], "origin": rule.origin},
    }
    if options:
        descriptor["properties"]["options"] = options
    return descriptor


def _uri(path: str) -> str:
    """Relative paths stay relative (GitHub resolves them against the checkout);
    a file outside the current folder gets a file:// URI. A name that is not
    UTF-8 keeps its original bytes, percent-encoded."""
    raw = path.encode("utf-8", "surrogateescape")
    if PurePath(path).is_absolute():
        return "file://" + quote(raw, safe="/@-._~")
    return quote(raw, safe="/@-._~")


def _region_text(finding: Finding) -> str | None:
    """The region's own text, cut from the whole lines kept in finding.snippet."""
    if not finding.snippet or finding.line is None or finding.column is None:
        return None
    lines = finding.snippet.split("\n")
    last = (finding.end_line or finding.line) - finding.line
    if last >= len(lines) or finding.end_column is None:
        return None
    if last == 0:
        return lines[0][finding.column - 1 : finding.end_column - 1]
    middle = lines[1:last]
    return "\n".join(
        [lines[0][finding.column - 1 :], *middle, lines[last][: finding.end_column - 1]]
    )


def _fingerprint(finding: Finding, path: str, occurrence: int) -> str:
    # The evidence itself (the figure or sentence), not its line or the paragraph
    # around it: edits elsewhere in the file leave the fingerprint alone.
    evidence = " ".join((_region_text(finding) or finding.message).split())
    where = posixpath.normpath(path.replace("\\", "/"))
    key = f"{finding.rule_id}\0{where}\0{evidence}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{digest[:32]}:{occurrence}"


def _result(finding: Finding, path: str, index: int, occurrence: int) -> dict[str, Any]:
    region: dict[str, Any] = {
        "startLine": finding.line or 1,
        "startColumn": finding.column or 1,
        "endLine": finding.end_line or finding.line or 1,
        "endColumn": finding.end_column or (finding.column or 1) + 1,
    }
    text = _region_text(finding)
    if text:
        region["snippet"] = {"text": text}
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(path)}, "region": region}
    if finding.snippet:
        physical["contextRegion"] = {
            "startLine": region["startLine"],
            "endLine": region["startLine"] + finding.snippet.count("\n"),
            "snippet": {"text": finding.snippet},
        }
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"primaryLocationLineHash": _fingerprint(finding, path, occurrence)},
    }
    if finding.page is not None:
        result["properties"] = {"page": finding.page}
    return result


def _tool(run: RunStart) -> dict[str, Any]:
    version = run.tool.version
    return {
        "driver": {
            "name": "lgo-check",
            "version": version,
            "semanticVersion": version,
            "informationUri": INFORMATION_URI,
            "rules": [_rule_descriptor(rule) for rule in run.rules],
        }
    }


class SarifReporter(PreparedReporter):
    """One run; ``results`` streamed, ``invocations`` written at the end."""

    writes_bodies = False

    def start(self, run: RunStart) -> str:
        self._index = {rule.code: i for i, rule in enumerate(run.rules)}
        self._results = 0
        self._not_checked: list[dict[str, Any]] = []
        return (
            f'{{\n  "$schema": "{SCHEMA}",\n  "version": "2.1.0",\n  "runs": [\n    {{\n'
            f'      "tool": {dumps(_tool(run), 3)},\n      "results": ['
        )

    def _results_of(self, file: FileReport) -> list[dict[str, Any]]:
        seen: Counter[str] = Counter()
        results = []
        for finding in [*file.findings, *file.acknowledged]:
            key = _fingerprint(finding, file.path, 0)
            seen[key] += 1
            result = _result(finding, file.path, self._index.get(finding.rule_id, -1), seen[key])
            if isinstance(finding, Acknowledged):
                # Listed in the baseline file: code scanning shows the alert as dismissed.
                suppression = {"kind": "external", "status": "accepted"}
                if finding.reason:
                    suppression["justification"] = finding.reason
                result["suppressions"] = [suppression]
            results.append(result)
        return results

    def _result_texts(self, file: FileReport) -> list[str]:
        texts = []
        for result in self._results_of(file):
            if result["ruleIndex"] < 0:
                del result["ruleIndex"]
            texts.append(data_dumps(result, 4))
        return texts

    def _write_results(self, texts: list[str]) -> str:
        parts = []
        for text in texts:
            self._results += 1
            parts.append(("\n        " if self._results == 1 else ",\n        ") + text)
        return "".join(parts)

    def prepare(self, report: FileReport) -> tuple[list[str], dict[str, Any] | None]:
        not_checked = None
        if not report.checked:
            not_checked = {
                "level": "error",
                "message": {"text": f"{report.path} could not be checked: {report.error}"},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": _uri(report.path)}}}
                ],
            }
        return self._result_texts(report), not_checked

    def place(self, prepared: tuple[list[str], dict[str, Any] | None]) -> str:
        texts, not_checked = prepared
        if not_checked is not None:
            self._not_checked.append(not_checked)
        return self._write_results(texts)

    def finish(self, end: RunEnd) -> str:
        late = "".join(self._write_results(self._result_texts(file)) for file in end.late)
        notifications = self._not_checked + [
            {"level": "error", "message": {"text": error}} for error in end.errors
        ]
        invocations = [
            {"executionSuccessful": not end.errors, "toolExecutionNotifications": notifications}
        ]
        return (
            late
            + ("\n      ]" if self._results else "]")
            + f',\n      "invocations": {dumps(invocations, 3)}\n    }}\n  ]\n}}\n'
        )


def render(report: Report, rules: Sequence[RuleInfo], errors: Sequence[str] = ()) -> str:
    return render_report(SarifReporter(), report, rules, errors)


def build(report: Report, rules: Sequence[RuleInfo], errors: Sequence[str] = ()) -> Any:
    """The SARIF document as data (for tests and callers that post-process it)."""
    return json.loads(render(report, rules, errors))
