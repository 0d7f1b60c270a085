"""Word documents (.docx), read with python-docx.

The text is the body's paragraphs and tables in document order, one line per
paragraph (a line break inside a paragraph starts a new line). A table is read
row by row, each cell's paragraphs (and any table nested in it) on lines of their
own, and a cell merged across columns once. Line N of ``Source.text`` is the Nth
of these lines. Headers, footers, text boxes and comments are page furniture or
asides, not the letter, and are left out; so is hidden text (``w:vanish`` or
``w:specVanish``, set on a run or through its style, which Word neither shows nor
prints, and white text on a white page), each passage recorded for the hidden-text
rule at the line and column where it stood.

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
    from lgo_check.model import HiddenText, Source

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
    """Which runs are hidden, directly or through their styles, and how.

    Hidden text (``w:vanish``) and ``w:specVanish`` are never shown or printed.
    White text (``w:color`` FFFFFF) is unseen on a white page, so it counts as hidden
    only where nothing behind it can be coloured: outside tables (a table style can
    shade a cell), with no shading or highlight on the run or its paragraph, and no
    page colour. ``w:webHidden`` hides text only in Word's web view: printed and in
    the normal views it shows, so it is read as the letter's.
    """

    def __init__(self, document: Any) -> None:
        self._styles: dict[str, tuple[str | None, Any]] = {}
        self._defaults: Any = None
        background = document.element.find(f"{_W}background")
        colour = None if background is None else background.get(f"{_W}color", "")
        self.page_is_white = colour is None or colour.upper() in ("FFFFFF", "AUTO", "")
        try:
            root = document.styles.element
        except Exception:  # no styles part: nothing hidden by style
            return
        self._defaults = root.find(f"{_W}docDefaults/{_W}rPrDefault")
        for style in root.iter(f"{_W}style"):
            style_id = style.get(f"{_W}styleId")
            if style_id is None:
                continue
            based = style.find(f"{_W}basedOn")
            self._styles[style_id] = (None if based is None else based.get(f"{_W}val"), style)

    def _from_style(self, style_id: str | None, path: str) -> tuple[Any, str | None]:
        """The element at ``path`` in a style or the first style it is based on that has
        it, and that style's id."""
        seen: list[str] = []
        while style_id is not None and style_id not in seen and len(seen) < 32:
            seen.append(style_id)
            based, style = self._styles.get(style_id, (None, None))
            if style is None:
                break
            found = style.find(path)
            if found is not None:
                # Named as Word shows it ("Draft note"), not by its id ("Draftnote").
                return found, _val(style.find(f"{_W}name")) or style_id
            style_id = based
        return None, None

    def _property(self, r: Any, paragraph_style: str | None, name: str) -> tuple[Any, str] | None:
        """A run property (``w:vanish``, ``w:color``...) and where it was set."""
        direct = r.find(f"{_W}rPr/{_W}{name}")
        if direct is not None:
            return direct, "on the run"
        path = f"{_W}rPr/{_W}{name}"
        found, style = self._from_style(_val(r.find(f"{_W}rPr/{_W}rStyle")), path)
        if found is not None:
            return found, f"in the style `{style}`"
        found, style = self._from_style(paragraph_style, path)
        if found is not None:
            return found, f"in the paragraph style `{style}`"
        if self._defaults is not None:
            found = self._defaults.find(path)
            if found is not None:
                return found, "in the document's defaults"
        return None

    def paragraph_shaded(self, p: Any) -> bool:
        shading = p.find(f"{_W}pPr/{_W}shd")
        if shading is None:
            shading, _ = self._from_style(_val(p.find(f"{_W}pPr/{_W}pStyle")), f"{_W}pPr/{_W}shd")
        return _fills(shading)

    def run(self, r: Any, p: Any, in_table: bool, shaded: bool) -> str | None:
        """How the run is hidden, or None if it is seen."""
        paragraph_style = _val(p.find(f"{_W}pPr/{_W}pStyle"))
        for name in ("vanish", "specVanish"):
            found = self._property(r, paragraph_style, name)
            if found is not None and _switch(found[0]):
                return f"Word's hidden-text setting (`w:{name}` {found[1]})"
        if in_table or shaded or not self.page_is_white:
            return None
        found = self._property(r, paragraph_style, "color")
        if found is None or (found[0].get(f"{_W}val") or "").upper() != "FFFFFF":
            return None
        if _fills(r.find(f"{_W}rPr/{_W}shd")):
            return None
        highlight = _val(r.find(f"{_W}rPr/{_W}highlight"))
        if highlight not in (None, "none", "white"):
            return None
        return f"white text on a white page (`w:color` FFFFFF {found[1]})"


def _fills(shading: Any) -> bool:
    """Whether a ``w:shd`` colours what is behind the text (not none, auto or white)."""
    if shading is None:
        return False
    fill = (shading.get(f"{_W}fill") or "auto").upper()
    pattern = (shading.get(f"{_W}val") or "clear").lower()
    return fill not in ("AUTO", "FFFFFF") or pattern not in ("clear", "nil")


def _val(element: Any) -> str | None:
    return None if element is None else element.get(f"{_W}val")


class _Reader:
    """The lines of a document: visible text only, in document order, within the time limit."""

    def __init__(self, document: Any, limits: Limits) -> None:
        self.hidden = _Hidden(document)
        self.limits = limits
        self.items = 0
        self.hidden_chars = 0
        #: Hidden text: (line, column where it stood in the visible text, how, text).
        self.passages: list[tuple[int, int, str, str]] = []
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
        in_table = bool(p.xpath("ancestor::w:tc"))
        shaded = self.hidden.paragraph_shaded(p)
        out: list[str] = []
        found: list[tuple[int, str, list[str]]] = []  # (visible length before, how, texts)
        for element in p.xpath("w:r | w:hyperlink"):
            runs = [element] if element.tag == f"{_W}r" else element.xpath("w:r")
            for r in runs:
                text = r.text
                how = self.hidden.run(r, p, in_table, shaded)
                if how is None:
                    out.append(text)
                    continue
                self.hidden_chars += len(text)
                before = sum(len(piece) for piece in out)
                if found and found[-1][1] == how and found[-1][0] == before:
                    found[-1][2].append(text)
                else:
                    found.append((before, how, [text]))
        visible = "".join(out)
        for before, how, texts in found:
            shown = visible[:before]
            line = self.line + 1 + shown.count("\n")
            column = before - (shown.rfind("\n") + 1) + 1
            self.passages.append((line, column, how, "".join(texts)))
        if not visible and found:
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
            hidden_text=_hidden_text(text, reader.passages),
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


def _hidden_text(text: str, passages: list[tuple[int, int, str, str]]) -> list[HiddenText]:
    """Hidden runs as the hidden-text rule reports them: at the line and column where they
    stood in the visible text (a wholly hidden paragraph: the start of the line after it)."""
    from lgo_check.load.hidden import MAX_LISTED, excerpt_of
    from lgo_check.model import HiddenText, Span

    lines = text.split("\n")
    found = []
    listed = [p for p in passages if any(ch.isalnum() for ch in p[3])]
    for line, column, how, hidden in listed[:MAX_LISTED]:
        if line > len(lines):  # hidden at the very end: after the last line
            line, column = len(lines), len(lines[-1]) + 1
        span = Span(line=line, column=column, end_line=line, end_column=column)
        found.append(HiddenText(how=how, excerpt=excerpt_of(hidden), span=span))
    if len(listed) > MAX_LISTED:
        last = found[-1]
        more = len(listed) - MAX_LISTED
        found.append(
            HiddenText(how=f"{more:,} more hidden passages, not listed one by one", span=last.span)
        )
    return found
