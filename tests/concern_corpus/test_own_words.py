"""benchmarks/own_words.py finds runs of 8+ words shared with reference wording."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "own_words.py"


def own_words() -> ModuleType:
    spec = importlib.util.spec_from_file_location("own_words", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["own_words"] = module
    spec.loader.exec_module(module)
    return module


REFERENCE = (
    "Our fictional watchdog noted that the Borough replied late to nine of its twelve requests."
)


def runs(text: str) -> list[tuple[int, str]]:
    mod = own_words()
    grams = mod.index([("ref", REFERENCE)], 8)
    return [(r.line, " ".join(r.words)) for r in mod.shared_runs("x", text, grams, 8)]


def test_a_shared_run_is_reported_whole_with_its_line() -> None:
    text = (
        "Intro line.\nWe read that the BOROUGH replied late to nine of its twelve requests, sadly."
    )
    assert runs(text) == [(2, "that the borough replied late to nine of its twelve requests")]


def test_seven_shared_words_are_not_a_run() -> None:
    assert runs("a Borough replied late to nine of its eleven letters") == []


def test_markup_and_punctuation_do_not_hide_a_run() -> None:
    text = "<p>the <b>Borough</b> replied late,\nto nine -- of its twelve</p>"
    assert runs(text) == [(1, "the borough replied late to nine of its twelve")]


def test_template_wording_is_exempt_but_prose_boilerplate_is_not() -> None:
    mod = own_words()
    reference = (
        "Amerdeep Somal Local Government and Social Care Ombudsman Chair, Commission for Local"
        " Administration in England. Statistics are based on a total of 55 investigations for"
        " the period between 1 April 2023 to 31 March 2024. Every fictional borough must answer"
        " our letters within a week of receiving them."
    )
    grams = mod.index([("ref", reference)], 8)
    project = (
        "Jo Bloggs\nLocal Government and Social Care Ombudsman\n"
        "Chair, Commission for Local Administration in England\n"
        "Statistics are based on a total of 12 investigations for the period between"
        " 1 April 2022 to 31 March 2023\n"
        "Every fictional borough must answer our letters within a week of receiving them.\n"
    )
    found = [(r.line, " ".join(r.words)) for r in mod.shared_runs("x", project, grams, 8)]
    assert found == [
        (5, "every fictional borough must answer our letters within a week of receiving them")
    ]


def test_main_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mod = own_words()
    reference = tmp_path / "seed.txt"
    reference.write_text(REFERENCE, encoding="utf-8")
    copied, own = tmp_path / "copied.txt", tmp_path / "own.txt"
    copied.write_text("So the Borough replied late to nine of its twelve requests.", "utf-8")
    own.write_text("A sentence written for this test and nowhere else at all.", "utf-8")
    assert mod.main(["--reference", str(reference), str(own)]) == 0
    assert mod.main(["--reference", str(reference), str(copied), str(own)]) == 1
    out = capsys.readouterr().out
    assert "copied.txt:1: 10 words shared with seed.txt" in out
    assert "1 shared runs of 8+ words in 2 files" in out
