"""The body-level stage of a run: after every file, each body's letters across years.

The runner keeps a small ``LetterDigest`` per letter and, after the last file,
hands them to the stage made here (a ``runner.BodyStage``): it groups them into
bodies (:mod:`lgo_check.bodies`), runs every selected rule over a body's history
(:mod:`lgo_check.trends`), and returns their findings per file and the report's
``bodies`` section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from lgo_check.bodies import LetterRecord, body_reports, group
from lgo_check.model import BodyReport, FileReport, Finding, LateFindings
from lgo_check.runner import BodyResult, BodyStage, LetterDigest
from lgo_check.trends import SelectedRule, body_rules, check_bodies


def _place(finding: Finding) -> tuple[int, int, int, str]:
    return (finding.page or 0, finding.line or 0, finding.column or 0, finding.rule_id)


def findings_by_file(found: Iterable[tuple[str, Finding]]) -> list[FileReport]:
    """Findings grouped by the file they point at: files in path order, findings by place."""
    by_path: dict[str, list[Finding]] = {}
    for path, finding in found:
        by_path.setdefault(path, []).append(finding)
    return [
        FileReport(path=path, findings=sorted(by_path[path], key=_place))
        for path in sorted(by_path)
    ]


def body_stage(
    rules: Sequence[SelectedRule], aliases: Mapping[str, str] | None = None
) -> BodyStage:
    """The stage that groups a run's letters by body and runs the rules over their years.

    ``rules`` are the run's selected rules (those that are not body rules are
    skipped); ``aliases`` are the configuration's ``bodies.aliases``.
    """
    selected = body_rules(rules)

    def stage(digests: Sequence[LetterDigest], bodies: bool = True) -> BodyResult:
        late, reports, errors = check_history(digests, selected, aliases, bodies)
        return BodyResult(
            findings=late,
            bodies=[b.model_dump(mode="json") for b in reports] if bodies else None,
            errors=errors,
        )

    return stage


def check_history(
    digests: Iterable[LetterDigest],
    rules: Sequence[SelectedRule],
    aliases: Mapping[str, str] | None = None,
    bodies: bool = True,
) -> tuple[list[FileReport], list[BodyReport], list[str]]:
    """(findings per file, the bodies section, errors of rules that failed); the bodies
    section is left empty unless ``bodies``."""
    records = [r for r in map(LetterRecord.from_digest, digests) if r is not None]
    groups = group(records, aliases)
    found, errors = check_bodies(groups, body_rules(rules))
    return findings_by_file(found), body_reports(groups) if bodies else [], errors


def merge_into(reports: Sequence[FileReport], late: Iterable[FileReport | LateFindings]) -> None:
    """Put body-level findings on the in-memory reports of the files they point at."""
    by_path = {r.path: r for r in reports}
    for extra in late:
        target = by_path.get(extra.path)
        if target is not None:
            target.findings = sorted([*target.findings, *extra.findings], key=_place)
