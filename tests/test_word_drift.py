"""The drift letters as Word documents: no wrong figure, and every gap named.

The plain-text drift letters (``tests/drift_letters.py``) are written as Word
documents: a paragraph per paragraph (wrapped lines apart by line breaks), tables
(tab-separated rows) as Word tables. Each is written twice: plainly, and dressed as
Word documents are after templates and reviewers have been at them: paragraphs in
content controls, custom XML and text boxes; figures in tracked insertions replacing
a deleted figure, in fields whose instruction holds another number, in content
controls and smart tags; rows and cells in content controls; a hidden run with
another figure beside the real one. The property is the drift set's own (every
figure right or empty, every empty one named by `statistics-missing`), and the dressed
document reads exactly as the plain one.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from drift_letters import build
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_drift import plain_drift_letters, read_source, wrong_and_unnamed
from word_documents import (
    cell,
    control,
    custom_xml,
    deleted,
    field,
    hyperlink,
    inserted,
    paragraph,
    row,
    run,
    simple_field,
    smart_tag,
    table,
    text_box,
    word_document,
)

from lgo_check.load import Limits
from lgo_check.load.docx import DocxLoader
from lgo_check.model import Letter

DRIFT = Path(__file__).resolve().parent / "drift"
_NUMBER = re.compile(r"(?<![\d.,])\d+(?:\.\d+)?(?![\d.,]*\d)")


def _other(number: str) -> str:
    """Another number of the same shape (a figure Word does not show)."""
    return "".join(str((int(d) + 3) % 10) if d.isdigit() else d for d in number)


def _dress_number(number: str, rng: random.Random) -> str:
    """A figure as Word may hold it: the runs that show ``number``."""
    way = rng.choice(
        ["plain", "replaced", "field", "simple-field", "control", "smart-tag", "hidden"]
    )
    if way == "replaced":
        return deleted(_other(number)) + inserted(run(number))
    if way == "field":
        return field(f"DOCPROPERTY Figure{_other(number)}", number)
    if way == "simple-field":
        return simple_field(f"= {_other(number)}", run(number))
    if way == "control":
        return control(run(number))
    if way == "smart-tag":
        return smart_tag(run(number))
    if way == "hidden":
        return run(number) + run(f"{_other(number)}", hidden=True)
    return run(number)


def _dress_paragraph(text: str, rng: random.Random) -> list[str]:
    """A paragraph of the letter, its figures and itself dressed at random."""
    runs: list[str] = []
    pos = 0
    for match in _NUMBER.finditer(text):
        if match.start() > pos:
            runs.append(run(text[pos : match.start()]))
        runs.append(_dress_number(match.group(), rng))
        pos = match.end()
    if pos < len(text):
        runs.append(run(text[pos:]))
    inline = "".join(runs)
    way = rng.choice(["plain", "plain", "control", "custom-xml", "hyperlink", "text-box"])
    if way == "hyperlink":
        return [paragraph(hyperlink(inline))]
    if way == "control":
        return [control(paragraph(inline))]
    if way == "custom-xml":
        return [custom_xml(paragraph(inline))]
    if way == "text-box":
        return [paragraph(text_box(paragraph(inline)))]
    return [paragraph(inline)]


def _dress_table(rows: list[list[str]], rng: random.Random) -> str:
    written = []
    for cells in rows:
        dressed = [control(cell(c)) if c and rng.random() < 0.2 else cell(c) for c in cells]
        tr = row(*dressed)
        written.append(control(tr) if rng.random() < 0.2 else tr)
    return table(*written, columns=max(len(r) for r in rows))


def word_letter(text: str, path: Path, dressing: int | None) -> Path:
    """A plain-text drift letter as a Word document, dressed if ``dressing`` (a seed)."""
    rng = random.Random(dressing)
    body: list[str] = []
    for part in text.strip().split("\n\n"):
        if "\t" in part:
            rows = [line.split("\t") for line in part.split("\n")]
            body.append(_dress_table(rows, rng) if dressing is not None else table(*rows))
        elif dressing is None:
            body.append(paragraph(part))
        else:
            body.extend(_dress_paragraph(part, rng))
    return word_document(path, body)


def read_word_letter(path: Path) -> tuple[Letter, list[str]]:
    return read_source(DocxLoader().load(path, path.read_bytes(), path.name, Limits().started()))


def _check(
    text: str, truth: dict[str, Any], variants: list[str], folder: Path, dressing: int
) -> None:
    plain, plain_messages = read_word_letter(word_letter(text, folder / "plain.docx", None))
    dressed, messages = read_word_letter(word_letter(text, folder / "dressed.docx", dressing))
    for letter, found in ((plain, plain_messages), (dressed, messages)):
        wrong, unnamed = wrong_and_unnamed(letter, found, truth)
        assert wrong == [], variants
        assert unnamed == [], variants
    assert _figures(dressed) == _figures(plain), variants


def _figures(letter: Letter) -> dict[str, Any]:
    """Every block's status and figures (not their spans: a text box moves its lines)."""
    out = {}
    for block, values in letter.statistics.model_dump().items():
        if isinstance(values, dict):
            out[block] = {k: v for k, v in values.items() if k != "spans"}
    return out


@pytest.mark.parametrize("entry", plain_drift_letters(), ids=lambda e: e["file"])
def test_drift_letter_as_word_has_no_wrong_figure_and_every_gap_named(
    entry: dict[str, Any], tmp_path: Path
) -> None:
    text = (DRIFT / entry["file"]).read_text(encoding="utf-8")
    _check(text, entry["truth"], entry["variants"], tmp_path, dressing=len(entry["file"]))


def test_drift_tables_in_word_are_read(tmp_path: Path) -> None:
    """Abstaining is allowed, not abstaining on every table: the figures of the drift
    letters' Word tables are mostly read."""
    right = total = 0
    for entry in plain_drift_letters():
        if not any(v.endswith((":table", ":matrix")) for v in entry["variants"]):
            continue
        text = (DRIFT / entry["file"]).read_text(encoding="utf-8")
        letter, _ = read_word_letter(word_letter(text, tmp_path / "letter.docx", 1))
        stats = letter.statistics.model_dump()
        for path, want in entry["truth"].items():
            block, name = path.split(".")
            total += 1
            right += (stats.get(block) or {}).get(name) == want
    assert total and right / total > 0.8


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=1000, max_value=10**9), dressing=st.integers(0, 10**6))
def test_any_plain_drift_letter_as_word_has_no_wrong_figure(
    seed: int, dressing: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    name, text, truth, variants = build(seed)
    assume(name.endswith(".txt"))
    _check(text, truth, variants, tmp_path_factory.mktemp("drift"), dressing)
