"""PDF and DOCX: the same letter as text, PDF and Word reads the same.

Each fixture letter in tests/letters/ is turned into a PDF (statistics page in
three columns, drawn across the columns so that naive extraction interleaves
them) and a DOCX (statistics in a table) by tests/documents.py, and all three go
through load -> normalise -> extract.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from documents import (
    damaged_docx,
    encrypted_pdf,
    image_only_pdf,
    letter_to_docx,
    letter_to_pdf,
    lists_and_columns_pdf,
    long_pdf,
    split_letter,
    truncated_pdf,
    zip_not_docx,
)

from lgo_check.builtin_rules import lgo_check_loaders
from lgo_check.config import Config
from lgo_check.engine import build_registry, check_letter, select_rules
from lgo_check.extract import extract_letters
from lgo_check.extract.layout import metadata_wording
from lgo_check.load import Limits, LoadError, Target, read_source
from lgo_check.load.docx import DocxLoader
from lgo_check.load.pdf import PdfLoader
from lgo_check.load.text import decode
from lgo_check.model import Letter, Source, Span

LETTERS = Path(__file__).resolve().parent / "letters"
TEXT_LETTERS = sorted(LETTERS.glob("*.txt"))
LOADERS = lgo_check_loaders()


def _source(path: Path, limits: Limits | None = None) -> Source:
    return read_source(Target(path, path.name), LOADERS, limits or Limits())


def _letter(source: Source) -> Letter:
    from lgo_check.normalise import normalise

    norm = normalise(source, metadata_wording().artefacts)
    return extract_letters([norm])[0]


_WHERE = {"spans", "problems"}


def _values(letter: Letter) -> dict[str, Any]:
    """What the letter says, without where it says it: metadata, figures, concerns
    (kind, sentence, share, qualifier) and findings."""

    def strip(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if k not in _WHERE}
        return obj

    values = dict(strip(letter.model_dump(mode="json", exclude={"concerns"})))
    values["concerns"] = sorted((c.kind, c.text, c.share_pct, c.qualifier) for c in letter.concerns)
    findings, errors = check_letter(letter, _RULES, None, "letter")
    assert not errors
    values["findings"] = sorted((f.rule, f.severity.value) for f in findings)
    return values


_CONFIG = Config()
_RULES = select_rules(build_registry(_CONFIG), _CONFIG)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, Path]]:
    """Each letter as (text, PDF, DOCX); every other PDF has its statistics on a grid."""
    folder = tmp_path_factory.mktemp("formats")
    out = {}
    for number, path in enumerate(TEXT_LETTERS):
        text = decode(path.read_bytes())
        pdf = letter_to_pdf(text, folder / f"{path.stem}.pdf", aligned=number % 2 == 1)
        docx = letter_to_docx(text, folder / f"{path.stem}.docx")
        out[path.name] = (path, pdf, docx)
    return out


def test_there_are_letters_to_convert() -> None:
    assert len(TEXT_LETTERS) >= 3


@pytest.mark.parametrize("name", [p.name for p in TEXT_LETTERS])
def test_pdf_reads_like_text(name: str, converted: dict[str, tuple[Path, Path, Path]]) -> None:
    text_path, pdf_path, _ = converted[name]
    source = _source(pdf_path)
    assert source.format == "pdf"
    assert source.paged
    assert _values(_letter(source)) == _values(_letter(_source(text_path)))


@pytest.mark.parametrize("name", [p.name for p in TEXT_LETTERS])
def test_docx_reads_like_text(name: str, converted: dict[str, tuple[Path, Path, Path]]) -> None:
    text_path, _, docx_path = converted[name]
    source = _source(docx_path)
    assert source.format == "docx"
    assert not source.paged
    assert _values(_letter(source)) == _values(_letter(_source(text_path)))


def _spans(letter: Letter) -> list[tuple[str, Any, Span]]:
    found = []
    for name in ("upheld", "compliance", "remedy"):
        block = getattr(letter.statistics, name)
        for field, span in block.spans.items():
            value = getattr(block, field, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                found.append((f"{name}.{field}", value, span))
    return found


def _at(text: str, span: Span) -> str:
    pages = text.split("\f")
    assert span.page is not None
    lines = pages[span.page - 1].split("\n")
    assert span.line == span.end_line
    return lines[span.line - 1][span.column - 1 : span.end_column - 1]


@pytest.mark.parametrize("name", ["borsetshire-cc-2023-24.txt", "thrushcombe-bc-2023-24.txt"])
def test_pdf_figure_spans_point_at_the_figure(
    name: str, converted: dict[str, tuple[Path, Path, Path]]
) -> None:
    source = _source(converted[name][1])
    letter = _letter(source)
    spans = _spans(letter)
    assert len(spans) >= 8
    for field, value, span in spans:
        assert span.page is not None, field
        assert _at(source.text, span).replace(",", "") == f"{value:g}", field
    # The statistics are on the last page, in the columns' own lines.
    upheld = letter.statistics.upheld.spans["rate_pct"]
    assert upheld.page == source.text.count("\f") + 1


def _page_lines(source: Source) -> list[list[str]]:
    return [page.split("\n") for page in source.text.split("\f")]


@pytest.mark.parametrize(
    "name",
    [
        "borsetshire-cc-2023-24.txt",  # columns flowing on their own
        "corriston-cc-2023-24.txt",  # columns on a grid
    ],
)
def test_statistics_columns_are_read_one_after_another(
    name: str, converted: dict[str, tuple[Path, Path, Path]]
) -> None:
    text_path, pdf_path, _ = converted[name]
    last = _page_lines(_source(pdf_path))[-1]
    # Reading down each column: every block's lines in the letter's own order.
    _, blocks = split_letter(decode(text_path.read_bytes()))
    expected = " ".join(
        " ".join([heading, *(" ".join(p) for p in paragraphs)]) for heading, paragraphs in blocks
    )
    got = " ".join(line for line in last if "OMBUDSMAN" not in line)
    assert got.split() == expected.split()
    # The big figures are lines of their own, each followed by its own sentence.
    rate = next(line for line in last if re.fullmatch(r"\d+%", line))
    assert last[last.index(rate) + 1] == "of complaints we investigated"
    counts = [i for i, line in enumerate(last) if re.fullmatch(r"\d{1,3}", line)]
    assert [last[i + 1].rstrip("s") for i in counts[:2]] == [
        "upheld decision",
        "satisfactory remedy decision",
    ]
    assert "In 100%" in last


def test_body_pages_are_single_column_in_order(
    converted: dict[str, tuple[Path, Path, Path]],
) -> None:
    text_path, pdf_path, _ = converted["fenmarsh-dc-2023-24.txt"]
    body, _ = split_letter(decode(text_path.read_bytes()))
    pages = _page_lines(_source(pdf_path))[:-1]
    got = [line for page in pages for line in page if "OMBUDSMAN" not in line]
    assert " ".join(got).split() == " ".join(body).split()


def test_list_markers_stay_on_their_items_and_columns_end_at_full_width_text(
    tmp_path: Path,
) -> None:
    lines = _source(lists_and_columns_pdf(tmp_path / "lists.pdf")).text.split("\n")
    assert lines[1].startswith("- The Council delayed")
    assert lines[3] == "- It did not keep the complainant informed."
    assert lines[4].startswith("1. We asked the Council")
    assert lines[6] == "2. It agreed to do so."
    left = [i for i, line in enumerate(lines) if "Left sentence" in line]
    right = [i for i, line in enumerate(lines) if "Right sentence" in line]
    closing = next(i for i, line in enumerate(lines) if line.startswith("A closing paragraph"))
    assert left == list(range(left[0], left[-1] + 1))
    assert right == list(range(right[0], right[-1] + 1))
    assert left[-1] < right[0] < right[-1] < closing


def test_page_numbers_are_dropped_but_lone_figures_kept(
    converted: dict[str, tuple[Path, Path, Path]],
) -> None:
    source = _source(converted["borsetshire-cc-2023-24.txt"][1])
    pages = _page_lines(source)
    assert len(pages) == 3
    for number, lines in enumerate(pages, start=1):
        assert str(number) not in (lines[0], lines[-1])
    # Lone numbers in the text stay: a count, and the year a date wrapped onto.
    assert "36" in pages[-1]
    assert pages[-1][-1] == "2024"


def test_a_pdf_named_txt_is_still_read_as_pdf(
    tmp_path: Path, converted: dict[str, tuple[Path, Path, Path]]
) -> None:
    disguised = tmp_path / "letter.txt"
    disguised.write_bytes(converted["fenmarsh-dc-2023-24.txt"][1].read_bytes())
    assert _source(disguised).format == "pdf"


# Files that cannot be read say why.


def _refused(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(LoadError) as caught:
        _source(path, limits)
    return str(caught.value)


def test_encrypted_pdf(tmp_path: Path) -> None:
    reason = _refused(encrypted_pdf(tmp_path / "locked.pdf"))
    assert "encrypted" in reason
    assert "password" in reason


def test_pdf_protected_only_from_editing_is_read(tmp_path: Path) -> None:
    source = _source(encrypted_pdf(tmp_path / "no-edit.pdf", password=None))
    assert source.text == "Annual Review letter 2023-24"


def test_truncated_pdf(tmp_path: Path, converted: dict[str, tuple[Path, Path, Path]]) -> None:
    whole = converted["borsetshire-cc-2023-24.txt"][1]
    for keep in (0.3, 0.6, 0.95):
        reason = _refused(truncated_pdf(whole, tmp_path / f"cut-{keep}.pdf", keep))
        assert "truncated or damaged" in reason


def test_garbage_after_the_pdf_signature(tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    assert "damaged" in _refused(path)


def test_pdf_without_a_text_layer(tmp_path: Path) -> None:
    reason = _refused(image_only_pdf(tmp_path / "scan.pdf"))
    assert reason == "PDF has no text layer (a scanned image?); run OCR on it first"


def test_pdf_with_too_many_pages(tmp_path: Path) -> None:
    path = long_pdf(tmp_path / "long.pdf", 12)
    reason = _refused(path, Limits(max_pages=10))
    assert "12 pages" in reason
    assert "limit of 10" in reason
    assert _source(path, Limits(max_pages=12)).text.count("\f") == 11


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    reason = _refused(zip_not_docx(tmp_path / "letter.docx"))
    assert reason.startswith("not a Word document")


def test_zip_is_not_claimed_by_extension_alone(tmp_path: Path) -> None:
    assert "not a Word document" in _refused(zip_not_docx(tmp_path / "archive.zip"))


def test_damaged_word_document(
    tmp_path: Path, converted: dict[str, tuple[Path, Path, Path]]
) -> None:
    path = damaged_docx(converted["fenmarsh-dc-2023-24.txt"][2], tmp_path / "broken.docx")
    assert "damaged" in _refused(path)


def test_truncated_word_document(
    tmp_path: Path, converted: dict[str, tuple[Path, Path, Path]]
) -> None:
    path = tmp_path / "cut.docx"
    path.write_bytes(converted["fenmarsh-dc-2023-24.txt"][2].read_bytes()[:3000])
    assert "damaged" in _refused(path)


def test_loaders_are_registered() -> None:
    formats = {loader.format for loader in LOADERS}
    assert {"pdf", "docx"} <= formats
    assert PdfLoader().sniff(b"%PDF-1.4\n")
    assert not PdfLoader().sniff(b"PK\x03\x04")
    assert DocxLoader().sniff(b"PK\x03\x04rest")
    assert not DocxLoader().sniff(b"%PDF-1.4")


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("Before the table")
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.paragraphs[0].text = "Across two columns"
    table.cell(0, 2).paragraphs[0].text = "Top right"
    table.cell(1, 0).paragraphs[0].text = "72%"
    table.cell(1, 0).add_paragraph("of complaints we investigated were upheld.")
    inner = table.cell(1, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).paragraphs[0].text = "Nested"
    table.cell(1, 2).paragraphs[0].text = "Bottom right"
    document.add_paragraph("After the table\nwith a line break")
    path = tmp_path / "tables.docx"
    document.save(str(path))
    assert _source(path).text.split("\n") == [
        "Before the table",
        "Across two columns",
        "Top right",
        "72%",
        "of complaints we investigated were upheld.",
        "",  # the cell's own first paragraph, empty
        "Nested",
        "",  # Word keeps a paragraph after a table in a cell
        "Bottom right",
        "After the table",
        "with a line break",
    ]
