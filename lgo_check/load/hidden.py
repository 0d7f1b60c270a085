"""Hidden HTML: elements a browser does not show are blanked out before anything reads them.

A letter's HTML can hold text no reader sees: an element with the ``hidden``
attribute, or styled ``display: none`` or ``visibility: hidden`` (inline, or by a
simple rule in a ``<style>`` block: ``.class``, ``#id``, ``tag``, ``tag.class``).
Such text is not the letter's: a hidden figure must not change any value. It is
replaced by spaces, keeping line breaks, so every other character keeps its line
and column for findings.

Rules with other selectors (descendants, attributes, pseudo-classes) are not
applied: hiding more than the browser would is as wrong as hiding less.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A cheap test first: most letters have nothing hidden and are not parsed at all.
_MAY_HIDE = re.compile(
    r"\bhidden\b|display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)", re.IGNORECASE
)
_HIDING = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse))\s*(?:!\s*important\s*)?(?:;|$)",
    re.IGNORECASE,
)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_SIMPLE_SELECTOR = re.compile(r"([a-z][a-z0-9]*)?((?:[.#][\w-]+)*)", re.IGNORECASE)
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Elements an opening tag of one of these closes without an end tag.
_IMPLIED_END = {
    "p": {"p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section"},
    "li": {"li"},
    "td": {"td", "th", "tr"},
    "th": {"td", "th", "tr"},
    "tr": {"tr"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "option": {"option"},
}


class _Selectors:
    """The simple selectors of ``<style>`` rules that hide what they match."""

    def __init__(self, text: str) -> None:
        self.compounds: list[tuple[str | None, frozenset[str], frozenset[str]]] = []
        for block in _STYLE_BLOCK.findall(text):
            for selectors, declarations in _RULE.findall(_COMMENT.sub("", block)):
                if not _HIDING.search(declarations.strip()):
                    continue
                for selector in selectors.split(","):
                    match = _SIMPLE_SELECTOR.fullmatch(selector.strip())
                    if not match or not selector.strip():
                        continue  # not a simple selector: not applied
                    tag, rest = match.group(1), match.group(2)
                    parts = re.findall(r"([.#])([\w-]+)", rest)
                    classes = frozenset(name for kind, name in parts if kind == ".")
                    ids = frozenset(name for kind, name in parts if kind == "#")
                    self.compounds.append((tag.lower() if tag else None, classes, ids))

    def hide(self, tag: str, attrs: dict[str, str]) -> bool:
        classes = set(attrs.get("class", "").split())
        element_id = attrs.get("id", "")
        for want_tag, want_classes, want_ids in self.compounds:
            if want_tag is not None and want_tag != tag:
                continue
            if not want_classes <= classes:
                continue
            if want_ids and element_id not in want_ids:
                continue
            return True
        return False


def _hidden_by_itself(attrs: dict[str, str]) -> bool:
    return "hidden" in attrs or bool(_HIDING.search(attrs.get("style", "").strip()))


class _Finder(HTMLParser):
    """Records the [start, end) offsets of hidden elements."""

    def __init__(self, text: str, selectors: _Selectors) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.selectors = selectors
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        #: Open elements: (tag, offset where a hidden one starts, or None).
        self.stack: list[tuple[str, int | None]] = []
        self.ranges: list[tuple[int, int]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _close(self, index: int, end: int) -> None:
        """Close the element at ``index`` of the stack and everything inside it."""
        for _, start in self.stack[index:]:
            if start is not None:
                self.ranges.append((start, end))
        del self.stack[index:]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        raw = self.get_starttag_text() or ""
        while self.stack and tag in _IMPLIED_END.get(self.stack[-1][0], ()):
            self._close(len(self.stack) - 1, start)
        values = {name.lower(): (value or "") for name, value in attrs}
        hidden = _hidden_by_itself(values) or self.selectors.hide(tag, values)
        if tag in _VOID:
            return  # no content to hide
        self.stack.append((tag, start if hidden else None))
        if hidden and raw.endswith("/>"):
            self._close(len(self.stack) - 1, start + len(raw))

    def handle_endtag(self, tag: str) -> None:
        start = self._offset()
        close = self.text.find(">", start)
        end = len(self.text) if close < 0 else close + 1
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                self._close(index, end)
                return

    def close(self) -> None:
        super().close()
        self._close(0, len(self.text))


def blank_hidden(text: str) -> tuple[str, int]:
    """The text with hidden elements replaced by spaces (line breaks kept), and how many
    characters were hidden."""
    if "<" not in text or not _MAY_HIDE.search(text):
        return text, 0
    finder = _Finder(text, _Selectors(text))
    finder.feed(text)
    finder.close()
    if not finder.ranges:
        return text, 0
    # Merge the ranges, then blank each: spaces for everything but line breaks.
    merged: list[list[int]] = []
    for start, end in sorted(finder.ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = []
    position = hidden = 0
    for start, end in merged:
        out.append(text[position:start])
        piece = text[start:end]
        out.append(re.sub(r"[^\r\n\f]", " ", piece))
        hidden += len(piece)
        position = end
    out.append(text[position:])
    return "".join(out), hidden
