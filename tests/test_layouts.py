"""Statistics layouts across years, wording variants, and the traps around them."""

from __future__ import annotations

from lgo_check.config import Config
from lgo_check.engine import build_registry, check_letter, select_rules
from lgo_check.extract import extract_letters
from lgo_check.extract.layout import metadata_wording
from lgo_check.model import Letter, Source, Status
from lgo_check.normalise import normalise

HEAD = """14 July 2025

By email

Dr Amara Quist
Chief Executive
Harrowgate Vale Borough Council

Dear Dr Quist

Annual Review letter 2024-25

I write with your annual summary of complaint statistics, prepared by the Local Government
and Social Care Ombudsman for the year ending 31 March 2025. Nationally, 81% of
complaints we investigated were upheld across all councils this year, and any
compliance rate below 100% gives cause for concern.

Yours sincerely,

Morwenna Tate
Local Government and Social Care Ombudsman
"""

OVERVIEW_2025 = """
Complaint overview

Between 1 April 2024 to 31 March 2025, we dealt with 79 complaints. Of these, 33 were
not for us or not ready for us to investigate. We assessed and closed 31 complaints.
We investigated 15 complaints.

Complaints upheld

We investigated 15 complaints and upheld 9.

60% of complaints we investigated were upheld.

This compares to an average of 80% in similar authorities.

Adjusted for Harrowgate Vale Borough Council's population, this is 2.7 upheld decisions per 100,000 residents.

The average for authorities of this type is 3.1 upheld decisions per 100,000 residents.

Compliance with Ombudsman recommendations

100% of cases we were satisfied the Council had successfully implemented our recommendations.

This compares to an average of 99% in similar authorities.

Statistics are based on a total of 8 compliance outcomes for the period between 1 April 2024 to 31 March 2025

Satisfactory remedy provided by the Council

In 11% of upheld cases we found the Council had provided a satisfactory remedy before the complaint reached the Ombudsman.

This compares to an average of 14% in similar authorities.

1 satisfactory remedy decision

Statistics are based on a total of 9 upheld decisions for the period between 1 April 2024 to 31 March 2025
"""


def letter_of(text: str) -> Letter:
    source = Source(path="letter.txt", format="text", text=text)
    return extract_letters([normalise(source, metadata_wording().artefacts)])[0]


def rule_names(letter: Letter) -> set[str]:
    config = Config()
    rules = select_rules(build_registry(config), config)
    findings, errors = check_letter(letter, rules, None, "letter.txt")
    assert not errors
    return {f.rule for f in findings}


def test_2024_25_overview_and_new_sentences() -> None:
    letter = letter_of(HEAD + OVERVIEW_2025)
    assert letter.layout == "lgsco-2025"
    overview = letter.statistics.overview
    assert overview is not None
    assert overview.status == Status.reported
    assert (overview.dealt_with, overview.not_for_us, overview.assessed_and_closed) == (79, 33, 31)
    assert (overview.investigated, overview.upheld) == (15, 9)
    up = letter.statistics.upheld
    assert (up.rate_pct, up.peer_average_pct, up.count, up.investigations) == (60, 80, 9, 15)
    assert (up.per_100k, up.peer_average_per_100k) == (2.7, 3.1)
    comp = letter.statistics.compliance
    assert (comp.rate_pct, comp.peer_average_pct, comp.outcomes) == (100, 99, 8)
    rem = letter.statistics.remedy
    assert (rem.rate_pct, rem.peer_average_pct, rem.count, rem.upheld_base) == (11, 14, 1, 9)
    assert letter.review_year == "2024-25"
    assert rule_names(letter) == {"remedy-rate-below-peer-average"}


def test_national_figure_in_body_is_never_taken() -> None:
    letter = letter_of(HEAD + OVERVIEW_2025)
    # The body's "Nationally, 81% of complaints we investigated were upheld" comes
    # before any statistics: the letter's own rate is 60%, not a guess between them.
    assert letter.statistics.upheld.rate_pct == 60
    assert letter.problems == []


def test_2022_23_detailed_investigations_go_to_their_own_blocks() -> None:
    text = (
        HEAD.replace("2024-25", "2022-23")
        + """
Complaints upheld

75% of complaints we investigated were upheld.

This compares to an average of 72% in similar organisations.

Statistics are based on a total of 20 detailed investigations for the period between 1 April 2022 to 31 March 2023

Compliance with Ombudsman recommendations

In 100% of cases we were satisfied the organisation had successfully implemented our recommendations.

Statistics are based on a total of 12 compliance outcomes for the period between 1 April 2022 to 31 March 2023

Satisfactory remedy provided by the organisation

In 20% of upheld cases we found the organisation had provided a satisfactory remedy before the complaint reached the Ombudsman.

This compares to an average of 12% in similar organisations.

Statistics are based on a total of 15 detailed investigations for the period between 1 April 2022 to 31 March 2023
"""
    )
    letter = letter_of(text)
    assert letter.layout == "lgsco-2019"
    assert letter.statistics.overview is None
    assert letter.statistics.upheld.investigations == 20
    assert letter.statistics.upheld.peer_average_pct == 72
    assert letter.statistics.remedy.upheld_base == 15
    assert letter.statistics.remedy.peer_average_pct == 12
    assert letter.statistics.compliance.peer_average_pct is None
    assert "upheld-rate-above-peer-average" in rule_names(letter)


def test_figure_stated_twice_differently_is_null_with_a_finding() -> None:
    text = (
        HEAD
        + """
Complaints upheld

60% of complaints we investigated were upheld.

65% of complaints we investigated were upheld.

This compares to an average of 50% in similar authorities.
"""
    )
    letter = letter_of(text)
    assert letter.statistics.upheld.rate_pct is None
    twice = [p for p in letter.problems if p.field == "upheld.rate_pct"]
    assert len(twice) == 1 and "60 and 65" in twice[0].reason
    # The block's other figures are named too: none of them was stated.
    assert {"upheld.count", "upheld.investigations"} <= {p.field for p in letter.problems}
    names = rule_names(letter)
    assert "statistics-missing" in names
    assert "upheld-rate-above-peer-average" not in names


def test_unrecognised_blocks_are_reported_individually() -> None:
    text = (
        HEAD
        + """
Compliance with Ombudsman recommendations

In 90% of cases we were satisfied the authority had successfully implemented our recommendations.

This compares to an average of 99% in similar authorities.
"""
    )
    letter = letter_of(text)
    assert letter.statistics.compliance.rate_pct == 90
    assert letter.statistics.upheld.status == Status.missing
    assert letter.statistics.remedy.status == Status.missing
    config = Config()
    rules = select_rules(build_registry(config), config)
    findings, _ = check_letter(letter, rules, None, "letter.txt")
    missing = [f.message for f in findings if f.rule == "statistics-missing"]
    assert len([m for m in missing if "statistics could not be found" in m]) == 2
    # The compliance block gives no outcomes: that gap is named on its own.
    assert any(m.startswith("compliance.outcomes (") for m in missing)
    assert any("complaints upheld" in m for m in missing)
    assert any("satisfactory remedies" in m for m in missing)
    assert {"compliance-below-100", "compliance-below-peer-average"} <= {f.rule for f in findings}


def test_stray_percent_and_page_artefacts_between_number_and_label() -> None:
    text = (
        HEAD
        + """
Complaints upheld

70% of complaints we investigated were upheld.

This compares to an average of 70% in similar authorities.

21
Page 2 of 3
Local Government & Social Care OMBUDSMAN
upheld decisions

Adjusted for Harrowgate Vale's population, this is 3.9% upheld decisions per 100,000 residents.

Statistics are based on a total of 30 investigations for the period between 1 April 2024 to 31 March 2025
"""
    )
    up = letter_of(text).statistics.upheld
    assert (up.rate_pct, up.count, up.per_100k, up.investigations) == (70, 21, 3.9, 30)
