"""Plain text, Markdown and HTML: decode bytes to text; markup is the normaliser's job."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import TYPE_CHECKING

from lgo_check.load import Limits, LoadError

if TYPE_CHECKING:
    from lgo_check.load.hidden import HiddenPassage
    from lgo_check.model import HiddenText, Source


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; else line by line, UTF-8 or cp1252.

    A file that is UTF-8 except for a line typed or pasted in Windows-1252 (a
    curly apostrophe as byte 0x92) is decoded line by line, each line as UTF-8 if
    it is and as Windows-1252 if not, so one stray byte never turns the whole
    letter into mojibake. Bytes that are neither are refused, never guessed.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"invalid UTF-16 at byte {exc.start}") from None
    if b"\x00" in data[:4096]:
        raise LoadError("binary data, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError as utf8_error:
            try:
                lines.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                raise LoadError(
                    f"undecodable bytes on line {number}: not UTF-8 (byte "
                    f"{utf8_error.start + 1} of the line) and not Windows-1252"
                ) from None
    return "\n".join(lines)


#: C0 controls other than tab, line feed, form feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


def _control_ratio(text: str) -> float:
    sample = text[:4096]
    return len(_CONTROL.findall(sample)) / max(1, len(sample))


class TextLoader:
    """Plain text and Markdown, including extractions with HTML fragments in them."""

    format = "text"
    extensions: tuple[str, ...] = (".txt", ".text")
    html_document = False

    def sniff(self, head: bytes) -> bool:
        return False

    def load(self, path: Path, data: bytes, display: str, limits: Limits) -> Source:
        from lgo_check.model import Source

        # Hidden HTML (display: none, hidden, visibility: hidden, ...) is not the letter's.
        decoded = decode(data)
        text, passages = decoded, []
        if "<" in decoded:
            # Without a tag nothing can be hidden (find_hidden says so at once); its
            # HTML and CSS parsers are imported only for a text that has one.
            from lgo_check.load.hidden import find_hidden

            hidden = find_hidden(decoded, limits.check_time)
            text, passages = hidden.text, hidden.passages
        if not text.strip():
            raise LoadError("file is empty (only whitespace)")
        if _control_ratio(text) > 0.05:
            raise LoadError("binary data, not text (too many control characters)")
        return Source(
            path=display,
            format=self.format,
            text=text,
            html_document=self.html_document,
            hidden_text=hidden_text(decoded, passages),
        )


def hidden_text(text: str, passages: list[HiddenPassage]) -> list[HiddenText]:
    """The hidden passages, placed by line and column in the source."""
    from lgo_check.model import HiddenText, Span
    from lgo_check.normalise import LineIndex

    if not passages:
        return []
    index = LineIndex(text)
    found = []
    for passage in passages:
        _, line, column = index.position(passage.start)
        _, end_line, end_column = index.position(max(passage.start, passage.end - 1))
        span = Span(line=line, column=column, end_line=end_line, end_column=end_column + 1)
        found.append(
            HiddenText(how=passage.how, excerpt=passage.excerpt, decided=passage.decided, span=span)
        )
    return found


class MarkdownLoader(TextLoader):
    format = "markdown"
    extensions: tuple[str, ...] = (".md", ".markdown")


class HtmlLoader(TextLoader):
    """A whole HTML page (head, scripts and styles are not letter text) or a fragment."""

    format = "html"
    extensions: tuple[str, ...] = (".html", ".htm", ".xhtml")
    html_document = True

    def sniff(self, head: bytes) -> bool:
        return head.lstrip().lower().startswith((b"<!doctype", b"<html"))
