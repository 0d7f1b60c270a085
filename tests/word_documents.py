"""Word documents written from WordprocessingML, for what python-docx cannot write.

python-docx writes paragraphs, runs and plain tables; content controls, tracked
changes, fields, text boxes and merged cells are written here as the XML Word itself
writes, and put into a document python-docx made (so the package is a real one).

``word_document(path, body)`` saves a document whose body is ``body`` (a list of XML
fragments); the helpers below write the fragments. Text is escaped for XML.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import parse_xml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = {
    "w": W,
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "v": "urn:schemas-microsoft-com:vml",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
_DECLS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())


def word_document(path: Path, body: Sequence[str]) -> Path:
    """Save a Word document whose body holds ``body``'s fragments, in order."""
    document = Document()
    element = document.element.body
    section = element[-1]  # w:sectPr, the last child of a new document's body
    for child in list(element)[:-1]:
        element.remove(child)
    fragment = parse_xml(f'<w:body {_DECLS} mc:Ignorable="wps">{"".join(body)}</w:body>')
    for child in list(fragment):
        section.addprevious(child)
    document.save(str(path))
    return path


def run(text: str, hidden: bool = False) -> str:
    """A run; line breaks in ``text`` become ``w:br``."""
    properties = "<w:rPr><w:vanish/></w:rPr>" if hidden else ""
    pieces = [f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in text.split("\n")]
    return f"<w:r>{properties}{'<w:br/>'.join(pieces)}</w:r>"


def deleted(text: str) -> str:
    """Text deleted with changes tracked: Word shows it struck through in review, and
    not at all in the document as it stands."""
    return (
        '<w:del w:id="91" w:author="Reviewer" w:date="2024-06-01T09:00:00Z"><w:r>'
        f'<w:delText xml:space="preserve">{escape(text)}</w:delText></w:r></w:del>'
    )


def inserted(*runs: str) -> str:
    return f'<w:ins w:id="92" w:author="Reviewer" w:date="2024-06-01T09:00:00Z">{"".join(runs)}</w:ins>'


def moved_from(text: str) -> str:
    return (
        '<w:moveFrom w:id="93" w:author="Reviewer" w:date="2024-06-01T09:00:00Z"><w:r>'
        f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:moveFrom>'
    )


def moved_to(*runs: str) -> str:
    return f'<w:moveTo w:id="94" w:author="Reviewer" w:date="2024-06-01T09:00:00Z">{"".join(runs)}</w:moveTo>'


def control(*content: str) -> str:
    """A content control (``w:sdt``) around paragraphs, rows, cells or runs."""
    return (
        '<w:sdt><w:sdtPr><w:alias w:val="Figure"/><w:id w:val="7301"/></w:sdtPr>'
        f"<w:sdtContent>{''.join(content)}</w:sdtContent></w:sdt>"
    )


def smart_tag(*runs: str) -> str:
    return f'<w:smartTag w:uri="urn:example:tags" w:element="place">{"".join(runs)}</w:smartTag>'


def custom_xml(*content: str) -> str:
    return f'<w:customXml w:uri="urn:example:letter" w:element="figure">{"".join(content)}</w:customXml>'


def hyperlink(*runs: str) -> str:
    return f'<w:hyperlink w:anchor="statistics">{"".join(runs)}</w:hyperlink>'


def simple_field(instruction: str, *runs: str) -> str:
    """A simple field: Word shows its result (the runs), not its instruction."""
    return f'<w:fldSimple w:instr="{escape(instruction)}">{"".join(runs)}</w:fldSimple>'


def field_begin() -> str:
    return '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'


def field_instruction(text: str) -> str:
    return f'<w:r><w:instrText xml:space="preserve">{escape(text)}</w:instrText></w:r>'


def field_separate() -> str:
    return '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'


def field_end() -> str:
    return '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def field(instruction: str, result: str) -> str:
    """A complex field in one paragraph: begin, instruction, separate, result, end."""
    return (
        field_begin()
        + field_instruction(instruction)
        + field_separate()
        + run(result)
        + field_end()
    )


def text_box(*paragraphs: str, fallback: bool = True) -> str:
    """A run drawing a text box, written as Word writes one: a drawing shape, and the
    same box again as a VML picture for older readers (``fallback``)."""
    content = "".join(paragraphs)
    choice = (
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" distL="0" '
        'distR="0" simplePos="0" relativeHeight="2" behindDoc="0" locked="0" '
        'layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="3000000" cy="900000"/><wp:wrapSquare wrapText="bothSides"/>'
        '<wp:docPr id="5" name="Text Box 5"/><a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        f'<wps:cNvSpPr txBox="1"/><wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx>'
        "<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    )
    vml = (
        '<mc:Fallback><w:pict><v:shape id="Text Box 5" style="width:236pt;height:71pt">'
        f"<v:textbox><w:txbxContent>{content}</w:txbxContent></v:textbox></v:shape></w:pict>"
        "</mc:Fallback>"
    )
    return (
        f"<w:r><mc:AlternateContent>{choice}{vml if fallback else ''}</mc:AlternateContent></w:r>"
    )


def paragraph(*content: str, deleted_mark: bool = False) -> str:
    """A paragraph of runs (plain strings are runs of that text)."""
    inner = "".join(c if c.startswith("<") else run(c) for c in content)
    mark = (
        '<w:pPr><w:rPr><w:del w:id="95" w:author="Reviewer" w:date="2024-06-01T09:00:00Z"/>'
        "</w:rPr></w:pPr>"
        if deleted_mark
        else ""
    )
    return f"<w:p>{mark}{inner}</w:p>"


def cell(*content: str, span: int = 1, merge: str | None = None, deleted: bool = False) -> str:
    """A table cell; plain strings are paragraphs of that text."""
    properties = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    if merge == "restart":
        properties += '<w:vMerge w:val="restart"/>'
    elif merge == "continue":
        properties += "<w:vMerge/>"
    if deleted:
        properties += '<w:cellDel w:id="96" w:author="Reviewer" w:date="2024-06-01T09:00:00Z"/>'
    inner = "".join(c if c.startswith("<") else paragraph(c) for c in content) or "<w:p/>"
    return f"<w:tc><w:tcPr>{properties}</w:tcPr>{inner}</w:tc>"


def row(*cells: str, deleted: bool = False, before: int = 0) -> str:
    """A table row; plain strings are cells of that text."""
    properties = ""
    if before:
        properties += f'<w:gridBefore w:val="{before}"/>'
    if deleted:
        properties += '<w:del w:id="97" w:author="Reviewer" w:date="2024-06-01T09:00:00Z"/>'
    inner = "".join(c if c.startswith("<") else cell(c) for c in cells)
    return f"<w:tr><w:trPr>{properties}</w:trPr>{inner}</w:tr>"


def table(*rows: str | Sequence[str], columns: int | None = None) -> str:
    """A table; a row may be given as its cells' texts."""
    written = [r if isinstance(r, str) else row(*r) for r in rows]
    width = columns or max((len(r) for r in rows if not isinstance(r, str)), default=2)
    grid = "".join('<w:gridCol w:w="2000"/>' for _ in range(width))
    return (
        '<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(written)}</w:tbl>"
    )


def paragraphs_of(text: str) -> list[str]:
    """A plain-text letter's paragraphs (blank-line apart) as Word paragraphs, each
    one's lines apart by line breaks."""
    return [paragraph(part.strip("\n")) for part in text.split("\n\n") if part.strip()]
