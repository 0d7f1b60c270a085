"""The pack as a Word document, built with python-docx.

Only Word's built-in styles are used (Title, Heading 1-3, List Number, List Bullet,
Quote, Table Grid), so a section pasted into a council's report template takes
on the template's own look. Table header rows repeat across pages and are marked
as headers for screen readers.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from lgo_check.model import Severity
from lgo_check.pack.content import MARKS, TREND_MEASURES, BodySection, Figure, Pack


def _table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    head = table.rows[0]
    # Mark the first row as a header row: it repeats on each page and screen
    # readers announce it as the column headings.
    properties = head._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)
    for cell, text in zip(head.cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    doc.add_paragraph()


def _figure(figure: Figure) -> str:
    return figure.text + (f" ({figure.source})" if figure.source else "")


def _section(doc: Any, body: BodySection) -> None:
    doc.add_heading(body.title, level=1)
    facts = [f"Letter: {body.path}"]
    if body.letter_date:
        facts.append(f"dated {body.letter_date}")
    doc.add_paragraph("; ".join(facts) + ".")

    doc.add_heading("Summary", level=2)
    for line in body.summary:
        doc.add_paragraph(line)
    _table(
        doc,
        ["Statistic", "Status", "Figure", "Similar bodies", "Set by"],
        [
            [
                s.label,
                f"{s.status.symbol} {s.status.word}",
                s.body.text,
                s.average.text,
                ", ".join(s.rule_codes) or s.status.meaning,
            ]
            for s in body.statistics
        ],
    )

    doc.add_heading("Statistics against similar bodies", level=2)
    _table(
        doc,
        ["Statistic", "This body", "Similar bodies' average", "Based on"],
        [[s.label, _figure(s.body), _figure(s.average), s.basis or "-"] for s in body.statistics],
    )
    if body.overview:
        _table(doc, ["Complaint overview", "Count"], [[k, _figure(v)] for k, v in body.overview])

    doc.add_heading("Concerns raised in the letter", level=2)
    if body.concerns:
        for concern in body.concerns:
            paragraph = doc.add_paragraph()
            paragraph.add_run(concern.label).bold = True
            paragraph.add_run(f" ({concern.place})")
            doc.add_paragraph(concern.text, style="Quote")
    else:
        doc.add_paragraph("lgo-check found no concern in the letter's prose.")

    doc.add_heading("Findings and why they matter", level=2)
    if body.findings:
        for f in body.findings:
            paragraph = doc.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{f.severity.value.capitalize()} {f.code} {f.name}: ").bold = True
            paragraph.add_run(f"{f.message} ({f.place})")
            if f.why:
                paragraph.add_run().add_break()
                paragraph.add_run("Why it matters: ").italic = True
                paragraph.add_run(f.why)
    else:
        doc.add_paragraph("No findings.")

    doc.add_heading("Caveats", level=2)
    for caveat in body.caveats:
        doc.add_paragraph(caveat, style="List Bullet")
    if not body.caveats:
        doc.add_paragraph("None of the known caveats applies.")

    doc.add_heading("Trend", level=2)
    doc.add_paragraph(body.trend_note)
    _table(
        doc,
        ["Year", *(label for _, label in TREND_MEASURES)],
        [[r.year, *(r.figures[k].text for k, _ in TREND_MEASURES)] for r in body.trend],
    )

    doc.add_heading("Draft recommendations", level=2)
    doc.add_paragraph("The committee is asked:")
    for recommendation in body.recommendations:
        doc.add_paragraph(recommendation, style="List Number")


def render_docx(pack: Pack) -> bytes:
    doc = Document()
    doc.core_properties.title = pack.title
    if pack.cover.author:
        doc.core_properties.author = pack.cover.author
    doc.add_heading(pack.title, level=0)
    cover = [
        ("Committee", pack.cover.committee),
        ("Meeting date", pack.cover.meeting_date),
        ("Author", pack.cover.author),
        ("Letters", str(sum(len(b.trend) for b in pack.bodies))),
    ]
    _table(doc, ["Item", "Detail"], [[k, v] for k, v in cover if v])
    if len(pack.bodies) > 1:
        doc.add_heading("All bodies", level=1)
        rows = []
        for b in pack.bodies:
            stats = {s.key: s for s in b.statistics}
            rows.append(
                [
                    b.name,
                    b.year or "?",
                    *(
                        f"{stats[k].status.symbol} {stats[k].status.word} "
                        f"{stats[k].body.text} ({stats[k].average.text})"
                        for k in ("upheld_rate", "compliance")
                    ),
                    str(len(b.concerns)),
                    str(b.count(Severity.error)),
                    str(b.count(Severity.warning)),
                ]
            )
        _table(
            doc,
            [
                "Body",
                "Year",
                "Upheld rate (similar bodies)",
                "Compliance (similar bodies)",
                "Concerns",
                "Errors",
                "Warnings",
            ],
            rows,
        )
    if not pack.bodies:
        doc.add_paragraph("No annual review letter was found under the paths given.")
    for n, body in enumerate(pack.bodies):
        if n or len(pack.bodies) > 1:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _section(doc, body)
    if pack.left_out:
        doc.add_heading("Files not in this pack", level=1)
        _table(doc, ["File", "Reason"], [[i.path, i.reason] for i in pack.left_out])
    doc.add_heading("Key to the status marks", level=1)
    seen: set[str] = set()
    keys = []
    for mark in MARKS:
        if mark.word not in seen:
            seen.add(mark.word)
            keys.append([f"{mark.symbol} {mark.word}", mark.meaning])
    _table(doc, ["Status", "Meaning"], keys)
    doc.add_paragraph(
        f"Written by lgo-check {pack.version}. Every figure is one lgo-check read from the "
        "letter named, at the place given; check them against the letter before publishing."
    )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
