"""Limits on reading: time (during the work, not after), memory, pages, page size, characters."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from documents import RawPdf, amplifying_pdf, letter_to_pdf, outside_bmp_pdf, text_ops

from lgo_check.builtin_rules import lgo_check_loaders
from lgo_check.cli import main
from lgo_check.load import Limits, LoadError, Target, read_source
from lgo_check.load.pdf import read_pdf_pages

LETTER = Path(__file__).resolve().parent / "letters" / "borsetshire-cc-2023-24.txt"


def test_pdf_over_the_time_limit_is_stopped_between_pages(tmp_path: Path) -> None:
    pdf = letter_to_pdf(LETTER.read_text(encoding="utf-8"), tmp_path / "slow.pdf")
    with pytest.raises(LoadError, match=r"longer than the limit of 0 s \(at page 1 of \d+\)"):
        read_pdf_pages(pdf.read_bytes(), Limits(max_seconds=0.0).started())
    with pytest.raises(LoadError, match=r"longer than the limit of 0 s"):
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


# --- PDF work bounded in memory and time, while PDFium works ------------------------------


def _read(path: Path, limits: Limits) -> str:
    return read_source(Target(path, path.name), lgo_check_loaders(), limits).text


def test_amplifying_pdf_is_stopped_at_the_memory_limit(tmp_path: Path) -> None:
    """Forms that each draw the next twice would need 2**40 objects: the reader is stopped."""
    pdf = amplifying_pdf(tmp_path / "amplify.pdf")
    assert pdf.stat().st_size < 12_000
    started = time.monotonic()
    with pytest.raises(LoadError, match="more than 300 MB of memory"):
        _read(pdf, Limits(max_memory_bytes=300_000_000, max_seconds=60))
    assert time.monotonic() - started < 30
    # The next PDF is read by a fresh helper.
    letter = letter_to_pdf(LETTER.read_text(encoding="utf-8"), tmp_path / "letter.pdf")
    assert "Annual Review" in _read(letter, Limits())


def test_time_limit_stops_pdfium_inside_a_page(tmp_path: Path) -> None:
    """One page that would take minutes is stopped at the limit, not after it."""
    pdf = amplifying_pdf(tmp_path / "slow.pdf")
    started = time.monotonic()
    with pytest.raises(LoadError, match=r"longer than the limit of 1 s"):
        _read(pdf, Limits(max_seconds=1, max_memory_bytes=3_000_000_000))
    assert time.monotonic() - started < 15


def test_amplifying_pdf_in_a_folder_costs_no_other_file_its_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    amplifying_pdf(tmp_path / "a-amplify.pdf")
    letter_to_pdf(LETTER.read_text(encoding="utf-8"), tmp_path / "b-letter.pdf")
    (tmp_path / "lgo-check.toml").write_text("timeout-seconds = 2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--format", "json", "."]) == 1
    files = {f["path"]: f for f in json.loads(capsys.readouterr().out)["files"]}
    assert files["a-amplify.pdf"]["checked"] is False
    assert "limit" in files["a-amplify.pdf"]["error"]
    assert files["b-letter.pdf"]["checked"] is True
    assert files["b-letter.pdf"]["letter"]["is_annual_review"] is True


def test_form_that_draws_itself_ends(tmp_path: Path) -> None:
    pdf = RawPdf()
    # The form's resources name itself as /X0: a loop PDFium must not follow for ever.
    ref = pdf.form(b"")
    pdf.objects[ref - 1] = pdf.objects[ref - 1].replace(
        b"/Resources << /Font", b"/Resources << /XObject << /X0 %d 0 R >> /Font" % ref, 1
    )
    pdf.objects[ref - 1] = _restream(pdf.objects[ref - 1], text_ops(["again"]) + b"\n/X0 Do")
    pdf.page(text_ops(["Annual Review letter 2023-24"]) + b"\n/X0 Do", forms=[ref])
    path = pdf.write(tmp_path / "loop.pdf")
    text = _read(path, Limits(max_seconds=20))
    assert "Annual Review letter 2023-24" in text


def _restream(body: bytes, content: bytes) -> bytes:
    head = body[: body.index(b"/Length")]
    return head + b"/Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def test_page_larger_than_a_pdf_page_may_be_is_refused(tmp_path: Path) -> None:
    pdf = RawPdf()
    pdf.page(text_ops(["Annual Review letter 2023-24"]), size=(10_000_000, 10_000_000))
    path = pdf.write(tmp_path / "huge-page.pdf")
    with pytest.raises(
        LoadError, match=r"page 1 is 10,000,000 x 10,000,000 points, over the limit"
    ):
        _read(path, Limits())


def test_characters_per_page_are_bounded(tmp_path: Path) -> None:
    pdf = RawPdf()
    pdf.page(text_ops(["Annual Review letter 2023-24"]))
    pdf.page(text_ops(["word " * 80] * 30, size=4, top=830, left=2))
    path = pdf.write(tmp_path / "dense.pdf")
    with pytest.raises(
        LoadError, match=r"PDF page 2 has [\d,]+ characters, over the limit of 5,000"
    ):
        _read(path, Limits(max_chars_per_page=5_000))
    assert "Annual Review" in _read(path, Limits())


# --- text outside the Basic Multilingual Plane -----------------------------------------


def test_pdf_text_outside_the_bmp_is_joined_and_lone_halves_dropped(tmp_path: Path) -> None:
    path = outside_bmp_pdf(tmp_path / "outside.pdf")
    text = _read(path, Limits())
    assert "Grade \U0001d400 and a smile \U0001f600 and a half here." in text
    assert not any("\ud800" <= ch <= "\udfff" for ch in text)


@pytest.mark.parametrize("output", ["json", "sarif", "text", "github"])
def test_pdf_text_outside_the_bmp_in_every_output_format(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    output: str,
) -> None:
    outside_bmp_pdf(tmp_path / "outside.pdf")
    monkeypatch.chdir(tmp_path)
    code = main(["--format", output, "--fail-on", "never", "outside.pdf"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    if output in ("json", "sarif"):
        json.loads(captured.out)
    captured.out.encode("utf-8")  # no lone surrogate reached the output


def test_pdf_memory_limit_from_configuration_reaches_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    amplifying_pdf(tmp_path / "amplify.pdf")
    (tmp_path / "lgo-check.toml").write_text(
        "max-pdf-memory-mb = 250\ntimeout-seconds = 60\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["--format", "json", "--jobs", "1", "amplify.pdf"]) == 1
    [file] = json.loads(capsys.readouterr().out)["files"]
    assert "more than 250 MB of memory" in file["error"]
    assert "max-pdf-memory-mb" in file["error"]
