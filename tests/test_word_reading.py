"""The Word loader reads every piece of text a reader of the letter sees, and only that.

Each case writes a letter for a fictional body as a Word document, with the
compliance sentence (80%, so `compliance-below-100` fires) inside one of the
containers Word writes: tracked insertions and moves, content controls at block, row,
cell and run level, smart tags, custom XML, simple and complex fields, hyperlinks and
text boxes. Text Word does not show (tracked deletions, a field's instruction, hidden
runs inside those containers) carries another figure, which must never be read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult, annual_review_letter
from word_documents import (
    cell,
    control,
    custom_xml,
    deleted,
    field,
    field_begin,
    field_end,
    field_instruction,
    field_separate,
    hyperlink,
    inserted,
    moved_from,
    moved_to,
    paragraph,
    paragraphs_of,
    row,
    run,
    simple_field,
    smart_tag,
    table,
    text_box,
    word_document,
)

from lgo_check.extract import extract_letter
from lgo_check.extract.layout import metadata_wording
from lgo_check.load import Limits, LoadError
from lgo_check.load.docx import DocxLoader
from lgo_check.model import Letter, Source
from lgo_check.normalise import normalise

SENTENCE = "In 80% of cases we were satisfied the organisation had successfully implemented our recommendations."
DECOY = "In 100% of cases we were satisfied the organisation had successfully implemented our recommendations."
LETTER = annual_review_letter(compliance_rate=80)


def _letter_with(compliance: list[str]) -> list[str]:
    """The letter's paragraphs with the compliance sentence's paragraph replaced."""
    body = paragraphs_of(LETTER)
    [at] = [n for n, p in enumerate(body) if "In 80% of cases" in p]
    return body[:at] + compliance + body[at + 1 :]


def _rest(sentence: str) -> str:
    return sentence.removeprefix("In 80")


#: The compliance sentence inside each container, as Word writes it.
CONTAINERS: dict[str, list[str]] = {
    "tracked insertion": [paragraph(inserted(run(SENTENCE)))],
    "insertion replacing a deletion": [paragraph(deleted(DECOY), inserted(run(SENTENCE)))],
    "deleted figure, inserted figure": [
        paragraph(run("In "), deleted("100"), inserted(run("80")), run(_rest(SENTENCE)))
    ],
    "move": [paragraph(moved_from(DECOY)), paragraph(moved_to(run(SENTENCE)))],
    "content control around the paragraph": [control(paragraph(SENTENCE))],
    "content control around the figure": [
        paragraph(run("In "), control(run("80")), run(_rest(SENTENCE)))
    ],
    "nested content controls": [control(control(paragraph(control(run(SENTENCE)))))],
    "smart tag": [paragraph(run("In "), smart_tag(run("80%")), run(_rest(SENTENCE)[1:]))],
    "custom XML around the paragraph": [custom_xml(paragraph(SENTENCE))],
    "custom XML in the paragraph": [paragraph(custom_xml(run(SENTENCE)))],
    "hyperlink": [paragraph(hyperlink(run(SENTENCE)))],
    "simple field": [
        paragraph(run("In "), simple_field("= 4040 + 21", run("80")), run(_rest(SENTENCE)))
    ],
    "complex field": [
        paragraph(
            run("In "), field("DOCPROPERTY Rate6161 \\* MERGEFORMAT", "80"), run(_rest(SENTENCE))
        )
    ],
    "nested fields": [
        paragraph(
            run("In "),
            field_begin(),
            field_instruction("IF 1 = 1 "),
            field("= 6161", "80"),  # a field inside the outer field's instruction
            field_separate(),
            run("80"),
            field_end(),
            run(_rest(SENTENCE)),
        )
    ],
    "field instruction over two paragraphs": [
        paragraph(field_begin(), field_instruction("QUOTE 6161")),
        paragraph(field_instruction("6262"), field_separate(), run(SENTENCE), field_end()),
    ],
    "text box": [paragraph(text_box(paragraph(SENTENCE)))],
    "text box without a fallback": [paragraph(text_box(paragraph(SENTENCE), fallback=False))],
    "text box in a content control in a hyperlink": [
        paragraph(hyperlink(control(text_box(paragraph(smart_tag(run(SENTENCE)))))))
    ],
    "table row in a content control": [
        table(control(row(cell(SENTENCE))), columns=1),
    ],
    "table cell in a content control": [
        table(row(control(cell(SENTENCE))), columns=1),
    ],
}


def _load(path: Path) -> Source:
    return DocxLoader().load(path, path.read_bytes(), path.name, Limits().started())


def _extract(source: Source) -> Letter:
    return extract_letter(normalise(source, metadata_wording().artefacts))


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_text_in_containers_is_read(
    name: str, tmp_path: Path, lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    path = word_document(tmp_path / "quillmere.docx", _letter_with(CONTAINERS[name]))
    result = lgo_cli("--format", "json", str(path))
    [report] = result.json()["files"]
    compliance = report["letter"]["statistics"]["compliance"]
    assert compliance["rate_pct"] == 80
    assert "compliance-below-100" in {f["rule"] for f in report["findings"]}
    assert result.code == 1
    source = _load(path)
    # Once (a text box is written twice, as a drawing and as a VML picture), and
    # nothing of what Word does not show: deletions, instructions.
    assert source.text.count("80% of cases") == 1
    for unseen in (DECOY, "6161", "6262", "DOCPROPERTY", "QUOTE", "4040"):
        assert unseen not in source.text
    # The figure's span is where the figure is in the loader's text.
    span = compliance["spans"]["rate_pct"]
    line = source.text.split("\n")[span["line"] - 1]
    assert line[span["column"] - 1 : span["end_column"] - 1] == "80"


def test_deleted_paragraph_table_row_and_cell_are_not_read(tmp_path: Path) -> None:
    """A paragraph deleted whole (its text and its mark) leaves no line; a deleted row
    or cell no cell."""
    body = _letter_with(
        [
            paragraph(deleted(DECOY), deleted_mark=True),
            paragraph(SENTENCE),
            table(
                row("Compliance with recommendations", "100%", deleted=True),
                row(cell("Outcomes"), cell("3131", deleted=True), cell("4")),
                columns=2,
            ),
        ]
    )
    source = _load(word_document(tmp_path / "deleted.docx", body))
    assert DECOY not in source.text and "100%\n" not in source.text and "3131" not in source.text
    lines = source.text.split("\n")
    assert lines.count(SENTENCE) == 1
    assert lines[lines.index(SENTENCE) - 1] != ""  # no empty line where the deletion was
    assert _extract(source).statistics.compliance.rate_pct == 80


def test_field_without_a_result_shows_nothing(tmp_path: Path) -> None:
    """A field whose result was never computed shows nothing: its instruction's number
    is not the figure, which is left empty and named."""
    body = _letter_with(
        [
            paragraph(
                run("In "), field_begin(), field_instruction("= 80"), field_end(), run("% of cases")
            )
        ]
    )
    source = _load(word_document(tmp_path / "field.docx", body))
    assert "80" not in source.text.split("Compliance with Ombudsman")[1].split("This compares")[0]
    assert _extract(source).statistics.compliance.rate_pct is None


HIDDEN_IN: dict[str, list[str]] = {
    "tracked insertion": [paragraph(inserted(run(DECOY, hidden=True))), paragraph(SENTENCE)],
    "content control": [control(paragraph(run(DECOY, hidden=True))), paragraph(SENTENCE)],
    "field result": [
        paragraph(run("In "), field("= 1", "80"), run(_rest(SENTENCE))),
        paragraph(
            field_begin(),
            field_instruction("QUOTE"),
            field_separate(),
            run(DECOY, hidden=True),
            field_end(),
        ),
    ],
    "text box": [paragraph(SENTENCE, text_box(paragraph(run(DECOY, hidden=True))))],
    "text box anchored in a hidden run": [
        paragraph(
            SENTENCE,
            text_box(paragraph(DECOY)).replace("<w:r>", "<w:r><w:rPr><w:vanish/></w:rPr>", 1),
        )
    ],
    "smart tag in a hyperlink": [
        paragraph(SENTENCE, hyperlink(smart_tag(run(" " + DECOY, hidden=True))))
    ],
}


@pytest.mark.parametrize("name", sorted(HIDDEN_IN))
def test_hidden_text_inside_containers_is_left_out_and_reported(
    name: str, tmp_path: Path, lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    path = word_document(tmp_path / "quillmere.docx", _letter_with(HIDDEN_IN[name]))
    result = lgo_cli("--format", "json", str(path))
    [report] = result.json()["files"]
    assert report["letter"]["statistics"]["compliance"]["rate_pct"] == 80
    assert "100% of cases" not in json.dumps(report["letter"])
    assert result.code == 1
    [finding] = [f for f in report["findings"] if f["rule"] == "hidden-text"]
    assert "In 100% of cases" in finding["message"]
    assert DECOY not in _load(path).text


def test_content_nested_too_deep_is_a_clear_error(tmp_path: Path) -> None:
    body = paragraphs_of(LETTER)
    deep = paragraph(SENTENCE)
    for _ in range(100):
        deep = control(deep)
    path = word_document(tmp_path / "deep.docx", [*body, deep])
    with pytest.raises(LoadError, match="nested more than 64 deep"):
        _load(path)


def test_unclosed_fields_cost_linear_time(tmp_path: Path) -> None:
    """Fields begun and never ended hide what follows (Word shows none of it) and the
    reading stays linear: 20,000 of them read in well under the time limit."""
    body = paragraphs_of(LETTER)
    opened = paragraph(*(field_begin() for _ in range(20_000)), run("unseen 61"))
    source = _load(word_document(tmp_path / "fields.docx", [*body, opened, paragraph("after 62")]))
    assert "unseen" not in source.text and "after" not in source.text
    assert "Quillmere District Council" in source.text
