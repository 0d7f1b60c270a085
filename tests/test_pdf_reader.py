"""The PDF reader's helper process: started early, never shared across a fork, and its
answers (text, a reason, a bug) passed on exactly."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from documents import RawPdf, letter_to_pdf, outside_bmp_pdf, text_ops

from lgo_check.load import Limits, LoadError, Target, pdfworker
from lgo_check.load.pdf import PdfLoader, read_pdf

LETTER = Path(__file__).resolve().parent / "letters" / "borsetshire-cc-2023-24.txt"


def _helper_pid() -> int | None:
    helper = pdfworker._helper
    return None if helper is None or not helper.alive() else helper.process.pid


@pytest.fixture
def no_helper() -> None:
    pdfworker._stop_helper()


def test_prepare_starts_the_helper_only_when_pdfs_are_coming(
    tmp_path: Path, no_helper: None
) -> None:
    loader = PdfLoader()
    loader.prepare([Target(tmp_path / "a.txt", "a.txt"), Target(tmp_path / "b.md", "b.md")])
    assert _helper_pid() is None
    loader.prepare([Target(tmp_path / "a.txt", "a.txt"), Target(tmp_path / "c.PDF", "c.PDF")])
    started = _helper_pid()
    assert started is not None
    # The first PDF is read by the helper started early, not by a new one.
    pdf = letter_to_pdf(LETTER.read_text(encoding="utf-8"), tmp_path / "c.pdf")
    source = loader.load(pdf, pdf.read_bytes(), "c.pdf", Limits().started())
    assert "Annual Review" in source.text
    assert _helper_pid() == started


def test_reading_in_the_helper_gives_the_same_text_as_in_process(tmp_path: Path) -> None:
    for pdf in (
        letter_to_pdf(LETTER.read_text(encoding="utf-8"), tmp_path / "letter.pdf"),
        outside_bmp_pdf(tmp_path / "outside.pdf"),
    ):
        data = pdf.read_bytes()
        assert pdfworker.read_isolated(data, Limits().started()) == read_pdf(data, Limits())


def test_a_reason_from_the_helper_is_the_files_finding(tmp_path: Path) -> None:
    pdf = RawPdf()
    pdf.page(text_ops(["Annual Review letter 2023-24"]))
    pdf.page(text_ops(["word " * 80] * 30, size=4, top=830, left=2))
    data = pdf.write(tmp_path / "dense.pdf").read_bytes()
    with pytest.raises(LoadError, match=r"PDF page 2 has [\d,]+ characters"):
        pdfworker.read_isolated(data, Limits(max_chars_per_page=5_000).started())


def _child_reads(path: str, queue: multiprocessing.Queue[tuple[int | None, str]]) -> None:
    data = Path(path).read_bytes()
    pages = pdfworker.read_isolated(data, Limits().started()).pages
    queue.put((_helper_pid(), pages[0][:40]))


def test_a_forked_process_starts_its_own_helper(tmp_path: Path, no_helper: None) -> None:
    pdf = letter_to_pdf(LETTER.read_text(encoding="utf-8"), tmp_path / "letter.pdf")
    pdfworker.start_early()
    parent_helper = _helper_pid()
    assert parent_helper is not None
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[tuple[int | None, str]] = context.Queue()
    child = context.Process(target=_child_reads, args=(str(pdf), queue))
    child.start()
    child_helper, text = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert child_helper is not None and child_helper != parent_helper
    assert text.strip()
    # The parent's helper is untouched by the child, and still answers.
    assert _helper_pid() == parent_helper
    assert pdfworker.read_isolated(pdf.read_bytes(), Limits().started())


def test_a_helper_interrupted_mid_answer_is_not_asked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped while the answer is on its way, the helper must not hand that answer to
    the next PDF."""
    first = RawPdf()
    first.page(text_ops(["First letter, about Ashwick Vale"]))
    second = RawPdf()
    second.page(text_ops(["Second letter, about Brindlecombe"]))
    first_data = first.write(tmp_path / "first.pdf").read_bytes()
    second_data = second.write(tmp_path / "second.pdf").read_bytes()
    real_read = pdfworker._Helper._read

    def interrupted(self: pdfworker._Helper, size: int, limits: Limits) -> bytes:
        monkeypatch.setattr(pdfworker._Helper, "_read", real_read)
        raise KeyboardInterrupt

    monkeypatch.setattr(pdfworker._Helper, "_read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pdfworker.read_isolated(first_data, Limits().started())
    [page] = pdfworker.read_isolated(second_data, Limits().started()).pages
    assert "Brindlecombe" in page
