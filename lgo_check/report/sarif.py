"""SARIF 2.1.0, shaped for GitHub code scanning.

Every rule that ran is listed in ``tool.driver.rules`` (not only those that
fired); URIs are relative; a PDF finding's page is in ``properties.page``
(its region's lines count within that page). Fingerprints hash the rule, the
file and the evidence text, not line numbers, so moving unrelated lines does not
reopen an alert.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from lgo_check import __version__
from lgo_check.engine import RunResult
from lgo_check.model import Finding, Severity
from lgo_check.rule import Rule

INFORMATION_URI = "https://github.com/lgo-check/lgo-check"
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.note: "note"}


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    doc = rule.doc
    body = doc.split("\n", 1)[1].strip() if "\n" in doc else doc
    options = rule.options_doc()
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
    a file outside the current folder gets a file:// URI."""
    if PurePath(path).is_absolute():
        return Path(path).as_uri()
    return quote(path, safe="/@-._~")


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
    digest = hashlib.sha256(f"{finding.rule_id}\0{path}\0{evidence}".encode()).hexdigest()
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


def build(result: RunResult, rules: Sequence[Rule]) -> dict[str, Any]:
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for file in result.report.files:
        seen: Counter[str] = Counter()
        for finding in file.findings:
            key = _fingerprint(finding, file.path, 0)
            seen[key] += 1
            results.append(_result(finding, file.path, index[finding.rule_id], seen[key]))
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{file.path} could not be checked: {file.error}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(file.path)}}}],
        }
        for file in result.report.files
        if not file.checked
    ]
    notifications += [{"level": "error", "message": {"text": error}} for error in result.errors]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lgo-check",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }


def render(result: RunResult, rules: Sequence[Rule]) -> str:
    return json.dumps(build(result, rules), indent=2, ensure_ascii=False) + "\n"
