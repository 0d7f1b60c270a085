"""SARIF 2.1.0 output: valid against the OASIS schema and shaped for GitHub code scanning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import annual_review_letter

import lgo_check
from lgo_check.config import Config
from lgo_check.engine import RunResult, build_registry, run, select_rules
from lgo_check.model import FileReport, Finding, Report, Severity, Summary, ToolInfo
from lgo_check.report import render, sarif

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "note": "note"}


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _validate(validator: Any, document: Any) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def fixtures_rendered(lgo_fixture_run: Any) -> tuple[str, str]:
    """SARIF and JSON for every fixture letter, plus a file that does not exist."""
    assert lgo_fixture_run.errors == []
    run_ = lgo_fixture_run
    return render(run_.report, "sarif", run_.rules), render(run_.report, "json")


@pytest.fixture
def fixtures_sarif(fixtures_rendered: tuple[str, str]) -> tuple[Any, Any]:
    """Fresh documents for each test (some tests change them)."""
    sarif_text, json_text = fixtures_rendered
    return json.loads(sarif_text), json.loads(json_text)


def test_cli_sarif_is_the_rendered_report(lgo_cli: Any, lgo_in_repo: Path) -> None:
    letters = ("tests/letters/kestermouth-mbc-2023-24.md", "tests/letters/no-such-letter.txt")
    result = lgo_cli("--isolated", "--format", "sarif", *letters)
    assert result.code == 1
    assert result.err == ""
    run_ = result.json()["runs"][0]
    assert {r["ruleId"] for r in run_["results"]} >= {"LGO001", "LGO201", "LGO211"}
    assert run_["tool"]["driver"]["name"] == "lgo-check"


def test_fixture_letters_validate(validator: Any, fixtures_sarif: tuple[Any, Any]) -> None:
    document, _ = fixtures_sarif
    _validate(validator, document)
    assert document["version"] == "2.1.0"
    assert document["$schema"].startswith("https://")
    assert len(document["runs"]) == 1


def test_the_schema_catches_a_broken_document(
    validator: Any, fixtures_sarif: tuple[Any, Any]
) -> None:
    document, _ = fixtures_sarif
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(document))


def test_driver(fixtures_sarif: tuple[Any, Any]) -> None:
    document, _ = fixtures_sarif
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "lgo-check"
    assert driver["version"] == lgo_check.__version__
    assert driver["informationUri"].startswith("https://")


def test_every_rule_that_ran_is_described(fixtures_sarif: tuple[Any, Any]) -> None:
    document, _ = fixtures_sarif
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    registry = build_registry(Config())
    expected = [a.rule for a in select_rules(registry, Config())]
    assert [r["id"] for r in rules] == [r.code for r in expected]
    for descriptor, rule in zip(rules, expected, strict=True):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"].strip()
        assert descriptor["help"]["text"].strip()
        assert descriptor["help"]["markdown"].strip()
        assert rule.code in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[rule.severity.value]
    by_id = {r["id"]: r for r in rules}
    assert "## What it does" in by_id["LGO201"]["help"]["markdown"]
    assert by_id["LGO103"]["properties"]["options"] == {"min-investigations": 10}


def test_only_selected_rules_are_described(lgo_cli: Any, lgo_in_repo: Path) -> None:
    document = lgo_cli(
        "--isolated",
        "--format",
        "sarif",
        "--select",
        "LGO2",
        "tests/letters/kestermouth-mbc-2023-24.md",
    ).json()
    run_ = document["runs"][0]
    ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    # check-failed is always described: any file may get it, whatever is selected.
    assert ids == ["LGO003", "LGO201", "LGO202", "LGO211", "LGO212", "LGO221"]
    assert {r["ruleId"] for r in run_["results"]} <= set(ids)


def test_results_match_the_json_report(fixtures_sarif: tuple[Any, Any]) -> None:
    document, report = fixtures_sarif
    run_ = document["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    # Findings over a body's years are written after every file, in both formats.
    late = report.get("body_findings", [])
    expected = [(file["path"], f) for file in report["files"] + late for f in file["findings"]]
    assert len(run_["results"]) == len(expected) > 20
    for result, (path, finding) in zip(run_["results"], expected, strict=True):
        assert result["ruleId"] == finding["rule_id"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == LEVELS[finding["severity"]]
        assert result["message"]["text"] == finding["message"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert uri == path
        assert not uri.startswith("/") and "://" not in uri and "\\" not in uri
        region = physical["region"]
        assert region["startLine"] == finding["line"]
        assert region["startColumn"] == finding["column"]
        assert region["endLine"] == finding["end_line"]
        assert region["endColumn"] == finding["end_column"]
        assert (region["startLine"], region["startColumn"]) <= (
            region["endLine"],
            region["endColumn"],
        )
        if finding["snippet"]:
            context = result["locations"][0]["physicalLocation"]["contextRegion"]
            assert context["snippet"]["text"] == finding["snippet"]
            lines = finding["snippet"].splitlines()
            if finding["line"] == finding["end_line"]:
                cut = lines[0][finding["column"] - 1 : finding["end_column"] - 1]
                assert region.get("snippet", {"text": ""})["text"] == cut
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def test_regions_point_at_the_evidence(fixtures_sarif: tuple[Any, Any], lgo_in_repo: Path) -> None:
    document, _ = fixtures_sarif
    for result in document["runs"][0]["results"]:
        if result["ruleId"] == "LGO201":
            physical = result["locations"][0]["physicalLocation"]
            region = physical["region"]
            raw = (lgo_in_repo / physical["artifactLocation"]["uri"]).read_bytes()
            lines = raw.decode("utf-8", errors="replace").splitlines()
            line = lines[region["startLine"] - 1]
            evidence = line[region["startColumn"] - 1 : region["endColumn"] - 1]
            assert evidence.rstrip("%").rstrip().isdigit(), (line, evidence)
            assert region["snippet"]["text"] == evidence
            assert physical["contextRegion"]["snippet"]["text"].splitlines()[0] == line


def test_invocation_and_unreadable_file_notification(fixtures_sarif: tuple[Any, Any]) -> None:
    document, _ = fixtures_sarif
    [invocation] = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "tests/letters/no-such-letter.txt" in notification["message"]["text"]
    assert "could not be checked" in notification["message"]["text"]
    [location] = notification["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == (
        "tests/letters/no-such-letter.txt"
    )
    # the unreadable file also has its finding, on a rule that is described
    results = [
        r
        for r in document["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "tests/letters/no-such-letter.txt"
    ]
    assert [r["ruleId"] for r in results] == ["LGO001"]


def test_clean_run(lgo_cli: Any, lgo_in_repo: Path, validator: Any) -> None:
    document = lgo_cli(
        "--isolated", "--format", "sarif", "tests/letters/borsetshire-cc-2023-24.txt"
    ).json()
    _validate(validator, document)
    run_ = document["runs"][0]
    assert run_["results"] == []
    assert run_["invocations"][0]["executionSuccessful"] is True
    assert run_["invocations"][0]["toolExecutionNotifications"] == []
    assert len(run_["tool"]["driver"]["rules"]) >= 10


def _tiny_result(errors: list[str]) -> tuple[RunResult, list[Any]]:
    registry = build_registry(Config())
    rules = [a.rule.info() for a in select_rules(registry, Config(select=["LGO201"]))]
    finding = Finding(
        rule_id="LGO201",
        rule="compliance-below-100",
        severity=Severity.warning,
        message="Compliance with recommendations was 90%.",
        line=4,
        column=2,
        end_line=5,
        end_column=7,
        page=2,
        snippet="In 90% of cases\nwe were satisfied",
    )
    file = FileReport(path="packs/june/letter.pdf", format="pdf", findings=[finding])
    summary = Summary(
        files=1,
        checked=1,
        not_checked=0,
        findings=1,
        by_severity={"error": 0, "warning": 1, "note": 0},
        by_rule={"compliance-below-100": 1},
    )
    report = Report(tool=ToolInfo(version=lgo_check.__version__), files=[file], summary=summary)
    return RunResult(report, errors, rules), rules


def test_internal_errors_make_the_run_unsuccessful(validator: Any) -> None:
    result, rules = _tiny_result(["letter.pdf: rule X raised ValueError: boom"])
    document = sarif.build(result.report, rules, result.errors)
    _validate(validator, document)
    [invocation] = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].endswith("boom")


def test_overridden_level_page_and_multiline_region(validator: Any) -> None:
    result, rules = _tiny_result([])
    document = sarif.build(result.report, rules, result.errors)
    _validate(validator, document)
    run_ = document["runs"][0]
    [res] = run_["results"]
    assert res["level"] == "warning"  # the configured severity
    assert run_["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == "error"
    assert res["properties"]["page"] == 2
    physical = res["locations"][0]["physicalLocation"]
    # The region's snippet is the region's own text; whole lines are its context.
    assert physical["region"] == {
        "startLine": 4,
        "startColumn": 2,
        "endLine": 5,
        "endColumn": 7,
        "snippet": {"text": "n 90% of cases\nwe wer"},
    }
    assert physical["contextRegion"] == {
        "startLine": 4,
        "endLine": 5,
        "snippet": {"text": "In 90% of cases\nwe were satisfied"},
    }


def test_paths_with_spaces_are_uri_encoded(lgo_cli: Any, lgo_workdir: Path) -> None:
    folder = lgo_workdir / "June pack"
    folder.mkdir()
    (folder / "quill mere #1.txt").write_text(annual_review_letter(compliance_rate=95), "utf-8")
    document = lgo_cli("--isolated", "--format", "sarif", ".").json()
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    }
    assert uris == {"June%20pack/quill%20mere%20%231.txt"}


# --- fingerprints -----------------------------------------------------------------


def _fingerprints() -> dict[str, list[str]]:
    """Fingerprints by rule for letter.txt in the current folder."""
    return {code: [fp for fp, _ in found] for code, found in _fingerprints_and_lines().items()}


def _fingerprints_and_lines() -> dict[str, list[tuple[str, int]]]:
    config = Config()
    result = run([Path("letter.txt")], config, build_registry(config))
    assert result.errors == []
    document = sarif.build(result.report, result.rules, result.errors)
    found: dict[str, list[tuple[str, int]]] = {}
    for res in document["runs"][0]["results"]:
        found.setdefault(res["ruleId"], []).append(
            (
                res["partialFingerprints"]["primaryLocationLineHash"],
                res["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
        )
    return found


PREAMBLE = (
    "DRAFT - for the Audit and Governance Committee, agenda item 7.\n"
    "\n"
    "Officers' note: the letter below is reproduced in full.\n"
    "\n\n\n"
)


def test_fingerprints_survive_lines_inserted_above(lgo_workdir: Path) -> None:
    text = annual_review_letter(
        compliance_rate=95,
        upheld_rate=70,
        upheld_count=14,
        remedy_base=14,
        remedy_count=3,
        remedy_rate=21,
        per_100k=4.5,
    )
    letter = lgo_workdir / "letter.txt"
    letter.write_text(text, encoding="utf-8")
    before = _fingerprints_and_lines()
    assert set(before) == {"LGO201", "LGO202", "LGO211", "LGO212"}
    letter.write_text(PREAMBLE + text, encoding="utf-8")
    after = _fingerprints_and_lines()
    assert set(after) == set(before)
    for code, found in before.items():
        # the lines moved down by six, the fingerprints did not change
        assert after[code] == [(fp, line + 6) for fp, line in found], code
    # the two compliance rules share their evidence but not their fingerprints
    assert before["LGO201"][0][0] != before["LGO202"][0][0]


def test_fingerprints_change_when_the_evidence_changes(lgo_workdir: Path) -> None:
    letter = lgo_workdir / "letter.txt"
    letter.write_text(annual_review_letter(compliance_rate=95), encoding="utf-8")
    before = _fingerprints()
    letter.write_text(annual_review_letter(compliance_rate=94), encoding="utf-8")
    after = _fingerprints()
    assert before["LGO201"] != after["LGO201"]


def test_fingerprints_of_whole_file_findings_survive_lines_inserted_above(
    lgo_workdir: Path,
) -> None:
    """A finding with no evidence line (a missing block) must not hash whatever is on line 1."""
    text = annual_review_letter(
        blocks=("upheld", "remedy"),
        upheld_rate=70,
        upheld_count=14,
        remedy_base=14,
        remedy_count=3,
        remedy_rate=21,
    )
    letter = lgo_workdir / "letter.txt"
    letter.write_text(text, encoding="utf-8")
    before = _fingerprints()
    assert set(before) == {"LGO101", "LGO211"}
    letter.write_text(PREAMBLE + text, encoding="utf-8")
    after = _fingerprints()
    assert after["LGO211"] == before["LGO211"]
    assert after["LGO101"] == before["LGO101"]
