"""Report: a Report (files, letters, findings) -> text for a person or a machine."""

from __future__ import annotations

from lgo_check.engine import RunResult
from lgo_check.report import github, gitlab, json_report, junit, sarif, text

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


def render(
    result: RunResult,
    output_format: str,
    color: bool = False,
    show_letters: bool = False,
    fail_on: str = "error",
) -> str:
    if output_format == "json":
        return json_report.render(result.report)
    if output_format == "sarif":
        return sarif.render(result, result.rules)
    if output_format == "github":
        return github.render(result.report)
    if output_format == "gitlab":
        return gitlab.render(result.report)
    if output_format == "junit":
        return junit.render(result.report, fail_on)
    return text.render(result, color=color, show_letters=show_letters)
