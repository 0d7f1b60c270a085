"""A figure whose label wraps onto the next line belongs to the whole label.

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
