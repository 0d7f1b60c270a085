"""Bodies across years: names normalised, aliases, order by year, duplicates, gaps."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, annual_review_letter

from lgo_check.bodies import (
    FIGURES,
    AliasError,
    LetterRecord,
    alias_keys,
    body_key,
    body_report,
    group,
    series_break,
)
from lgo_check.config import ConfigError, load_config_file
from lgo_check.model import Number


def record(
    path: str,
    organisation: str,
    year: str | None,
    date: dt.date | None = None,
    concerns: tuple[str, ...] = (),
    **figures: Number | None,
) -> LetterRecord:
    """A letter's record as the runner keeps it; ``upheld_rate_pct=60`` sets upheld.rate_pct."""
    from lgo_check.bodies import ConcernRecord

    values: dict[str, Number | None] = dict.fromkeys(FIGURES)
    for key, value in figures.items():
        block, _, name = key.partition("_")
        values[f"{block}.{name}"] = value
    return LetterRecord(
        path=path,
        organisation=organisation,
        review_year=year,
        letter_date=date,
        layout=None,
        figures=values,
        statuses={},
        concerns=tuple(ConcernRecord(kind, (10, 1, 10, 20, None)) for kind in concerns),
    )


# --- names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Larkhythe MBC", "Larkhythe Metropolitan Borough Council"),
        ("LARKHYTHE metropolitan borough council", "Larkhythe Metropolitan Borough Council"),
        ("Tarnwick DC", "Tarnwick District Council"),
        ("Glenhallow CC", "Glenhallow County Council"),
        ("Fenmarsh & Wyre District Council", "Fenmarsh and Wyre District Council"),
        ("London Borough of Quellbridge", "Quellbridge London Borough Council"),
        ("LB Quellbridge", "London Borough of Quellbridge"),
        ("Council of the Isles of Scarrow", "Isles of Scarrow Council"),
        ("City of Port Ellery Council", "Port Ellery City Council"),
        ("Kings Thorne Borough Council", "King's Thorne BC"),
        ("St Aldwyn District Council", "Saint Aldwyn District Council"),
        ("The Ravensmere Borough Council", "Ravensmere Borough Council."),
        ("Cindervale Council", "Cindervale"),
    ],
)
def test_same_body_under_different_spellings(one: str, other: str) -> None:
    assert body_key(one) == body_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Glenhallow County Council", "Glenhallow District Council"),
        ("Fenmarsh District Council", "North Fenmarsh District Council"),
        ("Quellbridge London Borough Council", "Quellbridge Borough Council"),
    ],
)
def test_different_bodies_stay_apart(one: str, other: str) -> None:
    assert body_key(one) != body_key(other)


def test_a_name_of_only_type_words_is_kept_whole() -> None:
    assert body_key("The Council") == "the council"
    assert body_key("The Council") != body_key("County Council")


# --- aliases ----------------------------------------------------------------------


def test_builtin_alias_joins_a_renamed_body() -> None:
    bodies = group(
        [
            record("a.txt", "Shepway District Council", "2016-17"),
            record("b.txt", "Folkestone & Hythe District Council", "2018-19"),
        ]
    )
    assert len(bodies) == 1
    assert bodies[0].name == "Folkestone & Hythe District Council"
    assert bodies[0].names == ["Shepway District Council", "Folkestone & Hythe District Council"]


def test_configured_alias_and_chain() -> None:
    letters = [
        record("a.txt", "Old Wendle Borough Council", "2019-20"),
        record("b.txt", "Wendle Vale BC", "2021-22"),
        record("c.txt", "Wendle and Marsh Borough Council", "2023-24"),
    ]
    assert len(group(letters)) == 3
    aliases = {
        "Old Wendle Borough Council": "Wendle Vale Borough Council",
        "Wendle Vale Borough Council": "Wendle & Marsh Borough Council",
    }
    bodies = group(letters, aliases)
    assert [[r.path for r in b.letters] for b in bodies] == [["a.txt", "b.txt", "c.txt"]]
    assert bodies[0].name == "Wendle and Marsh Borough Council"


def test_alias_circle_is_an_error() -> None:
    with pytest.raises(AliasError, match="circle"):
        alias_keys({"Ayton DC": "Beeton DC", "Beeton District Council": "Ayton District Council"})


def test_alias_configuration_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "lgo-check.toml"
    path.write_text('[bodies.aliases]\n"Old Wendle BC" = "Wendle Vale Borough Council"\n', "utf-8")
    config = load_config_file(path)
    assert config is not None
    assert config.bodies.aliases == {"Old Wendle BC": "Wendle Vale Borough Council"}
    path.write_text('[bodies.aliases]\n"A DC" = "B DC"\n"B DC" = "A DC"\n', "utf-8")
    with pytest.raises(ConfigError, match="circle"):
        load_config_file(path)
    path.write_text('[bodies]\nalias = {"A DC" = "B DC"}\n', "utf-8")
    with pytest.raises(ConfigError, match="alias"):
        load_config_file(path)


# --- order, duplicates, gaps --------------------------------------------------------


def test_letters_ordered_by_review_year_whatever_the_input_order() -> None:
    bodies = group(
        [
            record("z-2023.txt", "Tarnwick DC", "2023-24"),
            record("a-2021.txt", "Tarnwick District Council", "2021-22"),
            record("m-2022.txt", "Tarnwick District Council", "2022-23"),
            record("other.txt", "Ashbeck Borough Council", "2023-24"),
        ]
    )
    assert [b.name for b in bodies] == ["Ashbeck Borough Council", "Tarnwick DC"]
    tarnwick = bodies[1]
    assert [r.review_year for r in tarnwick.series()] == ["2021-22", "2022-23", "2023-24"]
    assert tarnwick.name == "Tarnwick DC"  # as the newest letter writes it


def test_duplicate_year_keeps_the_later_dated_letter() -> None:
    reissue = record("b.txt", "Tarnwick DC", "2023-24", dt.date(2024, 9, 2), upheld_rate_pct=61)
    first = record("a-2.txt", "Tarnwick DC", "2023-24", dt.date(2024, 7, 17), upheld_rate_pct=64)
    body = group([reissue, first, record("c.txt", "Tarnwick DC", "2022-23")])[0]
    assert [r.path for r in body.series()] == ["c.txt", "b.txt"]
    assert body.duplicates() == [(first, reissue)]
    report = body_report(body)
    assert [(x.path, x.in_series, x.superseded_by) for x in report.letters] == [
        ("c.txt", True, None),
        ("a-2.txt", False, "b.txt"),
        ("b.txt", True, None),
    ]
    assert report.series["upheld.rate_pct"] == [None, 61]


def test_missing_years_and_letters_without_a_year() -> None:
    body = group(
        [
            record("2019.txt", "Tarnwick DC", "2019-20"),
            record("2021.txt", "Tarnwick DC", "2021-22"),
            record("2023.txt", "Tarnwick DC", "2023-24"),
            record("undated.txt", "Tarnwick DC", None),
        ]
    )[0]
    assert [r.path for r in body.letters][-1] == "undated.txt"
    assert [r.path for r in body.series()] == ["2019.txt", "2021.txt", "2023.txt"]
    assert body.missing_years() == ["2020-21", "2022-23"]
    assert body.latest_step() is None  # 2022-23 is missing: nothing to compare 2023-24 with
    assert [r.path for r in body.consecutive_run()] == ["2023.txt"]
    report = body_report(body)
    assert report.years == ["2019-20", "2021-22", "2023-24"]
    assert report.letters[-1].in_series is False
    assert report.missing_years == ["2020-21", "2022-23"]


def test_series_breaks_by_figure() -> None:
    # The Covid-19 pause: 2020-21 is unlike both neighbours, for every figure.
    assert series_break("compliance.rate_pct", "2019-20", "2020-21") is not None
    assert series_break("upheld.rate_pct", "2020-21", "2021-22") is not None
    # The 2022-23 change in case selection: upheld and remedy figures, not compliance.
    brk = series_break("upheld.rate_pct", "2021-22", "2022-23")
    assert brk is not None and "chose complaints" in brk.reason
    assert series_break("upheld.rate_pct", "2018-19", "2024-25") is not None
    assert series_break("compliance.rate_pct", "2021-22", "2022-23") is None
    assert series_break("upheld.rate_pct", "2022-23", "2023-24") is None
    assert series_break("upheld.rate_pct", "2018-19", "2019-20") is None


# --- the JSON report ----------------------------------------------------------------


def test_bodies_section_matches_the_letters(lgo_cli: Any, lgo_workdir: Path) -> None:
    folder = lgo_workdir / "letters"
    folder.mkdir()
    (folder / "a.txt").write_text(annual_review_letter(body="Quillmere DC"), "utf-8")
    (folder / "b.txt").write_text(
        annual_review_letter(upheld_rate=55, body="Fenwick Borough Council"), "utf-8"
    )
    (folder / "c.txt").write_text(
        annual_review_letter(upheld_rate=60, body="Quillmere District Council"), "utf-8"
    )
    document = json.loads(lgo_cli("--isolated", "--format", "json", "letters").out)
    bodies = {b["name"]: b for b in document["bodies"]}
    assert set(bodies) == {"Fenwick Borough Council", "Quillmere District Council"}
    quillmere = bodies["Quillmere District Council"]
    assert quillmere["names"] == ["Quillmere DC", "Quillmere District Council"]
    assert [x["path"] for x in quillmere["letters"]] == ["letters/a.txt", "letters/c.txt"]
    assert quillmere["letters"][0]["superseded_by"] == "letters/c.txt"
    files = {f["path"]: f for f in document["files"]}
    assert quillmere["series"]["upheld.rate_pct"] == [
        files["letters/c.txt"]["letter"]["statistics"]["upheld"]["rate_pct"]
    ]
    # Findings over a body's years are written after every file, per file.
    assert [late["path"] for late in document["body_findings"]] == ["letters/a.txt"]
    duplicate = document["body_findings"][0]["findings"]
    assert [f["rule"] for f in duplicate] == ["duplicate-letter"]
    assert "letters/c.txt" in duplicate[0]["message"]


def test_configured_alias_groups_letters_from_the_cli(lgo_cli: Any, lgo_workdir: Path) -> None:
    folder = lgo_workdir / "letters"
    folder.mkdir()
    (folder / "old.txt").write_text(annual_review_letter(body="Wendle District Council"), "utf-8")
    (folder / "new.txt").write_text(
        annual_review_letter(body="Wendle Vale District Council"), "utf-8"
    )
    document = json.loads(lgo_cli("--isolated", "--format", "json", "letters").out)
    assert len(document["bodies"]) == 2
    (lgo_workdir / "lgo-check.toml").write_text(
        '[bodies.aliases]\n"Wendle DC" = "Wendle Vale DC"\n', "utf-8"
    )
    document = json.loads(lgo_cli("--format", "json", "letters").out)
    [body] = document["bodies"]
    assert sorted(body["names"]) == ["Wendle District Council", "Wendle Vale District Council"]
    # Same review year: the two letters are now a duplicate of one body.
    assert [late["findings"][0]["rule"] for late in document["body_findings"]] == [
        "duplicate-letter"
    ]


def test_examples_bodies_series_equal_each_letters_figures(lgo_cli: Any) -> None:

    document = json.loads(lgo_cli("--isolated", "--format", "json", str(EXAMPLES)).out)
    letters = {f["path"]: f["letter"] for f in document["files"] if f["letter"]}
    checked = 0
    for body in document["bodies"]:
        in_series = [x for x in body["letters"] if x["in_series"]]
        assert [x["review_year"] for x in in_series] == body["years"]
        for index, entry in enumerate(in_series):
            letter = letters[entry["path"]]
            assert letter["organisation"] == entry["organisation"]
            for figure, values in body["series"].items():
                block, _, name = figure.partition(".")
                stated = (letter["statistics"][block] or {}).get(name)
                assert values[index] == stated, (entry["path"], figure)
                checked += 1
    assert checked > 100
    years = {b["name"]: b["years"] for b in document["bodies"]}
    assert years["Glenhallow County Council"] == ["2021-22", "2022-23", "2023-24"]


def test_pack_groups_renamed_bodies_with_the_configured_aliases(
    lgo_cli: Any, lgo_workdir: Path
) -> None:
    folder = lgo_workdir / "letters"
    folder.mkdir()
    (folder / "old.txt").write_text(annual_review_letter(body="Wendle District Council"), "utf-8")
    (folder / "new.txt").write_text(
        annual_review_letter(body="Wendle Vale District Council"), "utf-8"
    )
    before = lgo_cli("report", "--isolated", "letters", "--format", "md").out
    (lgo_workdir / "lgo-check.toml").write_text(
        '[bodies.aliases]\n"Wendle DC" = "Wendle Vale DC"\n', "utf-8"
    )
    after = lgo_cli("report", "letters", "--format", "md").out
    sections = [line for line in after.splitlines() if line.startswith("## ") and "letter" in line]
    assert len(sections) == 1, sections
    assert len([ln for ln in before.splitlines() if ln.startswith("## ") and "letter" in ln]) == 2
