"""The same letter as plain text, a whole HTML page (statistics in a table) and Markdown
gives the same figures and the same findings."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from lgo_check.config import Config
from lgo_check.engine import build_registry, run

LETTERS = Path(__file__).resolve().parent / "letters"
CASES = [
    "borsetshire-cc-2023-24.txt",
    "fenmarsh-dc-2023-24.txt",
    "stavenham-2023-24.txt",
    "corriston-cc-2023-24.txt",
]
HEADINGS = re.compile(
    r"^(Complaints upheld|Compliance with Ombudsman recommendations|"
    r"Satisfactory remed(?:y|ies) provided by the \w+)\s*$"
)


def as_html_page(text: str) -> str:
    """Paragraphs as <p>; each statistics block as a table row (heading | figures)."""
    body, _, stats = text.partition("Yours sincerely")
    out = [
        "<!DOCTYPE html>",
        "<html><head><title>Annual review</title>",
        "<style>td { padding: 4px }</style></head><body>",
    ]
    out += [f"<p>{html.escape(p.strip())}</p>" for p in body.split("\n\n") if p.strip()]
    out.append("<p>Yours sincerely</p>")
    rows: list[tuple[str, list[str]]] = [("", [])]
    for line in stats.splitlines():
        if HEADINGS.match(line.strip()):
            rows.append((line.strip(), []))
        elif line.strip():
            rows[-1][1].append(html.escape(line.strip()))
    out.append("<table>")
    for heading, lines in rows:
        out.append(f"<tr><th>{html.escape(heading)}</th><td>{'<br>'.join(lines)}</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out)


def as_markdown(text: str) -> str:
    text = re.sub(
        r"(?m)^(Complaint statistics|Your organisation's performance)\s*$", r"## \1", text
    )
    text = re.sub(
        r"(?m)^(Complaints upheld|Compliance with Ombudsman recommendations)\s*$",
        r"### **\1**",
        text,
    )
    return re.sub(r"(\d+%)", r"**\1**", text)


def figures(folder: Path) -> dict[str, tuple[object, ...]]:
    config = Config()
    result = run([folder], config, build_registry(config))
    out = {}
    for file in result.report.files:
        assert file.letter is not None, file.error
        stats = file.letter.statistics.model_dump(exclude={"overview"})
        for block in stats.values():
            block.pop("spans")
        out[Path(file.path).stem] = (
            file.letter.organisation,
            file.letter.recipient.name,
            file.letter.letter_date,
            stats,
            sorted(f.rule for f in file.findings),
        )
    return out


@pytest.mark.parametrize("name", CASES)
def test_same_letter_in_text_html_and_markdown(name: str, tmp_path: Path) -> None:
    text = (LETTERS / name).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    stem = Path(name).stem
    for fmt, content in (("txt", text), ("html", as_html_page(text)), ("md", as_markdown(text))):
        folder = tmp_path / fmt
        folder.mkdir()
        (folder / f"{stem}.{fmt}").write_text(content, encoding="utf-8")
    plain = figures(tmp_path / "txt")[stem]
    assert plain[3]["upheld"]["status"] in ("reported", "missing")
    assert figures(tmp_path / "html")[stem] == plain
    assert figures(tmp_path / "md")[stem] == plain
