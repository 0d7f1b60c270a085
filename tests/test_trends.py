"""Rules over a body's history: each built-in trend rule, across the series breaks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import annual_review_letter
from test_bodies import record

from lgo_check.bodies import LetterRecord, group
from lgo_check.config import Config
from lgo_check.declarative import RuleFileError, load_rule_file
from lgo_check.engine import ActiveRule, build_registry, select_rules
from lgo_check.model import Finding, Severity
from lgo_check.trends import BodyHit, BodyRule, check_bodies


@pytest.fixture(scope="module")
def rules() -> list[ActiveRule]:
    return select_rules(build_registry(Config()), Config())


def findings(
    rules: list[ActiveRule], records: list[LetterRecord], name: str, **options: Any
) -> list[tuple[str, Finding]]:
    """What the rule ``name`` says about these letters (options override its defaults)."""
    active = [a for a in rules if a.rule.name == name]
    assert len(active) == 1, name
    if options:
        rule = active[0].rule
        active = [ActiveRule(rule, active[0].severity, rule.Options.model_validate(options))]
    found, errors = check_bodies(group(records), active)
    assert errors == []
    return found


def body(*letters: tuple[str, dict[str, Any]]) -> list[LetterRecord]:
    """One body's letters: (review year, figures) pairs."""
    return [
        record(f"tarnwick-{year}.txt", "Tarnwick District Council", year, **figures)
        for year, figures in letters
    ]


# --- upheld rate rising (LGO411) ---------------------------------------------------


def test_upheld_rate_rising_fires_on_the_newest_letter(rules: list[ActiveRule]) -> None:
    found = findings(
        rules,
        body(
            ("2022-23", {"upheld_rate_pct": 60}),
            ("2023-24", {"upheld_rate_pct": 75, "upheld_peer_average_pct": 70}),
        ),
        "upheld-rate-rising",
    )
    assert [(path, f.rule_id) for path, f in found] == [("tarnwick-2023-24.txt", "LGO411")]
    message = found[0][1].message
    assert "60% in 2022-23" in message and "75% in 2023-24" in message
    assert "15 points" in message and "70%" in message


def test_upheld_rate_rising_within_threshold_and_configurable(rules: list[ActiveRule]) -> None:
    letters = body(("2023-24", {"upheld_rate_pct": 70}), ("2024-25", {"upheld_rate_pct": 78}))
    assert findings(rules, letters, "upheld-rate-rising") == []
    assert len(findings(rules, letters, "upheld-rate-rising", points=5)) == 1


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("2021-22", "2022-23"),  # the change in case selection
        ("2019-20", "2020-21"),  # into the Covid-19 pause
        ("2020-21", "2021-22"),  # out of it
    ],
)
def test_upheld_rate_not_compared_across_a_break(
    rules: list[ActiveRule], earlier: str, later: str
) -> None:
    letters = body((earlier, {"upheld_rate_pct": 40}), (later, {"upheld_rate_pct": 80}))
    assert findings(rules, letters, "upheld-rate-rising") == []
    notes = findings(rules, letters, "series-break")
    assert [path for path, _ in notes] == [f"tarnwick-{later}.txt"]
    assert notes[0][1].severity == Severity.note
    assert earlier in notes[0][1].message and later in notes[0][1].message


def test_no_comparison_over_a_missing_year(rules: list[ActiveRule]) -> None:
    letters = body(("2022-23", {"upheld_rate_pct": 40}), ("2024-25", {"upheld_rate_pct": 80}))
    assert findings(rules, letters, "upheld-rate-rising") == []


def test_only_the_newest_step_is_judged(rules: list[ActiveRule]) -> None:
    letters = body(
        ("2022-23", {"upheld_rate_pct": 40}),
        ("2023-24", {"upheld_rate_pct": 80}),
        ("2024-25", {"upheld_rate_pct": 79}),
    )
    assert findings(rules, letters, "upheld-rate-rising") == []


# --- upheld per 100,000 rising (LGO412) ----------------------------------------------


def test_upheld_per_100k_rising(rules: list[ActiveRule]) -> None:
    found = findings(
        rules,
        body(("2023-24", {"upheld_per_100k": 5.3}), ("2024-25", {"upheld_per_100k": 6.1})),
        "upheld-per-100k-rising",
    )
    assert len(found) == 1
    assert "5.3 in 2023-24" in found[0][1].message and "6.1 in 2024-25" in found[0][1].message
    falling = body(("2023-24", {"upheld_per_100k": 5.3}), ("2024-25", {"upheld_per_100k": 4.0}))
    assert findings(rules, falling, "upheld-per-100k-rising") == []


def test_upheld_per_100k_not_compared_across_the_case_selection_change(
    rules: list[ActiveRule],
) -> None:
    letters = body(("2021-22", {"upheld_per_100k": 2.0}), ("2022-23", {"upheld_per_100k": 4.0}))
    assert findings(rules, letters, "upheld-per-100k-rising") == []


# --- compliance falling (LGO413) -----------------------------------------------------


def test_compliance_falling_is_compared_across_the_case_selection_change(
    rules: list[ActiveRule],
) -> None:
    # The 2022-23 change was in which complaints were investigated, not in compliance.
    letters = body(
        ("2021-22", {"compliance_rate_pct": 100}),
        ("2022-23", {"compliance_rate_pct": 95, "compliance_outcomes": 20}),
    )
    found = findings(rules, letters, "compliance-falling")
    assert [path for path, _ in found] == ["tarnwick-2022-23.txt"]
    assert "100% in 2021-22" in found[0][1].message and "95% in 2022-23" in found[0][1].message
    assert "20 outcomes" in found[0][1].message


def test_compliance_not_compared_with_the_covid_year(rules: list[ActiveRule]) -> None:
    for years in (("2019-20", "2020-21"), ("2020-21", "2021-22")):
        letters = body(
            (years[0], {"compliance_rate_pct": 100}), (years[1], {"compliance_rate_pct": 90})
        )
        assert findings(rules, letters, "compliance-falling") == [], years


def test_compliance_steady_or_missing_does_not_fire(rules: list[ActiveRule]) -> None:
    steady = body(
        ("2023-24", {"compliance_rate_pct": 100}), ("2024-25", {"compliance_rate_pct": 100})
    )
    assert findings(rules, steady, "compliance-falling") == []
    unknown = body(("2023-24", {"compliance_rate_pct": 100}), ("2024-25", {}))
    assert findings(rules, unknown, "compliance-falling") == []


# --- the same concern in consecutive letters (LGO421) --------------------------------


def concerned(year: str, *kinds: str) -> LetterRecord:
    return record(f"tarnwick-{year}.txt", "Tarnwick DC", year, concerns=kinds)


def test_same_concern_in_consecutive_letters(rules: list[ActiveRule]) -> None:
    letters = [
        concerned("2021-22", "delayed_enquiry_responses"),
        concerned("2022-23", "delayed_enquiry_responses", "witness_summons"),
        concerned("2023-24", "delayed_enquiry_responses", "non_compliance"),
    ]
    found = findings(rules, letters, "concern-in-consecutive-letters")
    assert len(found) == 1
    path, finding = found[0]
    assert path == "tarnwick-2023-24.txt"
    assert finding.line == 10  # at the concern's sentence in the newest letter
    assert "2021-22, 2022-23 and 2023-24" in finding.message
    assert "3 consecutive years" in finding.message


def test_concerns_are_compared_across_breaks_but_not_over_a_gap(rules: list[ActiveRule]) -> None:
    across = [concerned("2020-21", "public_report"), concerned("2021-22", "public_report")]
    assert len(findings(rules, across, "concern-in-consecutive-letters")) == 1
    gap = [concerned("2021-22", "public_report"), concerned("2023-24", "public_report")]
    assert findings(rules, gap, "concern-in-consecutive-letters") == []
    other = [concerned("2022-23", "witness_summons"), concerned("2023-24", "public_report")]
    assert findings(rules, other, "concern-in-consecutive-letters") == []


# --- upheld rate above the peer average, years running (LGO422) -----------------------


def above(year: str, rate: int, peer: int) -> tuple[str, dict[str, Any]]:
    return (year, {"upheld_rate_pct": rate, "upheld_peer_average_pct": peer})


def test_above_peers_three_years_running_across_the_breaks(rules: list[ActiveRule]) -> None:
    # Each year is compared with that year's average, which the breaks do not affect.
    letters = body(above("2020-21", 60, 55), above("2021-22", 62, 58), above("2022-23", 80, 74))
    found = findings(rules, letters, "upheld-above-peers-years-running")
    assert [path for path, _ in found] == ["tarnwick-2022-23.txt"]
    message = found[0][1].message
    assert "2020-21 60% (average 55%)" in message and "2022-23 80% (average 74%)" in message


def test_above_peers_needs_every_year_and_no_gap(rules: list[ActiveRule]) -> None:
    two = body(above("2022-23", 80, 74), above("2023-24", 80, 74))
    assert findings(rules, two, "upheld-above-peers-years-running") == []
    assert len(findings(rules, two, "upheld-above-peers-years-running", years=2)) == 1
    dip = body(above("2021-22", 60, 55), above("2022-23", 70, 74), above("2023-24", 80, 74))
    assert findings(rules, dip, "upheld-above-peers-years-running") == []
    gap = body(above("2020-21", 60, 55), above("2022-23", 80, 74), above("2023-24", 80, 74))
    assert findings(rules, gap, "upheld-above-peers-years-running") == []


# --- duplicates and series breaks (LGO401, LGO402) -----------------------------------


def test_duplicate_letter_names_the_one_kept_and_the_differences(rules: list[ActiveRule]) -> None:
    first = record("a.txt", "Tarnwick DC", "2023-24", dt.date(2024, 7, 17), upheld_rate_pct=64)
    reissue = record("b.txt", "Tarnwick DC", "2023-24", dt.date(2024, 9, 1), upheld_rate_pct=61)
    found = findings(rules, [first, reissue], "duplicate-letter")
    assert [path for path, _ in found] == ["a.txt"]
    assert "b.txt dated 2024-09-01" in found[0][1].message
    assert "upheld.rate_pct (64 here, 61 there)" in found[0][1].message
    copy = record("c.txt", "Tarnwick District Council", "2023-24", upheld_rate_pct=64)
    found = findings(rules, [first, copy], "duplicate-letter")
    assert "looks like a copy" in found[0][1].message


def test_series_break_is_silent_for_like_for_like_years(rules: list[ActiveRule]) -> None:
    letters = body(("2022-23", {}), ("2023-24", {}))
    assert findings(rules, letters, "series-break") == []
    assert findings(rules, body(("2023-24", {})), "series-break") == []


# --- the mechanism --------------------------------------------------------------------


class Raises(BodyRule):
    """A body rule that fails."""

    code = "TEST401"
    name = "raises"
    severity = Severity.warning

    def check_body(self, body: Any, options: Any) -> Iterator[BodyHit]:
        raise RuntimeError("no history for you")


def test_a_body_rule_that_raises_is_reported_and_the_others_run(rules: list[ActiveRule]) -> None:
    letters = body(("2022-23", {"upheld_rate_pct": 40}), ("2023-24", {"upheld_rate_pct": 80}))
    active = [ActiveRule(Raises(), Severity.warning, Raises.Options()), *rules]
    found, errors = check_bodies(group(letters), active)
    assert len(errors) == 1 and "TEST401 raises" in errors[0] and "no history" in errors[0]
    assert "LGO411" in {f.rule_id for _, f in found}


TREND_FILE = """
[[rule]]
code = "GOV401"
name = "remedy-rate-falling"
severity = "note"
summary = "Fewer complaints were put right before reaching the Ombudsman."
doc = "## What it does\\nCompares remedy rates year on year."
options = { points = 5 }
trend = { field = "remedy.rate_pct", change = "falls", option = "points" }
when = [{ field = "remedy.upheld_base", op = ">=", value = 10 }]
message = ["Remedy rate {trend.previous}% ({trend.previous_year})", " -> {trend.current}% ({trend.current_year}), down {trend.difference}."]
"""


def test_declarative_trend_rule(tmp_path: Path) -> None:
    path = tmp_path / "gov.toml"
    path.write_text(TREND_FILE, "utf-8")
    (rule,) = load_rule_file(path)
    assert isinstance(rule, BodyRule)
    active = [ActiveRule(rule, rule.severity, rule.Options())]
    letters = body(
        ("2023-24", {"remedy_rate_pct": 20, "remedy_upheld_base": 12}),
        ("2024-25", {"remedy_rate_pct": 12, "remedy_upheld_base": 12}),
    )
    found, _ = check_bodies(group(letters), active)
    assert [f.message for _, f in found] == ["Remedy rate 20% (2023-24) -> 12% (2024-25), down 8."]
    small = body(
        ("2023-24", {"remedy_rate_pct": 20, "remedy_upheld_base": 12}),
        ("2024-25", {"remedy_rate_pct": 12, "remedy_upheld_base": 4}),
    )
    assert check_bodies(group(small), active)[0] == []  # the `when` condition fails


_TREND_LINE = 'trend = { field = "remedy.rate_pct", change = "falls", option = "points" }'


@pytest.mark.parametrize(
    ("trend", "error"),
    [
        ('{ field = "review_year", change = "falls" }', "a trend needs a figure"),
        ('{ field = "remedy.rate_pct", change = "falls", option = "limit" }', "'limit' is not in"),
        (
            '{ field = "remedy.rate_pct", change = "falls", value = 1, option = "points" }',
            "not both",
        ),
        ('{ field = "remedy.rate_pct", change = "wobbles" }', "change"),
    ],
)
def test_invalid_trend_rules_name_the_problem(tmp_path: Path, trend: str, error: str) -> None:
    assert _TREND_LINE in TREND_FILE
    path = tmp_path / "bad.toml"
    path.write_text(TREND_FILE.replace(_TREND_LINE, f"trend = {trend}"), "utf-8")
    with pytest.raises(RuleFileError, match="remedy-rate-falling") as info:
        load_rule_file(path)
    assert error in str(info.value)


def test_trend_placeholders_only_in_trend_rules(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(TREND_FILE.replace("{trend.difference}", "{trend.slope}"), "utf-8")
    with pytest.raises(RuleFileError, match=r"trend\.slope"):
        load_rule_file(path)
    plain = TREND_FILE.replace(_TREND_LINE + "\n", "")
    path.write_text(plain, "utf-8")
    with pytest.raises(RuleFileError, match="only for rules with 'trend'"):
        load_rule_file(path)


# --- a third-party rule over a body's history, through the plugin entry point ----------

HISTORY_PACK = '''
from lgo_check.hookspecs import hookimpl
from lgo_check.model import Severity
from lgo_check.trends import BodyRule, hit


class LettersCounted(BodyRule):
    """Says how many years of letters a body has in the run.

    ## What it does
    Counts them.
    """

    code = "HIST001"
    name = "years-of-letters"
    severity = Severity.note

    def check_body(self, body, options):
        newest = body.newest()
        if newest is not None:
            years = [r.review_year for r in body.series()]
            yield hit(f"{body.name}: {', '.join(years)}.", newest, "review_year")


@hookimpl
def lgo_check_rules():
    return [LettersCounted]
'''


def test_a_plugin_body_rule_runs_from_the_cli(
    lgo_cli: Any, install_plugin: Any, lgo_workdir: Path
) -> None:
    install_plugin("history-pack", "history", "history_lgo_pack", HISTORY_PACK)
    folder = lgo_workdir / "letters"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text(annual_review_letter(body=f"Wendle {name[0]} DC"), "utf-8")
    result = lgo_cli("--isolated", "--format", "json", "--select", "HIST", "letters")
    assert result.code == 0, result.err
    late = {x["path"]: x["findings"] for x in result.json()["body_findings"]}
    assert [f["message"] for f in late["letters/a.txt"]] == ["Wendle a DC: 2023-24."]
    assert [f["rule_id"] for f in late["letters/b.txt"]] == ["HIST001"]
    assert late["letters/a.txt"][0]["line"] > 1  # at the review year in the letter
    listing = lgo_cli("rules", "--isolated").out
    assert "HIST001" in listing and "years-of-letters" in listing
