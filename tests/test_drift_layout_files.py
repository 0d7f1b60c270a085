"""Layout files are checked against their models when they are loaded."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest

from lgo_check.extract.layout import (
    LayoutFileError,
    MetadataFile,
    StatisticsFile,
    load_layout_file,
)

SHIPPED = Path(str(files("lgo_check.layouts").joinpath("statistics.toml")))


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "statistics.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_shipped_layout_files_are_valid() -> None:
    assert load_layout_file(SHIPPED, StatisticsFile).layout
    metadata = SHIPPED.with_name("metadata.toml")
    assert load_layout_file(metadata, MetadataFile).annual_review_signs


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ('sets = ["upheld.rate_pct"]', 'sets = ["upheld.rate_pc"]', "upheld.rate_pc"),
        ('block = "upheld"', 'block = "upheled"', "upheled"),
        ('status = "none_due"', 'status = "none-due"', "status"),
        ("[[heading]]", "[[headings]]", "headings"),
        ('unit = "pct"', 'unit = "percent"', "unit"),
        ("expects.compliance = [", 'expects.compliance = ["rate", ', "compliance.rate"),
    ],
)
def test_a_typo_in_a_layout_file_is_an_error_naming_it(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    with pytest.raises(LayoutFileError) as error:
        load_layout_file(broken(tmp_path, old, new), StatisticsFile)
    assert "statistics.toml" in str(error.value)
    assert named in str(error.value)


def test_deep_nesting_and_nan_are_layout_errors(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 200 + "]" * 200 + "\n", encoding="utf-8")
    with pytest.raises(LayoutFileError, match="nested"):
        load_layout_file(deep, StatisticsFile)
    nan = tmp_path / "nan.toml"
    nan.write_text("x = nan\n", encoding="utf-8")
    with pytest.raises(LayoutFileError, match="finite"):
        load_layout_file(nan, StatisticsFile)


def test_a_figure_must_say_what_it_sets(tmp_path: Path) -> None:
    path = broken(tmp_path, 'sets = ["upheld.rate_pct"]\n', "\n")
    with pytest.raises(LayoutFileError, match=re.escape("exactly one of sets")):
        load_layout_file(path, StatisticsFile)
