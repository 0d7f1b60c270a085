"""Word documents (.docx), read with python-docx.

The text is the body's paragraphs and tables in document order, one line per
paragraph (a line break inside a paragraph starts a new line). A table is read
row by row, each cell's paragraphs (and any table nested in it) on lines of their
own, and a cell merged across columns once. Line N of ``Source.text`` is the Nth
of these lines. Headers, footers, text boxes and comments are page furniture or
asides, not the letter, and are left out.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lgo_check.load import Limits, LoadError
from lgo_check.model import Source

#: The main part of a Word document; a zip without it is some other kind of file.
MAIN_PART = "word/document.xml"
#: Refuse a document whose parts expand to more than this many times the byte limit.
EXPANSION_FACTOR = 20


def _lines(container: Any) -> Iterator[str]:
    """The lines of a document body or a table cell, in document order."""
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            yield from _table_lines(item)
        else:
            yield item.text


def _table_lines(table: Any) -> Iterator[str]:
    for row in table.rows:
        seen: set[int] = set()
        for cell in row.cells:
            # A cell merged across columns is listed once per column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            yield from _lines(cell)


class DocxLoader:
    """Word 2007+ documents; other zip files are refused as not a Word document."""

    format = "docx"
    extensions: tuple[str, ...] = (".docx",)

    def sniff(self, head: bytes) -> bool:
        # Any zip: ``load`` tells a Word document from other zip files.
        return head.startswith(b"PK\x03\x04")

    def load(self, path: Path, data: bytes, display: str, limits: Limits) -> Source:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                expanded = sum(item.file_size for item in archive.infolist())
        except (zipfile.BadZipFile, EOFError, ValueError):
            raise LoadError("Word document is damaged (not a readable zip file)") from None
        if MAIN_PART not in names:
            raise LoadError(f"not a Word document (a zip file without {MAIN_PART})")
        if expanded > EXPANSION_FACTOR * limits.max_bytes:
            raise LoadError(
                f"Word document expands to {expanded:,} bytes, over the limit of "
                f"{EXPANSION_FACTOR * limits.max_bytes:,}"
            )
        try:
            import docx

            document = docx.Document(io.BytesIO(data))
            lines = list(_lines(document))
        except Exception as exc:  # python-docx raises many kinds on a damaged package
            reason = type(exc).__name__
            raise LoadError(f"Word document is damaged and cannot be read ({reason})") from None
        text = "\n".join(line.replace("\r", "").replace("\f", "") for line in lines)
        if not text.strip():
            raise LoadError("Word document has no text")
        return Source(path=display, format=self.format, text=text)
