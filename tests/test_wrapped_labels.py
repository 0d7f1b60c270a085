"""A figure whose label wraps onto the next line belongs to the whole label, and a label
line other blocks use too does not say which block the lines after it are in.

"upheld decisions" followed on the next line by "per 100,000 residents" labels the
per-100,000 figure, so the number before it is never read as the count of upheld
decisions (found by the PDF table property: a narrow label cell wraps that way).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult, annual_review_letter


@pytest.mark.parametrize("wrap", ["\nper 100,000 residents", "\n  per 100,000\nresidents"])
def test_count_label_wrapped_into_per_100k_is_not_the_count(
    wrap: str, tmp_path: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    text = annual_review_letter(upheld_count=7).replace(
        "7\nupheld decisions\n", f"7 upheld decisions{wrap}\n"
    )
    assert f"7 upheld decisions{wrap}" in text
    letter = tmp_path / "wrenhithe-dc-2023-24.txt"
    letter.write_text(text, encoding="utf-8")

    result = lgo_cli("--isolated", "--format", "json", letter)
    [file] = result.json()["files"]
    assert file["letter"]["statistics"]["upheld"]["count"] is None
    missing = [f["message"] for f in file["findings"] if f["rule"] == "statistics-missing"]
    assert any("upheld.count" in message for message in missing), missing


def test_count_on_its_own_label_line_is_still_read(
    tmp_path: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    letter = tmp_path / "wrenhithe-dc-2023-24.txt"
    letter.write_text(annual_review_letter(upheld_count=7), encoding="utf-8")
    [file] = lgo_cli("--isolated", "--format", "json", letter).json()["files"]
    assert file["letter"]["statistics"]["upheld"]["count"] == 7


def test_any_label_going_on_in_lower_case_is_not_the_end_of_it(
    tmp_path: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    # The same rule for every figure whose label stands alone on its line.
    text = annual_review_letter(remedy_count=4).replace(
        "4\nsatisfactory remedy decisions\n", "4 satisfactory remedy decisions\nacross the region\n"
    )
    assert "4 satisfactory remedy decisions\nacross the region" in text
    letter = tmp_path / "wrenhithe-dc-2023-24.txt"
    letter.write_text(text, encoding="utf-8")
    [file] = lgo_cli("--isolated", "--format", "json", letter).json()["files"]
    assert file["letter"]["statistics"]["remedy"]["count"] is None


def test_upheld_decisions_line_in_the_remedy_block_does_not_take_its_peer_average(
    tmp_path: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    # The remedy block with its figures first, the rate's sentence wrapped so that it
    # is not read, and its base of upheld decisions on a line of its own before the
    # peer average: that average is the remedy block's, never the upheld block's.
    text = annual_review_letter(upheld_peer=60, remedy_peer=17, upheld_count=10)
    start = text.index("Satisfactory remedy provided by the organisation")
    end = text.index("31 March 2024", start) + len("31 March 2024")
    remedy = (
        "Satisfactory remedy provided by the organisation\n\n"
        "40% of upheld cases had a satisfactory remedy\nfrom the organisation\n"
        "4 satisfactory remedy decisions\n"
        "10 upheld decisions\n"
        "This compares to an average of 17% in similar organisations."
    )
    letter = tmp_path / "wrenhithe-dc-2023-24.txt"
    letter.write_text(text[:start] + remedy + text[end:], encoding="utf-8")
    [file] = lgo_cli("--isolated", "--format", "json", letter).json()["files"]
    statistics = file["letter"]["statistics"]
    assert statistics["upheld"]["peer_average_pct"] == 60
    assert statistics["remedy"]["peer_average_pct"] == 17
    assert statistics["remedy"]["count"] == 4
