"""Reports written file by file: the same bytes as the whole report, JSON Lines, the
output file kept apart from the inputs, and one file's rendering failure isolated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import annual_review_letter

from lgo_check.config import Config
from lgo_check.model import FileReport
from lgo_check.plugins import build_registry
from lgo_check.report import json_report, render
from lgo_check.report.json_report import JsonReporter
from lgo_check.runner import run

PATHS = ("examples", "tests/letters", "tests/letters/no-such-letter.txt")


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "github", "gitlab", "junit"])
def test_streamed_report_is_the_whole_report(lgo_cli: Any, lgo_in_repo: Path, fmt: str) -> None:
    """What the CLI streams equals rendering the run held in memory, byte for byte."""
    config = Config()
    whole = run([Path(p) for p in PATHS], config, build_registry(config))
    streamed = lgo_cli("--isolated", "--format", fmt, *PATHS)
    assert streamed.code == 1
    assert streamed.out == render(whole.report, fmt, whole.rules, whole.errors)
    if fmt == "json":
        # And equals one json.dumps of the whole model, the format's definition.
        assert streamed.out == json_report.render(whole.report)
        assert len(streamed.json()["files"]) == whole.report.summary.files > 10


def test_json_lines(lgo_cli: Any, lgo_in_repo: Path) -> None:
    lines = lgo_cli("--isolated", "--format", "jsonl", *PATHS).out.splitlines()
    records = [json.loads(line) for line in lines]
    assert records[0]["type"] == "tool" and records[0]["name"] == "lgo-check"
    assert records[-1]["type"] == "summary"
    files = [r for r in records if r["type"] == "file"]
    whole = lgo_cli("--isolated", "--format", "json", *PATHS).json()
    assert [{k: v for k, v in r.items() if k != "type"} for r in files] == whole["files"]
    summary = {k: v for k, v in records[-1].items() if k not in ("type", "errors")}
    assert summary == whole["summary"]
    assert records[-1]["errors"] == []


def _letter(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(annual_review_letter(compliance_rate=90), encoding="utf-8")
    return path


def test_output_never_overwrites_a_letter_named_as_input(lgo_cli: Any, lgo_workdir: Path) -> None:
    letter = _letter(lgo_workdir, "quillmere.txt")
    before = letter.read_bytes()
    result = lgo_cli("--isolated", "-o", "quillmere.txt", "quillmere.txt")
    assert result.code == 2
    assert "refusing to write the report to quillmere.txt" in result.err
    assert letter.read_bytes() == before


def test_output_never_overwrites_a_letter_in_a_checked_folder(
    lgo_cli: Any, lgo_workdir: Path
) -> None:
    folder = lgo_workdir / "letters"
    folder.mkdir()
    _letter(folder, "a.txt")
    letter = _letter(folder, "b.txt")
    before = letter.read_bytes()
    result = lgo_cli("--isolated", "-o", "letters/b.txt", "letters")
    assert result.code == 2 and "one of the files being checked" in result.err
    assert letter.read_bytes() == before


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif", "github"])
def test_report_in_the_checked_folder_is_never_read_as_a_letter(
    lgo_cli: Any, lgo_workdir: Path, fmt: str
) -> None:
    folder = lgo_workdir / "letters"
    folder.mkdir()
    _letter(folder, "a.txt")
    _letter(folder, "b.txt")
    for _ in range(2):  # the second run finds the first run's report in the folder
        result = lgo_cli("--isolated", "--format", fmt, "-o", "letters/report.txt", "letters")
        assert result.code == 1, result
        report = (folder / "report.txt").read_text(encoding="utf-8")
        assert "report.txt" not in report
    if fmt == "text":
        assert report.endswith("in 2 of 2 files.\n")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_whose_report_cannot_be_written_costs_only_itself(
    lgo_cli: Any, lgo_workdir: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """Whether the report's text is made in this process or in a worker."""
    for name in ("a.txt", "b.txt", "c.txt"):
        _letter(lgo_workdir, name)
    original = JsonReporter.prepare

    def fails_on_b(self: JsonReporter, report: FileReport) -> str:
        if report.path == "b.txt" and report.checked:
            raise ValueError("Out of range float values are not JSON compliant")
        return original(self, report)

    monkeypatch.setattr(JsonReporter, "prepare", fails_on_b)
    result = lgo_cli("--isolated", "--format", "json", "-j", jobs, ".")
    assert result.code == 2
    assert "b.txt: rendering failed: ValueError: Out of range float" in result.err
    files = {f["path"]: f for f in result.json()["files"]}
    assert list(files) == ["a.txt", "b.txt", "c.txt"]
    assert files["a.txt"]["checked"] and files["c.txt"]["checked"]
    assert [f["rule"] for f in files["b.txt"]["findings"]] == ["check-failed"]
    assert "rendering failed" in files["b.txt"]["error"]


def test_the_json_report_is_strict() -> None:
    with pytest.raises(ValueError):
        json_report.dumps({"rate_pct": float("nan")})
    with pytest.raises(ValueError):
        json_report.dumps({"rate_pct": float("inf")})
