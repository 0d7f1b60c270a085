"""Word documents (.docx), read with python-docx.

The text is the body's paragraphs and tables in document order, one line per
paragraph (a line break inside a paragraph starts a new line). A table is read
row by row, each cell's paragraphs (and any table nested in it) on lines of their
own, and a cell merged across columns once. Line N of ``Source.text`` is the Nth
of these lines. Headers, footers, text boxes and comments are page furniture or
asides, not the letter, and are left out; so is hidden text (``w:vanish``, set on
a run or through its style), which Word neither shows nor prints.

The zip is checked before python-docx opens it (number of parts, declared sizes,
compression ratios), so a small file cannot make it decompress gigabytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lgo_check.load import Limits, LoadError

if TYPE_CHECKING:
    from lgo_check.model import Source

#: The main part of a Word document; a zip without it is some other kind of file.
MAIN_PART = "word/document.xml"
#: The XML parts python-docx parses may expand to at most this many bytes in all
#: (a 200-page report's document.xml is a few megabytes).
MAX_XML_BYTES = 25_000_000
#: Other parts (pictures, fonts) may expand to at most this many times the byte limit.
EXPANSION_FACTOR = 3
#: A part of more than 1 MB may expand at most this many times (deflate can reach
#: about 1,000; Word's XML compresses 5-20 times; a zip bomb far more).
MAX_RATIO = 120
#: A Word document has dozens of parts; a zip with thousands is not one.
MAX_PARTS = 2_000
#: Tables inside tables deeper than this are refused.
MAX_TABLE_DEPTH = 16

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_PARTS = (".xml", ".rels")


def _check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip that is not a Word document or whose parts would take too much work.

    Only the zip's directory is read: the sizes it declares bound what python-docx
    decompresses (Python's zip reader stops at the declared size).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise LoadError("Word document is damaged (not a readable zip file)") from None
    if MAIN_PART not in {part.filename for part in parts}:
        raise LoadError(f"not a Word document (a zip file without {MAIN_PART})")
    if len(parts) > MAX_PARTS:
        raise LoadError(f"Word document has {len(parts):,} parts, over the limit of {MAX_PARTS:,}")
    xml = other = 0
    for part in parts:
        if part.flag_bits & 0x1:
            raise LoadError("Word document is encrypted (password-protected)")
        if part.file_size > 1_000_000 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise LoadError(
                f"Word document part {part.filename!r} expands {part.file_size:,} bytes from "
                f"{part.compress_size:,} (a zip bomb?)"
            )
        if part.filename.lower().endswith(_XML_PARTS):
            xml += part.file_size
        else:
            other += part.file_size
    if xml > MAX_XML_BYTES:
        raise LoadError(
            f"Word document's XML expands to {xml:,} bytes, over the limit of {MAX_XML_BYTES:,}"
        )
    if other > EXPANSION_FACTOR * limits.max_bytes:
        raise LoadError(
            f"Word document's pictures and other parts expand to {other:,} bytes, over the "
            f"limit of {EXPANSION_FACTOR * limits.max_bytes:,}"
        )


def _switch(element: Any) -> bool | None:
    """A Word on/off property: None if absent, else whether it is on."""
    if element is None:
        return None
    return element.get(f"{_W}val", "true").lower() not in ("0", "false", "off")


class _Hidden:
    """Which runs are hidden text (``w:vanish``), directly or through their styles."""

    def __init__(self, document: Any) -> None:
        self._styles: dict[str, tuple[str | None, bool | None]] = {}
        self._resolved: dict[str, bool] = {}
        try:
            root = document.styles.element
        except Exception:  # no styles part: nothing hidden by style
            return
        for style in root.iter(f"{_W}style"):
            style_id = style.get(f"{_W}styleId")
            if style_id is None:
                continue
            based = style.find(f"{_W}basedOn")
            vanish = style.find(f"{_W}rPr/{_W}vanish")
            self._styles[style_id] = (
                None if based is None else based.get(f"{_W}val"),
                _switch(vanish),
            )

    def style(self, style_id: str | None) -> bool:
        """Whether a style (or one it is based on) hides its text."""
        chain: list[str] = []
        hidden = False
        while style_id is not None and style_id not in chain and len(chain) < 32:
            if style_id in self._resolved:
                hidden = self._resolved[style_id]
                break
            chain.append(style_id)
            based, vanish = self._styles.get(style_id, (None, None))
            if vanish is not None:
                hidden = vanish
                break
            style_id = based
        for seen in chain:
            self._resolved[seen] = hidden
        return hidden

    def paragraph(self, p: Any) -> bool:
        return self.style(_val(p.find(f"{_W}pPr/{_W}pStyle")))

    def run(self, r: Any, paragraph_hidden: bool) -> bool:
        direct = _switch(r.find(f"{_W}rPr/{_W}vanish"))
        if direct is not None:
            return direct
        style = _val(r.find(f"{_W}rPr/{_W}rStyle"))
        if style is not None and style in self._styles:
            return self.style(style)
        return paragraph_hidden


def _val(element: Any) -> str | None:
    return None if element is None else element.get(f"{_W}val")


class _Reader:
    """The lines of a document: visible text only, in document order, within the time limit."""

    def __init__(self, document: Any, limits: Limits) -> None:
        self.hidden = _Hidden(document)
        self.limits = limits
        self.items = 0
        self.hidden_chars = 0
        # Where each table cell's lines are, so that statistics pair a figure with
        # the label in its row (Source.table_cells): lines so far, tables so far, and
        # (table, row, first line, line after the last) of each cell.
        self.line = 0
        self.tables = 0
        self.cells: list[tuple[int, int, int, int]] = []

    def lines(self, container: Any, depth: int = 0) -> Iterator[str]:
        """The lines of a document body or a table cell, in document order."""
        from docx.table import Table

        for item in container.iter_inner_content():
            self.items += 1
            if self.items % 256 == 0:
                self.limits.check_time("in the Word document")
            if isinstance(item, Table):
                yield from self.table_lines(item, depth + 1)
            else:
                text = self.paragraph_text(item._p)
                if text is not None:
                    self.line += 1 + text.count("\n")
                    yield text

    def table_lines(self, table: Any, depth: int) -> Iterator[str]:
        from docx.table import _Cell

        if depth > MAX_TABLE_DEPTH:
            raise LoadError(f"Word document has tables nested more than {MAX_TABLE_DEPTH} deep")
        # Each cell element once: python-docx's row.cells repeats a cell once per
        # grid column it spans, and a span of a million columns would be a million
        # cells (the cells of one row are its w:tc elements).
        number = self.tables
        self.tables += 1
        for row, tr in enumerate(table._tbl.tr_lst):
            for tc in tr.tc_lst:
                first = self.line
                yield from self.lines(_Cell(tc, table), depth)
                if self.line > first:
                    self.cells.append((number, row, first, self.line))

    def paragraph_text(self, p: Any) -> str | None:
        """The paragraph's text (runs and hyperlinks, as python-docx reads it) minus hidden
        runs; None for a paragraph whose text is all hidden (Word does not show it)."""
        paragraph_hidden = self.hidden.paragraph(p)
        out = []
        hidden_before = self.hidden_chars
        for element in p.xpath("w:r | w:hyperlink"):
            runs = [element] if element.tag == f"{_W}r" else element.xpath("w:r")
            for r in runs:
                text = r.text
                if self.hidden.run(r, paragraph_hidden):
                    self.hidden_chars += len(text)
                else:
                    out.append(text)
        visible = "".join(out)
        if not visible and self.hidden_chars > hidden_before:
            return None
        return visible


class DocxLoader:
    """Word 2007+ documents; other zip files are refused as not a Word document."""

    format = "docx"
    extensions: tuple[str, ...] = (".docx",)

    def sniff(self, head: bytes) -> bool:
        # Any zip: ``load`` tells a Word document from other zip files.
        return head.startswith(b"PK\x03\x04")

    def load(self, path: Path, data: bytes, display: str, limits: Limits) -> Source:
        from lgo_check.model import Source

        _check_zip(data, limits)
        limits.check_time("before the Word document is parsed")
        try:
            import docx

            document = docx.Document(io.BytesIO(data))
            reader = _Reader(document, limits)
            lines = list(reader.lines(document))
        except LoadError:
            raise
        except Exception as exc:  # python-docx raises many kinds on a damaged package
            reason = type(exc).__name__
            raise LoadError(f"Word document is damaged and cannot be read ({reason})") from None
        text = "\n".join(line.replace("\r", "").replace("\f", "") for line in lines)
        if not text.strip():
            raise LoadError("Word document has no text")
        return Source(
            path=display,
            format=self.format,
            text=text,
            table_cells=_cell_offsets(text, reader.cells),
        )


def _cell_offsets(
    text: str, cells: list[tuple[int, int, int, int]]
) -> list[tuple[int, int, int, int]]:
    """Table cells as (table, row, start, end) character offsets in the text."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    return [
        (table, row, starts[first], starts[end] - 1)
        for table, row, first, end in cells
        if end < len(starts)
    ]
