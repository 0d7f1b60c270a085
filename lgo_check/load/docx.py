"""Word documents (.docx): the package opened with python-docx, the XML walked here.

python-docx's API skips content controls and tracked changes, so the body is read
from its XML: what Word shows, in document order. Paragraphs and tables, also inside
content controls (``w:sdt``), custom XML, tracked insertions and moves, smart tags,
hyperlinks and simple fields (their result), a complex field's result (never its
instruction), and text boxes, after the paragraph they are anchored in. Deleted text
(``w:del``, ``w:moveFrom``, deleted rows and cells) is not read; headers, footers,
footnotes and comments are page furniture or asides, not the letter. Hidden text
(``w:vanish`` or ``w:specVanish``, set on a run or through its style, which Word
neither shows nor prints, and white text on a white page) is left out, each passage
recorded for the hidden-text rule at the line and column where it stood.

Line N of ``Source.text`` is the Nth line: one per paragraph and line break, and
one per cell of a table of figures. Each paragraph's start is reported
(``Source.paragraph_starts``) as a PDF's gaps are, and each table cell by grid
column (``Source.table_cells``); a table whose grid cannot say whose a figure is
is kept on one line with no cells reported.

The zip is checked before python-docx opens it (number of parts, declared sizes,
compression ratios), so a small file cannot make it decompress gigabytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
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


# --- reading the document's XML ------------------------------------------------------

_P, _TBL, _TR, _TC, _R = (f"{_W}{name}" for name in ("p", "tbl", "tr", "tc", "r"))
_SDT, _SDT_CONTENT, _TEXT_BOX = f"{_W}sdt", f"{_W}sdtContent", f"{_W}txbxContent"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
#: Paragraph content whose children are shown where it stands: tracked insertions and
#: moves, hyperlinks, smart tags, custom XML, simple fields (their children are the
#: field's result; the instruction is an attribute) and bidirectional runs. Anything
#: else (``w:del`` and ``w:moveFrom``, deleted text; bookmarks, proofing marks) is not.
_INLINE_WRAPPERS = frozenset(
    f"{_W}{name}"
    for name in ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple", "bdo", "dir")
)
#: The same around paragraphs, tables, rows and cells (content controls: ``w:sdt``).
_BLOCK_WRAPPERS = frozenset(f"{_W}{name}" for name in ("customXml", "ins", "moveTo"))
#: Run content that draws text boxes: a drawing, a VML picture or object, or the
#: alternate content Word writes around them.
_DRAWINGS = frozenset((f"{_W}drawing", f"{_W}pict", f"{_W}object", f"{_MC}AlternateContent"))
_MATHS = frozenset((f"{_MATH}oMath", f"{_MATH}oMathPara"))
_RUN_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n"}
_RUN_TEXT[f"{_W}noBreakHyphen"] = "-"
#: Word's widest table has 63 columns; a grid wider than that is not a real table's.
MAX_GRID_COLUMNS = 63
#: Content controls, custom XML, text boxes and the like nested deeper than this are refused.
MAX_NESTING = 64
#: A table cell of more words than this is prose, not a label: such a table lays out a page.
MAX_LABEL_WORDS = 12
#: A cell that is a figure and nothing else (as statistics reads a table cell).
_FIGURE = re.compile(r"\s*\d[\d,]*(?:\.\d+)?\s*(?:%|per\s?cent)?\s*", re.IGNORECASE)


@dataclass
class _Para:
    """A paragraph as Word shows it: its visible text ("\\n" where a line breaks)."""

    text: str
    #: Hidden runs: (offset in ``text`` where they stood, how hidden, their text).
    hidden: list[tuple[int, str, str]] = field(default_factory=list)
    #: False for a paragraph Word does not show at all (all hidden, or deleted).
    shown: bool = True


@dataclass
class _Cell:
    #: The first grid column the cell covers, and how many (``w:gridSpan``).
    column: int
    span: int
    #: ``w:vMerge``: "restart", "continue" (covered by the cell above) or None.
    merge: str | None
    blocks: list[_Para | _Table]

    def text(self) -> str:
        """The cell's paragraphs on one line, whitespace collapsed."""
        return " ".join(
            " ".join(b.text.split()) for b in self.blocks if isinstance(b, _Para) and b.shown
        ).strip()


@dataclass
class _Table:
    rows: list[list[_Cell]]
    #: Why no column can be told from the grid (an old-style merge, an impossible width).
    odd: str | None = None


@dataclass
class _Runs:
    """What one paragraph's runs add up to while it is read."""

    boxed: bool  # in a table cell or a text box, which may be shaded behind the text
    shaded: bool
    out: list[str] = field(default_factory=list)
    length: int = 0
    hidden: list[tuple[int, str, list[str]]] = field(default_factory=list)
    boxes: list[_Para | _Table] = field(default_factory=list)


class _Reader:
    """The document as Word shows it: paragraphs and tables, in document order."""

    def __init__(self, document: Any, limits: Limits) -> None:
        self.hidden = _Hidden(document)
        self.limits = limits
        self.items = 0
        self.hidden_chars = 0
        # Complex fields (w:fldChar) may span runs and paragraphs: for each open field,
        # whether its result has begun; text is shown only outside every instruction.
        self.fields: list[bool] = []
        self.instructions = 0

    def _tick(self) -> None:
        self.items += 1
        if self.items % 256 == 0:
            self.limits.check_time("in the Word document")

    def blocks(self, container: Any, depth: int = 0, tables: int = 0) -> list[_Para | _Table]:
        """The paragraphs and tables of a body, cell, text box or content control."""
        if depth > MAX_NESTING:
            raise LoadError(f"Word document's content is nested more than {MAX_NESTING} deep")
        out: list[_Para | _Table] = []
        for child in container.iterchildren():
            tag = child.tag
            if tag == _P:
                out.extend(self.paragraph(child, depth))
            elif tag == _TBL:
                out.append(self.table(child, depth + 1, tables + 1))
            elif tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    out.extend(self.blocks(content, depth + 1, tables))
            elif tag in _BLOCK_WRAPPERS:
                out.extend(self.blocks(child, depth + 1, tables))
            # w:del and w:moveFrom (deleted), w:sectPr, w:altChunk (another part): not read.
        return out

    def table(self, tbl: Any, depth: int, tables: int) -> _Table:
        if tables > MAX_TABLE_DEPTH:
            raise LoadError(f"Word document has tables nested more than {MAX_TABLE_DEPTH} deep")
        table = _Table([])
        for tr in _children(tbl, _TR, depth):
            self._tick()
            if tr.find(f"{_W}trPr/{_W}del") is not None:
                continue  # a row deleted with changes tracked
            column = _number(tr.find(f"{_W}trPr/{_W}gridBefore"), 0)
            cells: list[_Cell] = []
            # Each cell element once: a cell spanning a million columns is one cell.
            for tc in _children(tr, _TC, depth):
                if tc.find(f"{_W}tcPr/{_W}cellDel") is not None:
                    continue
                span = max(1, _number(tc.find(f"{_W}tcPr/{_W}gridSpan"), 1))
                merge = tc.find(f"{_W}tcPr/{_W}vMerge")
                if tc.find(f"{_W}tcPr/{_W}hMerge") is not None:
                    table.odd = "cells merged across columns the old way (w:hMerge)"
                blocks = self.blocks(tc, depth + 1, tables)
                how = None if merge is None else (merge.get(f"{_W}val") or "continue")
                cells.append(_Cell(column, span, how, blocks))
                column += span
            if column > MAX_GRID_COLUMNS:
                table.odd = f"wider than Word's {MAX_GRID_COLUMNS} columns"
            table.rows.append(cells)
        return table

    def paragraph(self, p: Any, depth: int) -> list[_Para | _Table]:
        """The paragraph, then any text boxes drawn in it (their own paragraphs)."""
        self._tick()
        runs = _Runs(
            boxed=bool(p.xpath("ancestor::w:tc or ancestor::w:txbxContent")),
            shaded=self.hidden.paragraph_shaded(p),
        )
        self.inline(p, p, runs, depth)
        visible = "".join(runs.out)
        hidden = [(before, how, "".join(texts)) for before, how, texts in runs.hidden]
        # Word does not show a paragraph whose every run is hidden, nor one whose mark
        # was deleted with changes tracked and that has no text left.
        gone = bool(hidden) or p.find(f"{_W}pPr/{_W}rPr/{_W}del") is not None
        return [_Para(visible, hidden, shown=bool(visible) or not gone), *runs.boxes]

    def inline(self, element: Any, p: Any, runs: _Runs, depth: int) -> None:
        if depth > MAX_NESTING:
            raise LoadError(f"Word document's content is nested more than {MAX_NESTING} deep")
        for child in element.iterchildren():
            tag = child.tag
            if tag == _R:
                self.run(child, p, runs, depth)
            elif tag in _INLINE_WRAPPERS:
                self.inline(child, p, runs, depth + 1)
            elif tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    self.inline(content, p, runs, depth + 1)
            elif tag in _MATHS and not self.instructions:
                self._add(runs, "".join(t.text or "" for t in child.iter(f"{_MATH}t")), None)

    def run(self, r: Any, p: Any, runs: _Runs, depth: int) -> None:
        how = self.hidden.run(r, p, runs.boxed, runs.shaded)
        text: list[str] = []
        for child in r.iterchildren():
            tag = child.tag
            if tag == f"{_W}fldChar":
                self._field(child.get(f"{_W}fldCharType"))
            elif self.instructions:
                continue  # a field's instruction (w:instrText), not what Word shows
            elif tag == f"{_W}t":
                text.append(child.text or "")
            elif tag in _RUN_TEXT:
                text.append(_RUN_TEXT[tag])
            elif tag == f"{_W}sym":
                text.append(_symbol(child.get(f"{_W}char")))
            elif tag in _DRAWINGS:
                for box in _text_boxes(child):
                    if how is None:
                        runs.boxes.extend(self.blocks(box, depth + 1))
                    else:  # a text box anchored in hidden text is hidden with it
                        text.append(" ".join("".join(box.itertext()).split()))
            # w:delText and w:delInstrText: deleted text, not shown.
        self._add(runs, "".join(text), how)

    def _field(self, kind: str | None) -> None:
        if kind == "begin":
            self.fields.append(False)
            self.instructions += 1
        elif kind == "separate" and self.fields and not self.fields[-1]:
            self.fields[-1] = True
            self.instructions -= 1
        elif kind == "end" and self.fields and not self.fields.pop():
            self.instructions -= 1

    def _add(self, runs: _Runs, text: str, how: str | None) -> None:
        # Carriage returns and form feeds are not line breaks Word shows.
        text = text.replace("\r", "").replace("\f", "")
        if not text:
            return
        if how is None:
            runs.out.append(text)
            runs.length += len(text)
            return
        self.hidden_chars += len(text)
        if runs.hidden and runs.hidden[-1][1] == how and runs.hidden[-1][0] == runs.length:
            runs.hidden[-1][2].append(text)
        else:
            runs.hidden.append((runs.length, how, [text]))


def _children(parent: Any, tag: str, depth: int) -> Iterator[Any]:
    """``parent``'s rows or cells (``tag``), also those inside content controls and
    custom XML; deleted ones (w:del, w:moveFrom) are not among them."""
    if depth > MAX_NESTING:
        raise LoadError(f"Word document's content is nested more than {MAX_NESTING} deep")
    for child in parent.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag, depth + 1)
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _children(child, tag, depth + 1)


def _number(element: Any, default: int) -> int:
    """A whole-number ``w:val`` (a span, a count of grid columns), or ``default``."""
    value = _val(element)
    if value is None or not (value.isascii() and value.strip().isdigit()):
        return default
    return int(value) if len(value) < 10 else 10**9


def _symbol(code: str | None) -> str:
    """A ``w:sym`` character; one from a symbol font's private range is shown as a
    glyph of that font, which is not text."""
    try:
        character = chr(int(code or "", 16))
    except (ValueError, OverflowError):
        return ""
    return "" if "\ue000" <= character <= "\uf8ff" else character


def _text_boxes(element: Any) -> list[Any]:
    """The text boxes (``w:txbxContent``) a drawing holds, each once.

    Word writes a text box twice, as a drawing (``mc:Choice``) and as a VML picture
    for older readers (``mc:Fallback``): only the first is read. A box inside a box is
    read with the outer box's paragraphs, not here.
    """
    if element.tag == f"{_MC}AlternateContent":
        chosen = element.find(f"{_MC}Choice")
        element = chosen if chosen is not None else element.find(f"{_MC}Fallback")
        if element is None:
            return []
    boxes = []
    for box in element.iter(_TEXT_BOX):
        parent = box.getparent()
        while parent is not None and parent is not element:
            if parent.tag == _TEXT_BOX or (
                parent.tag == f"{_MC}Fallback"
                and parent.getparent().find(f"{_MC}Choice") is not None
            ):
                break
            parent = parent.getparent()
        else:
            boxes.append(box)
    return boxes


# --- laying the document out as lines ---------------------------------------------------


class _Layout:
    """The lines of ``Source.text``, and what the loader reports beside them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.offset = 0  # where the next line starts
        #: Hidden text: (line, column where it stood in the visible text, how, text).
        self.passages: list[tuple[int, int, str, str]] = []
        #: (table, row, start, end) of each cell, as offsets (Source.table_cells).
        self.cells: list[tuple[int, int, int, int]] = []
        #: Offsets of lines that start a paragraph (Source.paragraph_starts).
        self.paragraphs: list[int] = []
        self.tables = 0

    def line(self, text: str) -> int:
        start = self.offset
        self.lines.append(text)
        self.offset += len(text) + 1
        return start

    def blocks(self, blocks: list[_Para | _Table]) -> None:
        for block in blocks:
            if isinstance(block, _Table):
                self.table(block)
            else:
                self.para(block)

    def para(self, para: _Para) -> None:
        number = len(self.lines) + 1
        if not para.shown:
            # A paragraph Word does not show: its hidden text is placed where the next
            # line starts.
            self.passages.extend((number, 1, how, text) for _, how, text in para.hidden)
            return
        for before, how, text in para.hidden:
            shown = para.text[:before]
            column = before - (shown.rfind("\n") + 1) + 1
            self.passages.append((number + shown.count("\n"), column, how, text))
        self.paragraphs.append(self.offset)
        for piece in para.text.split("\n"):
            self.line(piece)

    def table(self, table: _Table) -> None:
        number = self.tables
        self.tables += 1
        texts = [[cell.text() for cell in row] for row in table.rows]
        figures = _figures_table(table, texts)
        why = _ambiguous(table, texts, figures)
        if figures and why:
            self._one_line(table, texts)
        elif figures:
            self._figure_rows(number, table, texts)
        else:
            self._layout_rows(number, table, texts, registered=why is None)

    def _one_line(self, table: _Table, texts: list[list[str]]) -> None:
        """A table of figures whose rows and columns cannot be told apart: on one line,
        so that no figure is read beside a label that is not its own."""
        number = len(self.lines) + 1
        pieces: list[str] = []
        length = 0
        for row in table.rows:
            for cell in row:
                for block in cell.blocks:
                    if not isinstance(block, _Para):
                        continue
                    if not block.shown or not block.text.strip():
                        self.passages.extend(
                            (number, length + 1, how, text) for _, how, text in block.hidden
                        )
                        continue
                    text = block.text.replace("\n", " ").replace("\t", " ")
                    if pieces:
                        pieces.append(" ")
                        length += 1
                    self.passages.extend(
                        (number, length + before + 1, how, hidden)
                        for before, how, hidden in block.hidden
                    )
                    pieces.append(text)
                    length += len(text)
        self.paragraphs.append(self.offset)
        self.line("".join(pieces))

    def _figure_rows(self, number: int, table: _Table, texts: list[list[str]]) -> None:
        """A table of short labels and figures: each cell on one line, and each row
        of two or more cells (empty ones too: a header's empty corner) reported by grid
        column, so statistics pairs a figure with its row's label and its column's
        heading. A row of one cell (a title across the table) is a line of its own."""
        for r, row in enumerate(table.rows):
            filled = [cell for cell, text in zip(row, texts[r], strict=True) if text]
            registered = len(row) > 1
            column = 0
            for cell, text in zip(row, texts[r], strict=True):
                if not text:
                    continue
                self._hidden_in_cell(cell)
                if registered:
                    # Columns before this cell that no filled cell covers: empty cells.
                    self.cells.extend(
                        (number, r, self.offset, self.offset) for _ in range(column, cell.column)
                    )
                if cell is filled[0] or not registered:
                    self.paragraphs.append(self.offset)
                start = self.line(text)
                if registered:
                    self.cells.append((number, r, start, start + len(text)))
                    end = start + len(text)
                    self.cells.extend((number, r, end, end) for _ in range(cell.span - 1))
                column = cell.column + cell.span
            if registered and filled:
                # Empty cells after the last one with text: a column with no heading.
                last = row[-1].column + row[-1].span
                end = self.offset - 1
                self.cells.extend((number, r, end, end) for _ in range(column, last))

    def _hidden_in_cell(self, cell: _Cell) -> None:
        """Hidden runs of a cell laid out on one line (its paragraphs joined by spaces)."""
        number = len(self.lines) + 1
        length = 0
        for block in cell.blocks:
            if not isinstance(block, _Para):
                continue
            if block.shown and block.text.strip():
                collapsed = " ".join(block.text.split())
                lead = len(block.text) - len(block.text.lstrip())
                self.passages.extend(
                    (number, length + max(0, min(before - lead, len(collapsed))) + 1, how, hidden)
                    for before, how, hidden in block.hidden
                )
                length += len(collapsed) + 1
            else:
                self.passages.extend((number, length + 1, how, t) for _, how, t in block.hidden)

    def _layout_rows(
        self, number: int, table: _Table, texts: list[list[str]], registered: bool
    ) -> None:
        """A table that lays out text: each cell's paragraphs (and tables) on lines of
        their own; rows reported by grid column unless the grid cannot be read."""
        for r, row in enumerate(table.rows):
            register = registered and len(row) > 1
            column = 0
            for cell in row:
                if register:
                    self.cells.extend(
                        (number, r, self.offset, self.offset) for _ in range(column, cell.column)
                    )
                first = self.offset
                self.blocks(cell.blocks)
                if register:
                    end = max(first, self.offset - 1)
                    self.cells.append((number, r, first, end))
                    self.cells.extend((number, r, end, end) for _ in range(cell.span - 1))
                column = cell.column + cell.span


def _figures_table(table: _Table, texts: list[list[str]]) -> bool:
    """Whether a table holds figures beside short labels (not prose, no tables in it)."""
    has_figure = False
    for row, row_texts in zip(table.rows, texts, strict=True):
        filled = [text for text in row_texts if text]
        for cell, text in zip(row, row_texts, strict=True):
            if any(isinstance(block, _Table) for block in cell.blocks):
                return False
            if len(filled) > 1 and len(text.split()) > MAX_LABEL_WORDS:
                return False
            has_figure = has_figure or bool(_FIGURE.fullmatch(text))
    return has_figure


def _ambiguous(table: _Table, texts: list[list[str]], figures: bool) -> str | None:
    """Why the table's rows and columns cannot be paired, or None if they can."""
    if table.odd:
        return table.odd
    merged: dict[int, bool] = {}  # grid column -> the cell merged down over it has text
    starts = [0] * (MAX_GRID_COLUMNS + 1)  # filled cells (in rows of several) per column
    for row, row_texts in zip(table.rows, texts, strict=True):
        for cell, text in zip(row, row_texts, strict=True):
            if cell.merge == "continue":
                if merged.get(cell.column):
                    return "a cell is merged down over several rows (w:vMerge)"
            else:
                merged[cell.column] = bool(text)
        if len(row) > 1:
            for cell, text in zip(row, row_texts, strict=True):
                if text:
                    starts[cell.column] += 1
    for row, row_texts in zip(table.rows, texts, strict=True):
        is_figure = [bool(_FIGURE.fullmatch(text)) for text in row_texts]
        if (
            figures
            and any(is_figure)
            and all(f or not t for f, t in zip(is_figure, row_texts, strict=True))
        ):
            return "a figure has no label in its row"
        if len(row) < 2:
            continue
        for cell, text, figure in zip(row, row_texts, is_figure, strict=True):
            # A heading or a figure over several columns that other rows split: whose
            # column each figure is cannot be told (a label may span columns).
            if text and cell.span > 1 and (figure or not any(is_figure)):
                inside = range(cell.column + 1, min(cell.column + cell.span, MAX_GRID_COLUMNS + 1))
                if any(starts[k] for k in inside):
                    return "a cell spans columns that other rows split (w:gridSpan)"
    return None


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
            blocks = _Reader(document, limits).blocks(document.element.body)
        except LoadError:
            raise
        except Exception as exc:  # python-docx raises many kinds on a damaged package
            reason = type(exc).__name__
            raise LoadError(f"Word document is damaged and cannot be read ({reason})") from None
        layout = _Layout()
        layout.blocks(blocks)
        text = "\n".join(layout.lines)
        if not text.strip():
            raise LoadError("Word document has no text")
        return Source(
            path=display,
            format=self.format,
            text=text,
            table_cells=layout.cells,
            hidden_text=_hidden_text(text, layout.passages),
            paragraph_starts=layout.paragraphs,
        )


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
