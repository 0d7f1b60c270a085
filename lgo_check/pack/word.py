"""The pack as a Word document, built with python-docx.

Only Word's built-in styles are used (Title, Heading 1-3, List Number, List Bullet,
Quote, Table Grid), so a section pasted into a council's report template takes
on the template's own look. Table header rows repeat across pages and are marked
as headers for screen readers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

from lgo_check.pack.content import (
    INDEX_COLUMNS,
    MARKS,
    TREND_MEASURES,
    BodySection,
    Figure,
    Pack,
    clean,
)


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph with its character formatting."""

    text: str
    bold: bool = False
    italic: bool = False
    #: A line break before the text (inside the same paragraph).
    break_before: bool = False


class _Word:
    """A Word document written through python-docx's XML layer (``parse_xml``).

    Built paragraph by paragraph with python-docx's document API, a 400-letter pack
    took over 30 seconds: each added run, row and paragraph searches the elements
    already there. So the body is written as WordprocessingML text (every piece of
    text escaped) and parsed once; the document itself, its styles and its
    properties are python-docx's.
    """

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)  # A4
        section.left_margin = section.right_margin = Mm(20)
        styles = self.doc.styles
        names = ("Title", "Heading 1", "Heading 2", "List Bullet", "List Number", "Quote")
        self.ids = {name: styles[name].style_id for name in names}
        self.table_style = styles["Table Grid"].style_id
        self._width = int(Mm(170).twips)
        self._parts: list[str] = []

    @staticmethod
    def _runs(runs: Sequence[str | Run]) -> str:
        out = []
        for run in runs:
            if isinstance(run, str):
                run = Run(run)
            props = ("<w:b/>" if run.bold else "") + ("<w:i/>" if run.italic else "")
            out.append(
                "<w:r>"
                + (f"<w:rPr>{props}</w:rPr>" if props else "")
                + ("<w:br/>" if run.break_before else "")
                + f'<w:t xml:space="preserve">{escape(clean(run.text))}</w:t></w:r>'
            )
        return "".join(out)

    def paragraph(self, *runs: str | Run, style: str | None = None) -> None:
        props = f'<w:pPr><w:pStyle w:val="{self.ids[style]}"/></w:pPr>' if style else ""
        self._parts.append(f"<w:p>{props}{self._runs(runs)}</w:p>")

    def heading(self, text: str, level: int) -> None:
        self.paragraph(text, style="Title" if level == 0 else f"Heading {level}")

    def page_break(self) -> None:
        self._parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        column = self._width // len(header)
        cell = f'<w:tc><w:tcPr><w:tcW w:w="{column}" w:type="dxa"/></w:tcPr><w:p>{{}}</w:p></w:tc>'
        out = [
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.table_style}"/>'
            '<w:tblW w:w="5000" w:type="pct"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
            f'<w:gridCol w:w="{column}"/>' * len(header),
            # The header row repeats on each page, and screen readers announce it
            # as the column headings.
            '</w:tblGrid><w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>',
            *(cell.format(self._runs([Run(text, bold=True)])) for text in header),
            "</w:tr>",
        ]
        for values in rows:
            assert len(values) == len(header)
            out.append("<w:tr>")
            out.extend(cell.format(self._runs([text])) for text in values)
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self._parts.append("".join(out))
        self.paragraph()

    def finish(self) -> bytes:
        body = self.doc.element.body
        written = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self._parts)}</w:body>")
        end = body.find(qn("w:sectPr"))
        for element in list(written):
            if end is None:
                body.append(element)
            else:
                end.addprevious(element)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


def _figure(figure: Figure) -> str:
    return figure.text + (f" ({figure.place})" if figure.place else "")


def _section(w: _Word, body: BodySection) -> None:
    w.heading(body.title, level=1)
    facts = [f"Letter: {body.path}"]
    if body.letter_date:
        facts.append(f"dated {body.letter_date}")
    w.paragraph("; ".join(facts) + ".")

    w.heading("Summary", level=2)
    for line in body.summary:
        w.paragraph(line)
    w.table(
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

    w.heading("Statistics against similar bodies", level=2)
    w.table(
        ["Statistic", "This body", "Similar bodies' average", "Based on"],
        [[s.label, _figure(s.body), _figure(s.average), s.basis or "-"] for s in body.statistics],
    )
    if body.overview:
        w.table(["Complaint overview", "Count"], [[k, _figure(v)] for k, v in body.overview])

    w.heading("Concerns raised in the letter", level=2)
    if body.concerns:
        for concern in body.concerns:
            where = ", ".join(filter(None, [concern.place, concern.how]))
            w.paragraph(Run(concern.label, bold=True), f" ({where})")
            w.paragraph(concern.text, style="Quote")
    else:
        w.paragraph("lgo-check found no concern in the letter's prose.")

    w.heading("Findings and why they matter", level=2)
    if body.findings:
        for f in body.findings:
            runs: list[str | Run] = [
                Run(f"{f.severity.value.capitalize()} {f.code} {f.name}: ", bold=True),
                f"{f.message} ({f.place})",
            ]
            if f.why:
                runs += [Run("Why it matters: ", italic=True, break_before=True), f.why]
            w.paragraph(*runs, style="List Bullet")
    else:
        w.paragraph("No findings.")

    w.heading("Caveats", level=2)
    for caveat in body.caveats:
        w.paragraph(caveat, style="List Bullet")
    if not body.caveats:
        w.paragraph("None of the known caveats applies.")

    w.heading("Trend", level=2)
    w.paragraph(body.trend_note)
    w.table(
        ["Year", *(label for _, label in TREND_MEASURES), "Letter"],
        [[r.year, *(_figure(r.figures[k]) for k, _ in TREND_MEASURES), r.path] for r in body.trend],
    )

    w.heading("Draft recommendations", level=2)
    w.paragraph("The committee is asked:")
    for recommendation in body.recommendations:
        w.paragraph(recommendation, style="List Number")


def render_docx(pack: Pack) -> bytes:
    w = _Word()
    doc = w.doc
    doc.core_properties.title = pack.title
    if pack.cover.author:
        doc.core_properties.author = pack.cover.author
    w.heading(pack.title, level=0)
    cover = [
        ("Committee", pack.cover.committee),
        ("Meeting date", pack.cover.meeting_date),
        ("Author", pack.cover.author),
        ("Letters", str(sum(len(b.trend) for b in pack.bodies))),
    ]
    w.table(["Item", "Detail"], [[k, v] for k, v in cover if v])
    if len(pack.bodies) > 1:
        w.heading("All bodies", level=1)
        rows = []
        for b in pack.bodies:
            stats, counts = b.at_a_glance()
            rows.append(
                [
                    b.name,
                    b.year or "?",
                    *(f"{s.status.symbol} {s.status.word} {s.brief}".strip() for s in stats),
                    *counts,
                ]
            )
        w.table(list(INDEX_COLUMNS), rows)
    if not pack.bodies:
        w.paragraph("No annual review letter was found under the paths given.")
    for n, body in enumerate(pack.bodies):
        if n or len(pack.bodies) > 1:
            w.page_break()
        _section(w, body)
    if pack.left_out:
        w.heading("Files not in this pack", level=1)
        w.table(["File", "Reason"], [[i.path, i.reason] for i in pack.left_out])
    w.heading("Key to the status marks", level=1)
    seen: set[str] = set()
    keys = []
    for mark in MARKS:
        if mark.word not in seen:
            seen.add(mark.word)
            keys.append([f"{mark.symbol} {mark.word}", mark.meaning])
    w.table(["Status", "Meaning"], keys)
    w.paragraph(
        f"Written by lgo-check {pack.version}. Every figure is one lgo-check read from the "
        "letter named, at the place given; check them against the letter before publishing."
    )
    return w.finish()
