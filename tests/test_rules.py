"""Every statistics and file rule fires on what it is about and stays silent otherwise.

Each rule is exercised twice: through the command line (``--format json`` on a
letter written here) and through the API (``engine.check_letter`` on a Letter
built here, and ``engine.run`` for unreadable files). The narrative rules
(LGO3xx) are tested elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import CLEAN_FIGURES, REPO, SMALL_SAMPLE_FIGURES, annual_review_letter, line_of

from lgo_check.config import Config
from lgo_check.engine import (
    ActiveRule,
    Registry,
    build_registry,
    check_letter,
    exit_code,
    run,
    select_rules,
)
from lgo_check.model import (
    ComplianceBlock,
    HiddenText,
    Letter,
    OverviewBlock,
    Problem,
    RemedyBlock,
    Severity,
    Span,
    Statistics,
    Status,
    UpheldBlock,
)

#: The rules this module covers, with the code and default severity each must report.
RULES = {
    "unreadable-input": ("LGO001", "error"),
    "not-an-annual-review-letter": ("LGO002", "error"),
    "check-failed": ("LGO003", "error"),
    "hidden-text": ("LGO004", "warning"),  # tests/test_hidden_text.py
    "stale-baseline-entry": ("LGO009", "warning"),  # tests/test_baseline.py
    "statistics-missing": ("LGO101", "warning"),
    "statistics-inconsistent": ("LGO102", "error"),
    "small-sample": ("LGO103", "note"),
    "compliance-below-100": ("LGO201", "error"),
    "compliance-below-peer-average": ("LGO202", "warning"),
    "upheld-rate-above-peer-average": ("LGO211", "warning"),
    "upheld-per-100k-above-peer-average": ("LGO212", "warning"),
    "remedy-rate-below-peer-average": ("LGO221", "note"),
}
NARRATIVE_PREFIX = "LGO3"
#: Rules over a body's history, tested in tests/test_trends.py.
BODY_PREFIX = "LGO4"

NEWSLETTER = """\
Wyvernholt Staff Bulletin - Autumn

Welcome to the autumn bulletin. The canteen reopens on Monday after its refit,
and the car park on the east side will be resurfaced over the half-term week.

Our complaints team thanks everyone who joined the customer care workshops.
A reminder that any compliance rate below 100% gives cause for concern, as our
trainer said, so please answer complaint enquiries promptly.
"""


@pytest.fixture(scope="module")
def registry() -> Registry:
    return build_registry(Config())


@pytest.fixture(scope="module")
def active_rules(registry: Registry) -> list[ActiveRule]:
    return select_rules(registry, Config())


def _lint(lgo_cli: Any, path: Path, *extra: str) -> list[dict[str, Any]]:
    result = lgo_cli("--isolated", "--format", "json", *extra, path)
    assert result.code in (0, 1), result
    document = result.json()
    assert [f["path"] for f in document["files"]] == [path.name]
    return list(document["files"][0]["findings"])


def _assert_finding(finding: dict[str, Any], rule: str, line: int) -> None:
    code, severity = RULES[rule]
    assert finding["rule"] == rule
    assert finding["rule_id"] == code
    assert finding["severity"] == severity
    assert finding["line"] == line, finding


def test_the_rules_covered_here_are_every_non_narrative_rule(registry: Registry) -> None:
    listed = {r.name: (r.code, r.severity.value) for r in registry.rules}
    non_narrative = {
        name: value
        for name, value in listed.items()
        if not value[0].startswith((NARRATIVE_PREFIX, BODY_PREFIX))
    }
    assert non_narrative == RULES


# --- Through the command line, on letters written here -----------------------------

#: rule -> (figures that make it fire, text on the line of its evidence, rules that fire)
FIRING: dict[str, tuple[dict[str, Any], str | None, set[str]]] = {
    "statistics-inconsistent": (
        {"upheld_rate": 90},
        "90% of complaints we investigated",
        {"statistics-inconsistent", "upheld-rate-above-peer-average"},
    ),
    "small-sample": (
        SMALL_SAMPLE_FIGURES,
        "total of 4 investigations",
        {"small-sample"},
    ),
    "compliance-below-100": (
        {"compliance_rate": 97, "compliance_peer": 97},
        "In 97% of cases",
        {"compliance-below-100"},
    ),
    "compliance-below-peer-average": (
        {"compliance_rate": 95},
        "In 95% of cases",
        {"compliance-below-100", "compliance-below-peer-average"},
    ),
    "upheld-rate-above-peer-average": (
        {
            "upheld_rate": 70,
            "upheld_count": 14,
            "remedy_base": 14,
            "remedy_count": 3,
            "remedy_rate": 21,
        },
        "70% of complaints we investigated",
        {"upheld-rate-above-peer-average"},
    ),
    "upheld-per-100k-above-peer-average": (
        {"per_100k": 4.5},
        "This is 4.5 upheld decisions",
        {"upheld-per-100k-above-peer-average"},
    ),
    "remedy-rate-below-peer-average": (
        {
            "remedy_rate": 5,
            "remedy_count": 1,
            "upheld_count": 20,
            "investigations": 40,
            "remedy_base": 20,
        },
        "In 5% of upheld cases",
        {"remedy-rate-below-peer-average"},
    ),
}

#: rule -> figures at the edge of the rule that must not make it fire
SILENT_AT_EDGE: dict[str, dict[str, Any]] = {
    "statistics-inconsistent": {"upheld_rate": 51},  # 10 of 20 is 50%: within a point
    "small-sample": {
        "investigations": 10,
        "upheld_count": 5,
        "remedy_base": 5,
        "remedy_count": 1,
        "remedy_rate": 20,
    },
    "compliance-below-100": {"compliance_rate": 100, "compliance_peer": 100},
    "compliance-below-peer-average": {"compliance_rate": 99, "compliance_peer": 99},
    "upheld-rate-above-peer-average": {"upheld_rate": 50, "upheld_peer": 50},
    "upheld-per-100k-above-peer-average": {"per_100k": 3.0, "peer_per_100k": 3.0},
    "remedy-rate-below-peer-average": {"remedy_rate": 20, "remedy_peer": 20},
}


def test_the_clean_letter_has_no_findings(lgo_cli: Any, lgo_workdir: Path) -> None:
    path = lgo_workdir / "quillmere.txt"
    path.write_text(annual_review_letter(), encoding="utf-8")
    assert _lint(lgo_cli, path) == []


@pytest.mark.parametrize("rule", sorted(FIRING))
def test_statistics_rule_fires_at_its_evidence(lgo_cli: Any, lgo_workdir: Path, rule: str) -> None:
    figures, needle, fired = FIRING[rule]
    text = annual_review_letter(**figures)
    path = lgo_workdir / "quillmere.txt"
    path.write_text(text, encoding="utf-8")
    findings = _lint(lgo_cli, path)
    assert {f["rule"] for f in findings} == fired
    [finding] = [f for f in findings if f["rule"] == rule]
    assert needle is not None
    _assert_finding(finding, rule, line_of(text, needle))


@pytest.mark.parametrize("rule", sorted(SILENT_AT_EDGE))
def test_statistics_rule_is_silent_at_its_edge(lgo_cli: Any, lgo_workdir: Path, rule: str) -> None:
    path = lgo_workdir / "quillmere.txt"
    path.write_text(annual_review_letter(**SILENT_AT_EDGE[rule]), encoding="utf-8")
    assert rule not in {f["rule"] for f in _lint(lgo_cli, path)}


def test_statistics_inconsistent_remedy_base_against_upheld_count(
    lgo_cli: Any, lgo_workdir: Path
) -> None:
    text = annual_review_letter(remedy_base=12, remedy_rate=17)  # 2 of 12 is 17%
    path = lgo_workdir / "quillmere.txt"
    path.write_text(text, encoding="utf-8")
    findings = _lint(lgo_cli, path)
    [finding] = findings
    _assert_finding(finding, "statistics-inconsistent", line_of(text, "total of 12 upheld"))
    assert finding["message"] == (
        "The letter gives 10 upheld decisions, but the remedy statistics are based on "
        "12 upheld decisions."
    )


def test_statistics_missing_whole_section(lgo_cli: Any, lgo_workdir: Path) -> None:
    path = lgo_workdir / "quillmere.txt"
    path.write_text(annual_review_letter(blocks=()), encoding="utf-8")
    [finding] = _lint(lgo_cli, path)
    _assert_finding(finding, "statistics-missing", 1)
    assert "No statistics were found" in finding["message"]


def test_statistics_missing_one_block(lgo_cli: Any, lgo_workdir: Path) -> None:
    path = lgo_workdir / "quillmere.txt"
    path.write_text(annual_review_letter(blocks=("upheld", "remedy")), encoding="utf-8")
    [finding] = _lint(lgo_cli, path)
    _assert_finding(finding, "statistics-missing", 1)
    assert finding["message"] == (
        "The compliance with recommendations statistics could not be found or read, "
        "so they could not be checked."
    )


def test_not_an_annual_review_letter_fires_on_a_newsletter(lgo_cli: Any, lgo_workdir: Path) -> None:
    path = lgo_workdir / "bulletin.txt"
    path.write_text(NEWSLETTER, encoding="utf-8")
    findings = _lint(lgo_cli, path)
    # Only this rule: the statistics rules do not run on what is not a letter.
    [finding] = findings
    _assert_finding(finding, "not-an-annual-review-letter", 1)


def test_not_an_annual_review_letter_silent_on_a_letter(lgo_cli: Any, lgo_workdir: Path) -> None:
    path = lgo_workdir / "quillmere.txt"
    path.write_text(annual_review_letter(blocks=()), encoding="utf-8")
    assert "not-an-annual-review-letter" not in {f["rule"] for f in _lint(lgo_cli, path)}


def test_small_sample_option_min_investigations(lgo_cli: Any, lgo_workdir: Path) -> None:
    figures = {
        "investigations": 6,
        "upheld_count": 3,
        "remedy_base": 3,
        "remedy_count": 1,
        "remedy_rate": 33,
    }
    path = lgo_workdir / "quillmere.txt"
    path.write_text(annual_review_letter(**figures), encoding="utf-8")
    [finding] = _lint(lgo_cli, path)
    assert finding["rule"] == "small-sample"
    assert "only 6 investigation" in finding["message"]
    assert "fewer than 10" in finding["message"]

    config = lgo_workdir / "lgo-check.toml"
    config.write_text("[rules.small-sample]\nmin-investigations = 6\n", encoding="utf-8")
    result = lgo_cli("--format", "json", path)
    assert result.code == 0, result
    assert result.json()["files"][0]["findings"] == []

    config.write_text("[rules.small-sample]\nmin-investigations = 7\n", encoding="utf-8")
    [finding] = lgo_cli("--format", "json", path).json()["files"][0]["findings"]
    assert finding["rule"] == "small-sample"
    assert "fewer than 7" in finding["message"]


def test_small_sample_silent_when_there_were_no_investigations(
    lgo_cli: Any, lgo_workdir: Path
) -> None:
    text = annual_review_letter(blocks=()) + (
        "\nComplaints upheld\n\nThe Ombudsman carried out no investigations in this period\n"
        "\nCompliance with Ombudsman recommendations\n\n"
        "No recommendations were due for compliance in this period\n"
        "\nSatisfactory remedy provided by the organisation\n\n"
        "The Ombudsman did not uphold any complaints in this period\n"
    )
    path = lgo_workdir / "quillmere.txt"
    path.write_text(text, encoding="utf-8")
    assert _lint(lgo_cli, path) == []


# --- unreadable-input ------------------------------------------------------------

UNREADABLE = {
    "empty": b"",
    "whitespace": b"  \n\n\t\n",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "undecodable": b"Annual review \x81\x8d\x8f\x90\x9d letter \x81\x81",
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_unreadable_input_fires(lgo_cli: Any, lgo_workdir: Path, kind: str) -> None:
    path = lgo_workdir / f"{kind}.txt"
    path.write_bytes(UNREADABLE[kind])
    result = lgo_cli("--isolated", "--format", "json", path.name)
    assert result.code == 1, result
    [file] = result.json()["files"]
    assert file["path"] == path.name
    assert file["checked"] is False
    assert file["letter"] is None
    [finding] = file["findings"]
    _assert_finding(finding, "unreadable-input", 1)
    assert finding["message"].startswith("Could not be checked: ")
    assert file["error"] and file["error"] in finding["message"]


def test_unreadable_input_nonexistent_path(lgo_cli: Any, lgo_workdir: Path) -> None:
    result = lgo_cli("--isolated", "--format", "json", "no-such-letter.txt")
    assert result.code == 1, result
    [file] = result.json()["files"]
    assert file["path"] == "no-such-letter.txt"
    [finding] = file["findings"]
    _assert_finding(finding, "unreadable-input", 1)
    assert "no such file" in finding["message"]


def test_unreadable_input_silent_on_a_readable_file(lgo_cli: Any, lgo_workdir: Path) -> None:
    path = lgo_workdir / "bulletin.txt"
    path.write_text(NEWSLETTER, encoding="utf-8")
    assert "unreadable-input" not in {f["rule"] for f in _lint(lgo_cli, path)}


def test_unreadable_file_does_not_stop_the_others(lgo_cli: Any, lgo_workdir: Path) -> None:
    (lgo_workdir / "a-empty.txt").write_bytes(b"")
    (lgo_workdir / "b-letter.txt").write_text(
        annual_review_letter(compliance_rate=95), encoding="utf-8"
    )
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 1
    files = {f["path"]: f for f in result.json()["files"]}
    assert set(files) == {"a-empty.txt", "b-letter.txt"}
    assert [f["rule"] for f in files["a-empty.txt"]["findings"]] == ["unreadable-input"]
    assert {f["rule"] for f in files["b-letter.txt"]["findings"]} == {
        "compliance-below-100",
        "compliance-below-peer-average",
    }


def test_unreadable_input_through_engine_run(lgo_workdir: Path, registry: Registry) -> None:
    (lgo_workdir / "empty.txt").write_bytes(b"")
    config = Config()
    result = run([Path("empty.txt"), Path("missing.txt")], config, registry)
    assert result.errors == []
    files = {f.path: f for f in result.report.files}
    assert set(files) == {"empty.txt", "missing.txt"}
    for file in files.values():
        assert not file.checked
        [finding] = file.findings
        assert (finding.rule, finding.rule_id, finding.severity) == (
            "unreadable-input",
            "LGO001",
            Severity.error,
        )
        assert finding.line == 1
    assert result.report.summary.not_checked == 2
    assert exit_code(result.report.summary, result.errors, "error") == 1
    assert exit_code(result.report.summary, result.errors, "never") == 0


def test_unreadable_input_ignored_leaves_no_finding_but_still_fails(
    lgo_workdir: Path, registry: Registry
) -> None:
    (lgo_workdir / "empty.txt").write_bytes(b"")
    config = Config(ignore=["LGO001"])
    result = run([Path("empty.txt")], config, registry)
    [file] = result.report.files
    assert file.findings == [] and not file.checked
    assert exit_code(result.report.summary, result.errors, "error") == 1


# --- the boilerplate sentence -----------------------------------------------------


def test_boilerplate_never_fires_compliance_below_100(lgo_cli: Any, lgo_workdir: Path) -> None:
    boilerplate = "any compliance rate below 100% gives cause for concern"
    letters = {
        # the boilerplate, and the figure at 100%
        "full.txt": annual_review_letter(),
        # the boilerplate, and no compliance block
        "no-compliance.txt": annual_review_letter(blocks=("upheld", "remedy")),
        # the boilerplate, and no statistics at all
        "no-statistics.txt": annual_review_letter(blocks=()),
        # the boilerplate again, right next to the compliance block
        "beside-block.txt": annual_review_letter().replace(
            "Compliance with Ombudsman recommendations\n",
            "Compliance with Ombudsman recommendations\n\nFailing to comply is unusual, and "
            f"{boilerplate}.\n",
        ),
        # the boilerplate, and no recommendations due
        "none-due.txt": annual_review_letter(blocks=("upheld", "remedy"))
        + "\nCompliance with Ombudsman recommendations\n\n"
        "No recommendations were due for compliance in this period\n",
        # not a letter at all
        "bulletin.txt": NEWSLETTER,
    }
    for name, text in letters.items():
        assert boilerplate in " ".join(text.split()), name
        (lgo_workdir / name).write_text(text, encoding="utf-8")
    result = lgo_cli("--isolated", "--format", "json", ".")
    files = result.json()["files"]
    assert len(files) == len(letters)
    for file in files:
        fired = {f["rule"] for f in file["findings"]}
        assert "compliance-below-100" not in fired, file["path"]
        assert "compliance-below-peer-average" not in fired, file["path"]
        assert file["letter"] is not None
        if file["path"] != "bulletin.txt":
            assert file["letter"]["statistics"]["compliance"]["rate_pct"] in (None, 100)


def test_boilerplate_in_fixture_letters_never_fires(lgo_fixture_run: Any) -> None:
    """Every fixture letter carries the boilerplate; only a stated rate below 100 fires."""
    letters = [f for f in lgo_fixture_run.report.files if f.letter is not None]
    assert len(letters) == 26
    with_boilerplate = 0
    for file in letters:
        text = (REPO / file.path).read_bytes().decode("utf-8", errors="replace")
        with_boilerplate += "compliance rate below 100%" in " ".join(text.split())
        fired = [f for f in file.findings if f.rule == "compliance-below-100"]
        rate = file.letter.statistics.compliance.rate_pct
        if rate is None or rate >= 100:
            assert fired == [], file.path
        else:
            assert len(fired) == 1, file.path
            assert f"{rate:g}%" in fired[0].message
    assert with_boilerplate >= 15


# --- Through the API, on Letters built here ---------------------------------------


def _span(line: int) -> Span:
    return Span(line=line, column=3, end_line=line, end_column=9)


def _letter(
    upheld: dict[str, Any] | None = None,
    compliance: dict[str, Any] | None = None,
    remedy: dict[str, Any] | None = None,
    **letter: Any,
) -> Letter:
    """A letter whose statistics are CLEAN_FIGURES, with blocks' fields overridden."""
    f = CLEAN_FIGURES
    up = {
        "status": Status.reported,
        "rate_pct": f["upheld_rate"],
        "peer_average_pct": f["upheld_peer"],
        "count": f["upheld_count"],
        "per_100k": f["per_100k"],
        "peer_average_per_100k": f["peer_per_100k"],
        "investigations": f["investigations"],
        "spans": {
            "rate_pct": _span(11),
            "count": _span(12),
            "per_100k": _span(13),
            "investigations": _span(14),
        },
    }
    comp = {
        "status": Status.reported,
        "rate_pct": f["compliance_rate"],
        "peer_average_pct": f["compliance_peer"],
        "outcomes": f["outcomes"],
        "spans": {"rate_pct": _span(21), "outcomes": _span(22)},
    }
    rem = {
        "status": Status.reported,
        "rate_pct": f["remedy_rate"],
        "peer_average_pct": f["remedy_peer"],
        "count": f["remedy_count"],
        "upheld_base": f["remedy_base"],
        "spans": {"rate_pct": _span(31), "count": _span(32), "upheld_base": _span(33)},
    }
    return Letter(
        statistics=Statistics(
            upheld=UpheldBlock(**{**up, **(upheld or {})}),
            compliance=ComplianceBlock(**{**comp, **(compliance or {})}),
            remedy=RemedyBlock(**{**rem, **(remedy or {})}),
        ),
        **letter,
    )


#: rule -> (a Letter it fires on, the line it must point at, a Letter it is silent on)
API_CASES: dict[str, tuple[Letter, int, Letter]] = {
    "not-an-annual-review-letter": (
        Letter(is_annual_review=False),
        1,
        _letter(),
    ),
    "hidden-text": (
        _letter(
            hidden_text=[HiddenText(how="the `hidden` attribute", excerpt="In 61%", span=_span(5))]
        ),
        5,
        _letter(),
    ),
    "statistics-missing": (
        _letter(
            compliance={"status": Status.missing, "rate_pct": None, "spans": {"heading": _span(20)}}
        ),
        20,
        _letter(compliance={"status": Status.none_due, "rate_pct": None, "outcomes": 0}),
    ),
    "statistics-inconsistent": (
        _letter(upheld={"count": 12}, remedy={"upheld_base": 12, "rate_pct": 17}),  # 12/20 != 50%
        11,
        _letter(upheld={"rate_pct": 49.5}),
    ),
    "small-sample": (
        _letter(
            upheld={"investigations": 9, "count": 4, "rate_pct": 44},
            remedy={"upheld_base": 4, "count": 1, "rate_pct": 25},
        ),
        14,
        _letter(
            upheld={"investigations": 0, "count": 0, "rate_pct": 0},
            remedy={"upheld_base": 0, "count": 0, "rate_pct": 0},
        ),
    ),
    "compliance-below-100": (
        _letter(compliance={"rate_pct": 99.5, "peer_average_pct": 99}),
        21,
        _letter(compliance={"rate_pct": None, "status": Status.none_due}),
    ),
    "compliance-below-peer-average": (
        _letter(compliance={"rate_pct": 98.9}),
        21,
        _letter(compliance={"rate_pct": 98, "peer_average_pct": None}),
    ),
    "upheld-rate-above-peer-average": (
        _letter(
            upheld={"rate_pct": 61, "peer_average_pct": 60.5, "count": 12, "investigations": 20},
            remedy={"upheld_base": 12, "rate_pct": 17},
        ),
        11,
        _letter(upheld={"peer_average_pct": None}),
    ),
    "upheld-per-100k-above-peer-average": (
        _letter(upheld={"per_100k": 3.01}),
        13,
        _letter(upheld={"per_100k": 3, "peer_average_per_100k": 3}),
    ),
    "remedy-rate-below-peer-average": (
        _letter(remedy={"rate_pct": 10, "peer_average_pct": 11, "count": 1}),
        31,
        _letter(remedy={"rate_pct": 11, "peer_average_pct": 11, "count": 1}),
    ),
}


def _fired(letter: Letter, rules: list[ActiveRule]) -> dict[str, Any]:
    findings, errors = check_letter(letter, rules, None, "api-letter.txt")
    assert errors == []
    by_rule: dict[str, Any] = {}
    for finding in findings:
        assert finding.rule not in by_rule, "each of these rules fires once here"
        by_rule[finding.rule] = finding
    return by_rule


def test_api_clean_letter_has_no_findings(active_rules: list[ActiveRule]) -> None:
    assert _fired(_letter(), active_rules) == {}


@pytest.mark.parametrize("rule", sorted(API_CASES))
def test_api_rule_fires_and_stays_silent(active_rules: list[ActiveRule], rule: str) -> None:
    firing, line, silent = API_CASES[rule]
    fired = _fired(firing, active_rules)
    assert rule in fired
    finding = fired[rule]
    code, severity = RULES[rule]
    assert (finding.rule_id, finding.severity.value, finding.line) == (code, severity, line)
    assert finding.message
    assert rule not in _fired(silent, active_rules)


def test_api_every_rule_has_a_case() -> None:
    # unreadable-input and check-failed come from the runner, never from a letter:
    # tested through the runner (here and in test_isolation.py); stale-baseline-entry
    # from the baseline file (test_baseline.py).
    from_the_run = {"unreadable-input", "check-failed", "stale-baseline-entry"}
    assert set(API_CASES) | from_the_run == set(RULES)


def test_api_statistics_rules_do_not_run_on_a_non_letter(
    active_rules: list[ActiveRule],
) -> None:
    # Figures that would fire every statistics rule, on a document that is not a letter.
    letter = _letter(
        compliance={"rate_pct": 50},
        upheld={"rate_pct": 90, "investigations": 3},
        is_annual_review=False,
    )
    assert set(_fired(letter, active_rules)) == {"not-an-annual-review-letter"}


def test_api_statistics_missing_reports_unreadable_figures(
    active_rules: list[ActiveRule],
) -> None:
    letter = _letter(
        problems=[Problem(field="upheld.rate_pct", reason="two different rates", span=_span(11))]
    )
    finding = _fired(letter, active_rules)["statistics-missing"]
    assert finding.line == 11
    assert "upheld.rate_pct" in finding.message and "two different rates" in finding.message


def test_api_statistics_missing_everything(active_rules: list[ActiveRule]) -> None:
    letter = Letter()  # every block missing
    fired = _fired(letter, active_rules)
    assert set(fired) == {"statistics-missing"}
    assert "No statistics were found" in fired["statistics-missing"].message


def test_api_statistics_missing_overview_block(active_rules: list[ActiveRule]) -> None:
    letter = _letter()
    letter.statistics.overview = OverviewBlock(status=Status.missing)
    finding = _fired(letter, active_rules)["statistics-missing"]
    assert "complaint overview" in finding.message


@pytest.mark.parametrize(
    ("upheld", "remedy", "overview", "expected"),
    [
        (
            {"count": 25, "investigations": 20, "rate_pct": 125},
            {"upheld_base": 25},
            None,
            "more than the 20 investigations",
        ),
        (
            {},
            {"count": 12, "upheld_base": 10, "rate_pct": 120},
            None,
            "more than the 10 upheld decisions",
        ),
        ({}, {"rate_pct": 40}, None, "Satisfactory remedy rate is stated as 40%"),
        (
            {},
            {},
            {"investigated": 21, "upheld": 10, "status": Status.reported},
            "complaint overview gives 21 investigations",
        ),
    ],
)
def test_api_statistics_inconsistent_checks(
    active_rules: list[ActiveRule],
    upheld: dict[str, Any],
    remedy: dict[str, Any],
    overview: dict[str, Any] | None,
    expected: str,
) -> None:
    letter = _letter(upheld=upheld, remedy=remedy)
    if overview is not None:
        letter.statistics.overview = OverviewBlock(**overview)
    messages = [
        f.message
        for f in check_letter(letter, active_rules, None, "x.txt")[0]
        if f.rule == "statistics-inconsistent"
    ]
    assert any(expected in m for m in messages), messages


def test_api_statistics_inconsistent_tolerance_option(registry: Registry) -> None:
    letter = _letter(upheld={"rate_pct": 53})  # 10 of 20 is 50%: 3 points out
    config = Config(rules={"statistics-inconsistent": {"tolerance-pct": 3}})
    assert "statistics-inconsistent" not in _fired(letter, select_rules(registry, config))
    config = Config(rules={"statistics-inconsistent": {"tolerance-pct": 2}})
    assert "statistics-inconsistent" in _fired(letter, select_rules(registry, config))


def test_api_small_sample_option(registry: Registry) -> None:
    letter = _letter(
        upheld={"investigations": 6, "count": 3},
        remedy={"upheld_base": 3, "count": 1, "rate_pct": 33},
    )
    default = select_rules(registry, Config())
    assert "small-sample" in _fired(letter, default)
    lower = select_rules(registry, Config(rules={"small-sample": {"min-investigations": 5}}))
    assert "small-sample" not in _fired(letter, lower)
    [active] = [a for a in lower if a.rule.name == "small-sample"]
    assert active.options.min_investigations == 5  # type: ignore[attr-defined]


def test_api_severity_override(registry: Registry) -> None:
    letter = _letter(compliance={"rate_pct": 99.5, "peer_average_pct": 99})
    config = Config(rules={"LGO201": {"severity": "note"}})
    finding = _fired(letter, select_rules(registry, config))["compliance-below-100"]
    assert finding.severity == Severity.note


def test_api_messages_leave_out_what_the_letter_does_not_state(
    active_rules: list[ActiveRule],
) -> None:
    letter = _letter(compliance={"rate_pct": 90, "peer_average_pct": None, "outcomes": None})
    message = _fired(letter, active_rules)["compliance-below-100"].message
    assert "90%" in message
    assert "peer average" not in message and "outcomes" not in message
    assert "None" not in message and "{" not in message
