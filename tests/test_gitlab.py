"""GitLab Code Quality output: valid against the format GitLab documents, with
stable, unique fingerprints and lgo-check's severities on GitLab's scale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from lgo_check.model import FileReport, Finding, Letter, Report, Severity, Summary, ToolInfo
from lgo_check.report import gitlab

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "gitlab-code-quality.schema.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: Any, document: Any) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def _finding(rule_id: str, severity: Severity, line: int, snippet: str | None = None) -> Finding:
    return Finding(
        rule_id=rule_id,
        rule="some-rule",
        severity=severity,
        message=f"{rule_id} message",
        line=line,
        column=1,
        end_line=line,
        end_column=4,
        snippet=snippet,
    )


def _report(*files: FileReport) -> Report:
    summary = Summary(files=0, checked=0, not_checked=0, findings=0, by_severity={}, by_rule={})
    return Report(tool=ToolInfo(version="0"), files=list(files), summary=summary)


LETTER = Letter(organisation="Ashcombe District Council", review_year="2023-24")


def test_fixture_run_validates(validator: Any, lgo_fixture_run: Any) -> None:
    document = json.loads(gitlab.render(lgo_fixture_run.report))
    report = lgo_fixture_run.report
    findings = sum(len(f.findings) for f in [*report.files, *report.body_findings])
    assert len(document) == findings > 10
    assert _errors(validator, document) == []
    fingerprints = [issue["fingerprint"] for issue in document]
    assert len(set(fingerprints)) == len(fingerprints)  # GitLab requires unique ones
    missing = [i for i in document if i["location"]["path"].endswith("no-such-letter.txt")]
    assert [i["severity"] for i in missing] == ["critical"]


def test_the_schema_rejects_what_gitlab_rejects(validator: Any) -> None:
    good = json.loads(
        gitlab.render(
            _report(
                FileReport(
                    path="a.txt",
                    letter=LETTER,
                    findings=[_finding("LGO201", Severity.error, 3, "96%")],
                )
            )
        )
    )
    assert _errors(validator, good) == []
    for broken in (
        {**good[0], "severity": "error"},
        {k: v for k, v in good[0].items() if k != "fingerprint"},
        {**good[0], "location": {"path": "./a.txt", "lines": {"begin": 3}}},
        {**good[0], "location": {"path": "a.txt"}},
        {**good[0], "location": {"path": "a.txt", "lines": {"begin": 0}}},
    ):
        assert _errors(validator, [broken]), broken


def test_severities_and_location() -> None:
    file = FileReport(
        path="./letters/a.txt",
        letter=LETTER,
        findings=[
            _finding("LGO201", Severity.error, 7, "96%"),
            _finding("LGO202", Severity.warning, 7, "96%"),
            _finding("LGO103", Severity.note, 9, "7"),
        ],
    )
    issues = gitlab.issues(file)
    assert [i["severity"] for i in issues] == ["major", "minor", "info"]
    assert [i["check_name"] for i in issues] == ["LGO201", "LGO202", "LGO103"]
    assert issues[0]["location"] == {"path": "letters/a.txt", "lines": {"begin": 7}}
    assert issues[0]["description"] == "LGO201 LGO201 message"


def test_fingerprints_ignore_lines_but_tell_repeats_and_files_apart() -> None:
    first = FileReport(
        path="a.txt", letter=LETTER, findings=[_finding("LGO201", Severity.error, 7, "96%")]
    )
    moved = FileReport(
        path="a.txt", letter=LETTER, findings=[_finding("LGO201", Severity.error, 40, "96%")]
    )
    assert gitlab.issues(first)[0]["fingerprint"] == gitlab.issues(moved)[0]["fingerprint"]
    twice = FileReport(
        path="a.txt",
        letter=LETTER,
        findings=[
            _finding("LGO201", Severity.error, 7, "96%"),
            _finding("LGO201", Severity.error, 9, "96%"),
        ],
    )
    prints = [i["fingerprint"] for i in gitlab.issues(twice)]
    assert len(set(prints)) == 2
    elsewhere = first.model_copy(update={"path": "b.txt"})
    assert gitlab.issues(elsewhere)[0]["fingerprint"] != gitlab.issues(first)[0]["fingerprint"]
    other_figure = FileReport(
        path="a.txt", letter=LETTER, findings=[_finding("LGO201", Severity.error, 7, "95%")]
    )
    assert gitlab.issues(other_figure)[0]["fingerprint"] != gitlab.issues(first)[0]["fingerprint"]


def test_cli_gitlab_output(lgo_cli: Any, lgo_in_repo: Path, validator: Any) -> None:
    result = lgo_cli("--isolated", "--format", "gitlab", "examples/larkhythe-mbc-2023-24.md")
    assert result.code == 0, result  # a warning only, below the default --fail-on
    document = result.json()
    assert _errors(validator, document) == []
    assert [(i["check_name"], i["severity"]) for i in document] == [("LGO212", "minor")]
    assert document[0]["location"]["path"] == "examples/larkhythe-mbc-2023-24.md"
