"""Make test documents: a plain-text letter as a PDF or DOCX, and broken files.

``letter_to_pdf`` lays a letter out the way the Ombudsman's PDFs do: body pages
in one column with a running header and a page number at the foot, then a
statistics page with the three blocks ("Complaints upheld", "Compliance with
Ombudsman recommendations", "Satisfactory remedy provided by ...") side by side
in three columns, the headings on top and the big figures on lines of their own.
The columns flow on their own (their lines do not line up, as the headings wrap
differently) or, with ``aligned``, sit on a grid; either way the page is drawn
line by line across the columns, so that the PDF's own text order interleaves the
blocks. ``letter_to_docx`` writes the body as paragraphs and the statistics as a
one-row, three-column table. The rest make files that cannot be read.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image, ImageDraw

HEADER = "Local Government & Social Care OMBUDSMAN"

_HEADINGS = (
    re.compile(r"complaints upheld:?", re.IGNORECASE),
    re.compile(r"compliance with (?:the )?(?:ombudsman )?recommendations:?", re.IGNORECASE),
    re.compile(r"satisfactory remed(?:y|ies) provided by the \w+:?", re.IGNORECASE),
)
# A big figure: a line that is only a number or percentage, or a sentence that
# opens with a percentage ("72% of ...", "In 100% of ...").
_BIG_LINE = re.compile(r"\d[\d,]*(?:\.\d+)?(?: ?%)?")
_BIG_START = re.compile(r"(?P<prefix>(?:In )?)(?P<big>\d{1,3}(?:\.\d+)? ?%)\s+(?P<rest>.+)")

_CORE_FONT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\t": " ",
        "\u00a0": " ",
    }
)

Block = list[list[str]]  # paragraphs, each a list of lines


def split_letter(text: str) -> tuple[list[str], list[tuple[str, Block]]]:
    """The body's lines, and the statistics blocks as (heading, paragraphs)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").lstrip("\ufeff").split("\n")]
    start = next(
        (i for i, line in enumerate(lines) if _HEADINGS[0].fullmatch(line.strip())), len(lines)
    )
    body = lines[:start]
    blocks: list[tuple[str, Block]] = []
    for line in lines[start:]:
        stripped = line.strip()
        if any(h.fullmatch(stripped) for h in _HEADINGS):
            blocks.append((stripped, []))
            continue
        paragraphs = blocks[-1][1]
        if not stripped:
            if paragraphs and paragraphs[-1]:
                paragraphs.append([])
            continue
        if not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(stripped)
    return body, [(h, [p for p in ps if p]) for h, ps in blocks]


def _core(text: str) -> str:
    """Text the PDF core fonts can show (Windows-1252 only)."""
    return text.translate(_CORE_FONT).encode("cp1252", "replace").decode("cp1252")


class _LetterPdf(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "B", 8)
        self.set_xy(self.l_margin, 8)
        self.cell(0, 4, HEADER, align="R")
        self.set_y(22)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 5, str(self.page_no()), align="C")


def letter_to_pdf(text: str, path: Path | str, aligned: bool = False) -> Path:
    """Write a plain-text letter as a PDF: one-column body, three-column statistics page.

    With ``aligned``, the statistics are set on a grid: the headings, and then each
    paragraph of the three blocks, start at the same height in every column.
    """
    body, blocks = split_letter(text)
    pdf = _LetterPdf(format="A4")
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    gap = False
    for line in body:
        if not line.strip():
            gap = True
            continue
        if gap:
            pdf.ln(3)
            gap = False
        pdf.multi_cell(0, 5.5, _core(line.strip()), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if blocks:
        _statistics_page(pdf, blocks, aligned)
    out = Path(path)
    pdf.output(str(out))
    return out


# One piece of text on the statistics page: baseline y, x, font style, size, text.
_Op = tuple[float, float, str, float, str]


def _statistics_page(pdf: FPDF, blocks: list[tuple[str, Block]], aligned: bool) -> None:
    """Three columns, drawn line by line across the page (as word processors write them).

    The columns are laid out one by one (or slot by slot across them, when
    aligned), then every line is drawn in order of its height on the page, so the
    PDF's content stream interleaves the blocks and only a reader that recovers the
    columns gets each block's sentences together.
    """
    pdf.add_page()
    pdf.set_auto_page_break(False)
    gutter = 9.0
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 2 * gutter) / 3
    ops: list[_Op] = []
    xs = [pdf.l_margin + number * (width + gutter) for number in range(3)]
    shown = blocks[:3]
    ys = [
        _wrapped(pdf, ops, x, pdf.t_margin, width, heading, "B", 12, 5.5) + 4
        for x, (heading, _) in zip(xs, shown, strict=False)
    ]
    slots = max(len(paragraphs) for _, paragraphs in shown)
    for slot in range(slots):
        if aligned:
            ys = [max(ys)] * len(ys)
        for number, (_, paragraphs) in enumerate(shown):
            if slot < len(paragraphs):
                ys[number] = (
                    _statistics_paragraph(pdf, ops, xs[number], ys[number], width, paragraphs[slot])
                    + 3
                )
    for baseline, x, style, size, text in sorted(ops):
        pdf.set_font("Helvetica", style, size)
        pdf.text(x, baseline, _core(text))
    pdf.set_auto_page_break(True, margin=22)


def _wrapped(
    pdf: FPDF,
    ops: list[_Op],
    x: float,
    y: float,
    width: float,
    text: str,
    style: str,
    size: float,
    height: float,
) -> float:
    """Lay out text wrapped to a width from y down; return the y below it."""
    pdf.set_font("Helvetica", style, size)
    for line in pdf.multi_cell(width, height, _core(text), dry_run=True, output="LINES"):
        ops.append((y + 0.75 * height, x, style, size, line))
        y += height
    return y


def _statistics_paragraph(
    pdf: FPDF, ops: list[_Op], x: float, y: float, width: float, lines: list[str]
) -> float:
    first, rest = lines[0], lines
    big: tuple[str, str] | None = None
    if _BIG_LINE.fullmatch(first):
        big, rest = ("", first), lines[1:]
    elif match := _BIG_START.fullmatch(first):
        big = (match["prefix"].strip(), match["big"])
        rest = [match["rest"], *lines[1:]]
    if big is not None:
        prefix, figure = big
        baseline = y + 10
        figure_x = x
        if prefix:
            ops.append((baseline, x, "", 9, prefix))
            pdf.set_font("Helvetica", "", 9)
            figure_x = x + pdf.get_string_width(prefix + " ")
        ops.append((baseline, figure_x, "B", 28, figure))
        y = baseline + 3
    for line in rest:
        y = _wrapped(pdf, ops, x, y, width, line, "", 9, 4.2)
    return y


def letter_to_docx(text: str, path: Path | str) -> Path:
    """Write a plain-text letter as a DOCX, statistics in a table: a Word paragraph per
    paragraph of prose (its wrapped lines apart by line breaks) and per line of a block
    of short lines (an address, a signature)."""
    body, blocks = split_letter(text)
    document = Document()
    lines: list[str] = []
    for line in [*body, ""]:
        if line.strip():
            lines.append(line.strip())
        elif lines:
            if all(len(line) <= 60 for line in lines):
                for line in lines:
                    document.add_paragraph(line)
            else:
                document.add_paragraph("\n".join(lines))
            lines = []
    if blocks:
        table = document.add_table(rows=1, cols=3)
        for cell, (heading, paragraphs) in zip(table.rows[0].cells, blocks, strict=False):
            cell.paragraphs[0].add_run(heading).bold = True
            for paragraph in paragraphs:
                word_paragraph = cell.add_paragraph()
                for number, line in enumerate(paragraph):
                    run = word_paragraph.add_run(line)
                    if number < len(paragraph) - 1:
                        run.add_break()
                    if _BIG_LINE.fullmatch(line):
                        run.bold = True
                        run.font.size = Pt(24)
    out = Path(path)
    document.save(str(out))
    return out


def encrypted_pdf(path: Path | str, password: str | None = "secret") -> Path:
    """A PDF that opens only with a password; with none, one only protected from editing."""
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", user_password=password)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 10, "Annual Review letter 2023-24")
    out = Path(path)
    pdf.output(str(out))
    return out


def truncated_pdf(source: Path | str, path: Path | str, keep: float = 0.6) -> Path:
    """The first ``keep`` of a PDF's bytes: a download cut short."""
    data = Path(source).read_bytes()
    out = Path(path)
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def image_only_pdf(path: Path | str) -> Path:
    """A PDF whose page is one picture and no text: a scan that was never OCR'd."""
    image = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(image)
    for row in range(40, 520, 18):
        draw.rectangle((40, row, 360 - (row % 90), row + 8), fill=30)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=190)
    out = Path(path)
    pdf.output(str(out))
    return out


def long_pdf(path: Path | str, pages: int) -> Path:
    """A PDF with many short pages."""
    pdf = FPDF()
    pdf.set_font("Helvetica", "", 11)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Page text {number + 1}")
    out = Path(path)
    pdf.output(str(out))
    return out


def zip_not_docx(path: Path | str) -> Path:
    """A zip archive that is not a Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "Annual Review letter 2023-24\n")
        archive.writestr("data/figures.csv", "upheld,72\n")
    out = Path(path)
    out.write_bytes(buffer.getvalue())
    return out


def damaged_docx(source: Path | str, path: Path | str) -> Path:
    """A Word document whose main part is not well-formed XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w") as archive:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            archive.writestr(item, data)
    out = Path(path)
    out.write_bytes(buffer.getvalue())
    return out


def lists_and_columns_pdf(path: Path | str) -> Path:
    """One page: a bulleted and a numbered list with hanging indents, two columns of
    text drawn across each other, then a full-width paragraph below the columns."""
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 5.5, "What we found:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    items = [
        (
            "\u2022",
            "The Council delayed its replies to our enquiries in a number of cases, "
            "and we had to chase it more than once before it answered.",
        ),
        ("\u2022", "It did not keep the complainant informed."),
        (
            "1.",
            "We asked the Council to apologise and to review its procedures for "
            "handling complaints about housing repairs within three months.",
        ),
        ("2.", "It agreed to do so."),
    ]
    for marker, text in items:
        y = pdf.get_y()
        pdf.text(22, y + 4.1, _core(marker))
        pdf.set_xy(30, y)
        pdf.multi_cell(150, 5.5, _core(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    top = pdf.get_y()
    ops: list[_Op] = []
    left = "Left column. " + " ".join(f"Left sentence number {n} is here." for n in range(1, 6))
    right = "Right column. " + " ".join(f"Right sentence {n} is there." for n in range(1, 6))
    bottom = max(
        _wrapped(pdf, ops, 20, top, 80, left, "", 10, 5),
        _wrapped(pdf, ops, 110, top, 80, right, "", 10, 5),
    )
    for baseline, x, style, size, text in sorted(ops):
        pdf.set_font("Helvetica", style, size)
        pdf.text(x, baseline, _core(text))
    pdf.set_font("Helvetica", "", 11)
    pdf.set_xy(20, bottom + 6)
    pdf.multi_cell(
        170,
        5.5,
        "A closing paragraph runs across the whole width of the page, under both "
        "columns, and is read after them.",
        align="L",
    )
    out = Path(path)
    pdf.output(str(out))
    return out


# --- PDFs written byte by byte, for files no PDF library would make -------------------


class RawPdf:
    """A PDF assembled from numbered objects: enough to build hostile files by hand.

    Pages use one font, Helvetica, as ``/F1``, optionally with a ToUnicode map
    (``to_unicode``) so that a code can stand for any Unicode text, and may draw
    form XObjects named ``/X0``, ``/X1``... added with ``form``.
    """

    def __init__(self, to_unicode: dict[int, str] | None = None) -> None:
        self.objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree
        self.pages: list[int] = []
        font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding"
        if to_unicode:
            entries = b"".join(
                b"<%02X> <%s>\n" % (code, text.encode("utf-16-be", "surrogatepass").hex().encode())
                for code, text in sorted(to_unicode.items())
            )
            cmap = (
                b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
                b"/CMapName /Hostile def 1 begincodespacerange <00> <FF> endcodespacerange\n"
                + b"%d beginbfchar\n" % len(to_unicode)
                + entries
                + b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
            )
            font += b" /ToUnicode %d 0 R" % self.add_stream(cmap)
        self.font = self.add(font + b" >>")
        self.forms: list[int] = []

    def add(self, body: bytes) -> int:
        self.objects.append(body)
        return len(self.objects)

    def add_stream(self, content: bytes, dictionary: bytes = b"") -> int:
        return self.add(
            b"<< "
            + dictionary
            + b" /Length %d >>\nstream\n" % len(content)
            + content
            + b"\nendstream"
        )

    def _resources(self, forms: list[int]) -> bytes:
        names = b" ".join(b"/X%d %d 0 R" % (n, ref) for n, ref in enumerate(forms))
        xobjects = b" /XObject << " + names + b" >>" if forms else b""
        return b"<< /Font << /F1 %d 0 R >>%s >>" % (self.font, xobjects)

    def form(self, content: bytes, draws: list[int] | None = None) -> int:
        """A form XObject; ``draws`` are the forms it may draw as /X0, /X1..."""
        ref = self.add_stream(
            content,
            b"/Type /XObject /Subtype /Form /BBox [0 0 600 850] /Resources "
            + self._resources(draws or []),
        )
        self.forms.append(ref)
        return ref

    def page(
        self, content: bytes, size: tuple[float, float] = (595, 842), forms: list[int] | None = None
    ) -> None:
        contents = self.add_stream(content)
        self.pages.append(
            self.add(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources %s /Contents %d 0 R >>"
                % (
                    repr(size[0]).encode(),
                    repr(size[1]).encode(),
                    self._resources(forms or []),
                    contents,
                )
            )
        )

    def write(self, path: Path | str) -> Path:
        self.objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
        kids = b" ".join(b"%d 0 R" % ref for ref in self.pages)
        self.objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.pages))
        out = bytearray(b"%PDF-1.7\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(self.objects) + 1,
            xref,
        )
        target = Path(path)
        target.write_bytes(bytes(out))
        return target


def text_ops(lines: list[str], size: float = 11, top: float = 780, left: float = 72) -> bytes:
    """Content-stream operators showing lines of (Windows-1252) text, one under another."""
    ops = [
        b"BT /F1 %s Tf %s TL %s %s Td"
        % (str(size).encode(), str(size * 1.3).encode(), str(left).encode(), str(top).encode())
    ]
    for line in lines:
        escaped = (
            line.encode("cp1252")
            .replace(b"\\", b"\\\\")
            .replace(b"(", b"\\(")
            .replace(b")", b"\\)")
        )
        ops.append(b"(" + escaped + b") Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def outside_bmp_pdf(path: Path | str) -> Path:
    """A letter line whose font maps codes to characters outside the BMP, and to a lone half.

    ``X`` stands for U+1D400 (mathematical bold capital A), ``Y`` for U+1F600 (an
    emoji), and ``Z`` for a high surrogate with no partner (a broken ToUnicode map).
    """
    pdf = RawPdf(to_unicode={ord("X"): "\U0001d400", ord("Y"): "\U0001f600", ord("Z"): "\ud835"})
    pdf.page(text_ops(["Annual Review letter 2023-24", "Grade X and a smile Y and a half Z here."]))
    return pdf.write(path)


def amplifying_pdf(path: Path | str, depth: int = 40) -> Path:
    """A small PDF whose forms each draw the next twice: 2**depth text objects when read."""
    pdf = RawPdf()
    inner = pdf.form(text_ops(["deep"]))
    for _ in range(depth):
        inner = pdf.form(b"/X0 Do /X0 Do", draws=[inner])
    pdf.page(text_ops(["Annual Review letter 2023-24"]) + b"\n/X0 Do", forms=[inner])
    return pdf.write(path)
