"""The time limit per file is enforced while a PDF is read, page by page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from documents import letter_to_pdf

from lgo_check.builtin_rules import lgo_check_loaders
from lgo_check.cli import main
from lgo_check.load import Limits, LoadError, Target, read_source

LETTER = Path(__file__).resolve().parent / "letters" / "borsetshire-cc-2023-24.txt"


def test_pdf_over_the_time_limit_is_stopped_between_pages(tmp_path: Path) -> None:
    pdf = letter_to_pdf(LETTER.read_text(encoding="utf-8"), tmp_path / "slow.pdf")
    with pytest.raises(LoadError, match=r"longer than the limit of 0 s \(at page 1 of \d+\)"):
        read_source(Target(pdf, "slow.pdf"), lgo_check_loaders(), Limits(max_seconds=0.0))
    # With time to spare, the same file reads.
    source = read_source(Target(pdf, "slow.pdf"), lgo_check_loaders(), Limits())
    assert source.paged


def test_time_limit_from_configuration_reaches_the_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    letter_to_pdf(LETTER.read_text(encoding="utf-8"), tmp_path / "slow.pdf")
    (tmp_path / "lgo-check.toml").write_text("timeout-seconds = 0.000001\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--format", "json", "slow.pdf"]) == 1
    [file] = json.loads(capsys.readouterr().out)["files"]
    assert file["checked"] is False
    assert "longer than the limit" in file["error"]
    assert [f["rule"] for f in file["findings"]] == ["unreadable-input"]
