"""Hidden HTML: what a browser does not show is blanked out before anything reads it.

A letter's HTML can hold text no reader sees. Such text is not the letter's: a
hidden figure must not change any value. It is replaced by spaces, keeping line
breaks, so every other character keeps its line and column for findings, and
each hidden passage is recorded (where, how, an excerpt) for the hidden-text rule.

What hides text here is what hides it in a browser, decided by the CSS cascade:

* ``display: none`` (and the ``hidden`` attribute, which a page's CSS may
  override): the element, tags and all, is left out, as a browser leaves out its box;
* ``visibility: hidden`` or ``collapse`` (inherited; a child may set ``visible``),
  ``opacity: 0``, a zero font size, and text in the colour of its background
  (``transparent``, or exactly the colour of the nearest background set on it or
  an ancestor, white when none is): the text is blanked and the tags stay;
* ``<template>`` (never shown), ``<script>`` and ``<style>`` (code, not text).

Declarations come from ``style`` attributes and ``<style>`` blocks, read with
tinycss2 (comments, ``!important``, shorthands, case); selectors of any kind
(classes, ids, attributes, descendant and child combinators, pseudo-classes) are
matched with cssselect on a tree built from the page, and the cascade orders them
by importance, origin, specificity and order, as a browser does. The page is
parsed with Python's own HTML parser, so every element keeps its offsets.

What cannot be decided is reported as such, never guessed: an external
stylesheet (``<link rel="stylesheet">``, ``@import``), a rule under ``@media``
for some screens only or ``@supports``, a selector cssselect cannot evaluate.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import cssselect
import tinycss2
import tinycss2.color3
from lxml import etree

#: A cheap test first: a text with none of these cannot hide anything and is not parsed.
_MAY_HIDE = re.compile(
    r"<(?:style|link|template|script)\b|\b(?:style|color)\s*=|\bhidden\b", re.IGNORECASE
)
#: At most this many hidden passages are listed one by one; the rest are counted.
MAX_LISTED = 20
#: At most this many selectors are matched against a page (each walks the whole tree).
MAX_SELECTORS = 5_000
#: Elements nest at most this deep in the tree, as in Chromium's parser: deeper ones
#: are attached at this depth (and inserting under a deeper parent costs lxml its depth).
MAX_DEPTH = 512
#: Selectors with more combinators than this are not evaluated (each step walks the tree).
MAX_COMBINATORS = 16
#: Elements visited, at most, in matching all of a page's selectors (a few seconds):
#: a selector visits each element once, and each descendant step each element's
#: ancestors once more. Past it the remaining rules are reported as not applied.
MAX_VISITS = 10_000_000
#: Selectors that compare siblings (:nth-child, ~, +) walk every sibling of every element;
#: on pages with more elements than this they are reported as undecided, not evaluated.
MAX_ELEMENTS_FOR_SIBLINGS = 2_000
EXCERPT_CHARS = 80

_VOID = frozenset(
    {
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
    }
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
#: The properties that decide whether text is seen.
_PROPERTIES = frozenset(
    {
        "display",
        "visibility",
        "opacity",
        "font-size",
        "font",
        "color",
        "background",
        "background-color",
        "background-image",
    }
)
#: Elements the browser's own stylesheet hides; code in script and style is not
#: reported as hidden text (it never was text).
_UA_HIDDEN = frozenset(["template", "script", "style"])
_CODE = frozenset(["script", "style"])
_FONT_SIZE_KEYWORDS = frozenset(
    {
        "xx-small",
        "x-small",
        "small",
        "medium",
        "large",
        "x-large",
        "xx-large",
        "xxx-large",
        "smaller",
        "larger",
    }
)
_RELATIVE_UNITS = frozenset(["em", "ex", "ch", "cap", "ic", "lh", "%"])
_XML_UNSAFE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: A ``<`` that opens nothing: a markup opening with no end after it anywhere.
_DEAD_OPENINGS = re.compile(r"<!--|<!\[|<")
_WHITE = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class HiddenPassage:
    """Hidden text at ``[start, end)`` of the source, or (``decided`` false) something
    that makes it impossible to tell what is hidden."""

    start: int
    end: int
    how: str
    excerpt: str = ""
    decided: bool = True


@dataclass
class HiddenResult:
    #: The text with hidden parts replaced by spaces (line breaks kept).
    text: str
    passages: list[HiddenPassage] = field(default_factory=list)
    #: How many characters were blanked.
    hidden_chars: int = 0


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    parent: int
    start: int
    end: int = -1


@dataclass(frozen=True)
class _Declared:
    """A declaration that reached an element, and its place in the cascade."""

    rank: tuple[int, tuple[int, int, int], int]
    value: list[Any]
    origin: str


class _Tree(HTMLParser):
    """The page's elements (with source offsets) as an lxml tree, its text runs, its
    style blocks and external stylesheets."""

    def __init__(self, text: str, check_time: Callable[[str], None]) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.check_time = check_time
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.root = etree.Element("lgo-document")
        self.nodes = [_Node("lgo-document", {}, -1, 0)]
        self.elements: list[Any] = [self.root]
        #: Each element's node (lxml hands back the same object while one is kept).
        self.index_of: dict[Any, int] = {self.root: 0}
        self.stack: list[int] = [0]
        #: How many elements of each tag are open: an end tag with none open is
        #: skipped at once, never searched for down a deep stack.
        self.open_tags: dict[str, int] = {}
        #: The sum of every element's depth: what one descendant step may visit at most.
        self.depth_sum = 0
        #: Text runs: (start, end, node).
        self.runs: list[tuple[int, int, int]] = []
        self._run: tuple[int, int] | None = None
        #: (node, start of its content) of each <style> element.
        self.style_blocks: list[tuple[int, int]] = []
        self.external: list[tuple[int, int, str]] = []
        self.events = 0

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _event(self) -> int:
        """The offset of the current event; ends the text run before it."""
        offset = self._offset()
        if self._run is not None:
            start, node = self._run
            if offset > start:
                self.runs.append((start, offset, node))
            self._run = None
        self.events += 1
        if self.events % 4096 == 0:
            self.check_time("while reading the HTML")
        return offset

    def _close(self, depth: int, end: int) -> None:
        for index in self.stack[depth:]:
            node = self.nodes[index]
            node.end = end
            self.open_tags[node.tag] = self.open_tags.get(node.tag, 1) - 1
        del self.stack[depth:]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._event()
        raw = self.get_starttag_text() or ""
        while len(self.stack) > 1 and tag in _IMPLIED_END.get(self.nodes[self.stack[-1]].tag, ()):
            self._close(len(self.stack) - 1, start)
        values = {name.lower(): (value or "") for name, value in attrs}
        index = len(self.nodes)
        parent = self.stack[min(len(self.stack), MAX_DEPTH) - 1]
        element = _element(self.elements[parent], tag, values)
        self.index_of[element] = index
        self.nodes.append(_Node(tag, values, parent, start))
        self.elements.append(element)
        self.depth_sum += min(len(self.stack), MAX_DEPTH)
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self.external.append((start, start + len(raw), values.get("href", "")))
        if tag in _VOID:
            self.nodes[index].end = start + len(raw)
            return
        self.stack.append(index)
        self.open_tags[tag] = self.open_tags.get(tag, 0) + 1
        if tag == "style":
            self.style_blocks.append((index, start + len(raw)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.nodes[self.stack[-1]].tag == tag:
            self._close(len(self.stack) - 1, self._offset() + len(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        start = self._event()
        close = self.text.find(">", start)
        end = len(self.text) if close < 0 else close + 1
        if not self.open_tags.get(tag):
            return  # nothing of the kind is open: the browser ignores it too
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.nodes[self.stack[depth]].tag == tag:
                self._close(depth, end)
                return

    def handle_data(self, data: str) -> None:
        start = self._event()
        self._run = (start, self.stack[-1])

    def handle_comment(self, data: str) -> None:
        self._event()

    def handle_decl(self, decl: str) -> None:
        self._event()

    def handle_pi(self, data: str) -> None:
        self._event()

    def unknown_decl(self, data: str) -> None:
        self._event()

    def close(self) -> None:
        super().close()
        end = len(self.text)
        if self._run is not None:
            start, node = self._run
            if end > start:
                self.runs.append((start, end, node))
            self._run = None
        self._close(0, end)

    def css_of(self, node: int, content_start: int) -> str:
        end = self.nodes[node].end
        close = self.text.rfind("<", content_start, end)
        return self.text[content_start : close if close >= 0 else end]


def _element(parent: Any, tag: str, attrs: dict[str, str]) -> Any:
    """A child element for the tree; names XML cannot hold are kept out, never fatal."""
    try:
        element = etree.SubElement(parent, tag)
    except ValueError:
        element = etree.SubElement(parent, "lgo-unnamed")
    for name, value in attrs.items():
        try:
            element.set(name, _XML_UNSAFE.sub("", value))
        except ValueError:
            continue  # an attribute name XML cannot hold: no selector matches it anyway
    return element


class _Translator(cssselect.HTMLTranslator):
    """CSS selectors as XPath over the page's tree, with the page at rest: no element is
    hovered, focused or targeted, so a rule for those states matches nothing."""

    def xpath_root_pseudo(self, xpath: Any) -> Any:
        # The page's top elements hang from the tree's own root, which is no element of it.
        return xpath.add_condition("parent::lgo-document")

    def _never(self, xpath: Any) -> Any:
        return xpath.add_condition("0")

    xpath_focus_within_pseudo = _never
    xpath_focus_visible_pseudo = _never
    xpath_active_pseudo = _never
    xpath_hover_pseudo = _never
    xpath_focus_pseudo = _never
    xpath_target_pseudo = _never
    xpath_target_within_pseudo = _never
    xpath_visited_pseudo = _never


class _Cascade:
    """The winning declaration of each property, per element."""

    def __init__(self, tree: _Tree, check_time: Callable[[str], None]) -> None:
        self.tree = tree
        self.check_time = check_time
        self.won: list[dict[str, _Declared]] = [{} for _ in tree.nodes]
        self.undecided: list[HiddenPassage] = []
        self.order = 0
        self.selectors = 0
        self.visits = 0
        self.out_of_budget = False
        self.translator = _Translator()
        for index, node in enumerate(tree.nodes):
            # The browser's own stylesheet: the lowest tier, so a page's CSS overrides it.
            if "hidden" in node.attrs or node.tag in _UA_HIDDEN:
                how = "the `hidden` attribute" if "hidden" in node.attrs else f"a <{node.tag}>"
                self._offer(index, "display", (0, (0, 0, 0), 0), _idents("none"), how)
            # Old presentational attributes count as the page's own CSS, below any rule.
            if node.tag == "font" and "color" in node.attrs:
                colour = _legacy_colour(node.attrs["color"])
                self._offer(index, "color", (1, (0, 0, 0), 0), colour, "the <font color> attribute")
            if "bgcolor" in node.attrs:
                colour = _legacy_colour(node.attrs["bgcolor"])
                self._offer(
                    index, "background-color", (1, (0, 0, 0), 0), colour, "the bgcolor attribute"
                )
        for node_index, content_start in tree.style_blocks:
            node = tree.nodes[node_index]
            if not _media_applies(node.attrs.get("media", "")):
                continue
            css = tree.css_of(node_index, content_start)
            try:
                rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
                self._rules(rules, node.start, content_start)
            except RecursionError:
                self._undecided(node.start, content_start, "a <style> block nested too deeply")
        for index, node in enumerate(tree.nodes):
            style = node.attrs.get("style")
            if not style:
                continue
            for declaration in _declarations(style):
                tier = 4 if declaration.important else 2
                self._offer(
                    index,
                    declaration.lower_name,
                    (tier, (0, 0, 0), 0),
                    declaration.value,
                    "style attribute",
                )

    def _undecided(self, start: int, end: int, how: str) -> None:
        self.undecided.append(HiddenPassage(start, end, how, decided=False))

    def _offer(
        self,
        node: int,
        name: str,
        rank: tuple[int, tuple[int, int, int], int],
        value: list[Any],
        origin: str,
    ) -> None:
        if name not in _PROPERTIES:
            return
        current = self.won[node].get(name)
        if current is None or rank >= current.rank:
            self.won[node][name] = _Declared(rank, value, origin)

    def _rules(self, rules: Iterable[Any], start: int, content_start: int) -> None:
        for rule in rules:
            if self.out_of_budget:
                return
            if rule.type == "at-rule":
                self._at_rule(rule, start, content_start)
            elif rule.type == "qualified-rule":
                self._qualified(rule, start, content_start)

    def _at_rule(self, rule: Any, start: int, content_start: int) -> None:
        keyword = rule.lower_at_keyword
        prelude = tinycss2.serialize(rule.prelude).strip()
        if keyword == "import":
            self._undecided(
                start,
                content_start,
                f"the stylesheet `{prelude}` is imported (@import) and not read",
            )
            return
        if rule.content is None:
            return
        inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
        if keyword == "media" and _media_applies(prelude):
            self._rules(inner, start, content_start)
        elif keyword in ("media", "supports", "container", "layer", "scope", "document"):
            if keyword == "media" and not _media_may_apply(prelude):
                return  # print, speech: never on a screen
            if _any_hiding(inner):
                self._undecided(
                    start,
                    content_start,
                    f"a rule that hides text under @{keyword} {prelude} is not applied "
                    "(it depends on the screen or the browser)",
                )

    def _too_costly(self, selector: Any, xpath: str) -> str | None:
        """Why a selector is not matched on this page (its cost); counts what it costs."""
        elements = len(self.tree.nodes)
        combinators = descendants = 0
        tree = selector.parsed_tree
        while hasattr(tree, "subselector"):  # a chain of combinators, right to left
            combinators += 1
            descendants += tree.combinator == " "
            tree = tree.selector
        if combinators > MAX_COMBINATORS:
            return f"has more than {MAX_COMBINATORS} combinators and is not evaluated"
        if "sibling::" in xpath and elements > MAX_ELEMENTS_FOR_SIBLINGS:
            return (
                f"compares siblings, which is not evaluated on a page of more than "
                f"{MAX_ELEMENTS_FOR_SIBLINGS:,} elements"
            )
        self.visits += elements * (1 + combinators) + descendants * self.tree.depth_sum
        self.out_of_budget = self.visits > MAX_VISITS
        return None

    def _qualified(self, rule: Any, start: int, content_start: int) -> None:
        declarations = [d for d in _declarations(rule.content) if d.lower_name in _PROPERTIES]
        if not declarations:
            return
        text = tinycss2.serialize(rule.prelude).strip()
        hiding = any(_hides(d.lower_name, d.value) for d in declarations)
        try:
            selectors = cssselect.parse(text)
        except (cssselect.SelectorError, RecursionError):
            if hiding:
                self._undecided(start, content_start, f"the selector `{text}` cannot be read")
            return
        for selector in selectors:
            if selector.pseudo_element is not None:
                continue  # styles generated content (::before), which is not read anyway
            self.selectors += 1
            if self.selectors > MAX_SELECTORS:
                if self.selectors == MAX_SELECTORS + 1:
                    self._undecided(
                        start,
                        content_start,
                        f"the page has more than {MAX_SELECTORS:,} style rules: "
                        "the rest are not applied",
                    )
                return
            self.check_time("while applying the page's styles")
            try:
                xpath = self.translator.selector_to_xpath(selector)
                too_costly = self._too_costly(selector, xpath)
                if too_costly:
                    if hiding:
                        self._undecided(start, content_start, f"the selector `{text}` {too_costly}")
                    continue
                if self.out_of_budget:
                    self._undecided(
                        start,
                        content_start,
                        f"the page has too many style rules for its {len(self.tree.nodes):,} "
                        f"elements: from `{text}` on they are not applied",
                    )
                    return
                matched = self.tree.root.xpath(xpath)
            except (cssselect.SelectorError, etree.XPathError, RecursionError):
                if hiding:
                    self._undecided(
                        start, content_start, f"the selector `{text}` cannot be evaluated"
                    )
                continue
            self.order += 1
            specificity = selector.specificity()
            for declaration in declarations:
                tier = 3 if declaration.important else 1
                rank = (tier, specificity, self.order)
                for element in matched:
                    index = self.tree.index_of.get(element)
                    if index is not None:
                        self._offer(
                            index,
                            declaration.lower_name,
                            rank,
                            declaration.value,
                            f"the <style> rule `{text}`",
                        )


def _parseable(text: str) -> str:
    """The text for Python's HTML parser: the same length, with every ``<`` that can open
    nothing (no ``>`` anywhere after it, a comment with no ``-->`` after it, a ``<![``
    section) made a space. The parser would otherwise scan the rest of the text again
    from each of them, which is quadratic; as text they mean what they meant."""
    last_end = text.rfind(">")
    last_comment_end = text.rfind("-->")

    def opening(match: re.Match[str]) -> str:
        kind = match.group()
        if kind == "<![" or (kind == "<!--" and match.start() > last_comment_end):
            return " " + kind[1:]
        if match.start() > last_end:
            return " " + kind[1:]
        return kind

    if last_end < 0:
        return text.replace("<", " ")
    return _DEAD_OPENINGS.sub(opening, text)


def _declarations(source: Any) -> list[Any]:
    try:
        parsed = tinycss2.parse_declaration_list(source, skip_comments=True, skip_whitespace=True)
    except RecursionError:
        return []
    return [d for d in parsed if d.type == "declaration"]


def _legacy_colour(value: str) -> list[Any]:
    """An HTML colour attribute as CSS: "ffffff" without its "#" is read as browsers do."""
    value = value.strip()
    if re.fullmatch(r"[0-9a-fA-F]{3}|[0-9a-fA-F]{6}", value):
        value = "#" + value
    return _idents(value)


def _idents(value: str) -> list[Any]:
    return list(tinycss2.parse_component_value_list(value))


def _significant(value: Iterable[Any]) -> list[Any]:
    return [t for t in value if t.type not in ("whitespace", "comment")]


def _keyword(value: Iterable[Any]) -> str | None:
    tokens = _significant(value)
    if len(tokens) == 1 and tokens[0].type == "ident":
        return str(tokens[0].lower_value)
    return None


def _media_applies(media: str) -> bool:
    """Whether a media list certainly applies to a screen ("", "all", "screen")."""
    queries = [q.strip().lower() for q in media.split(",")]
    return any(q in ("", "all", "screen", "only screen", "only all") for q in queries)


def _media_may_apply(media: str) -> bool:
    queries = [q.strip().lower() for q in media.split(",")]
    return any(not q.startswith(("print", "speech", "only print", "not all")) for q in queries)


def _any_hiding(rules: Iterable[Any]) -> bool:
    for rule in rules:
        if rule.type == "qualified-rule":
            if any(_hides(d.lower_name, d.value) for d in _declarations(rule.content)):
                return True
        elif rule.type == "at-rule" and rule.content is not None:
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            if _any_hiding(inner):
                return True
    return False


def _hides(name: str, value: list[Any]) -> bool:
    """Whether a declaration on its own hides text (colour needs the background too)."""
    if name == "display":
        return _keyword(value) == "none"
    if name == "visibility":
        return _keyword(value) in ("hidden", "collapse")
    if name == "opacity":
        return _opacity_zero(value)
    if name in ("font-size", "font"):
        return _font_size(name, value) == "zero"
    return False


def _opacity_zero(value: list[Any]) -> bool:
    tokens = _significant(value)
    if len(tokens) != 1:
        return False
    token = tokens[0]
    return token.type in ("number", "percentage") and token.value <= 0


def _font_size(name: str, value: list[Any]) -> str | None:
    """'zero', 'absolute' (a size of its own), 'relative' (scales the parent's), or None."""
    tokens = _significant(value)
    if name == "font":
        # The shorthand: the size is its first length, percentage, 0 or size keyword.
        tokens = [
            t
            for t in tokens
            if t.type in ("dimension", "percentage")
            or (t.type == "number" and t.value == 0)
            or (t.type == "ident" and t.lower_value in _FONT_SIZE_KEYWORDS)
        ][:1]
    if len(tokens) != 1:
        return None
    token = tokens[0]
    if token.type == "ident":
        if token.lower_value in ("inherit", "unset"):
            return None
        if token.lower_value in ("smaller", "larger"):
            return "relative"
        if token.lower_value in _FONT_SIZE_KEYWORDS or token.lower_value == "initial":
            return "absolute"
        return None
    if token.type not in ("number", "dimension", "percentage"):
        return None
    if token.value <= 0:
        return "zero"
    unit = "%" if token.type == "percentage" else str(getattr(token, "lower_unit", ""))
    return "relative" if unit in _RELATIVE_UNITS else "absolute"


def _colour(value: list[Any]) -> tuple[float, float, float, float] | str | None:
    """An RGBA colour, "inherit" (the parent's: inherit, currentcolor, unset), or None."""
    tokens = _significant(value)
    if len(tokens) != 1:
        return None
    token = tokens[0]
    if token.type == "ident" and token.lower_value in ("inherit", "unset", "currentcolor"):
        return "inherit"
    parsed = tinycss2.color3.parse_color(token)
    if parsed is None or isinstance(parsed, str):
        return "inherit" if parsed == "currentColor" else None
    return (parsed.red, parsed.green, parsed.blue, parsed.alpha)


def _background(declared: dict[str, _Declared]) -> tuple[float, float, float] | str | None:
    """An element's own background: an opaque colour, "unknown" (an image, a
    translucent colour), or None (none: what is behind shows through)."""
    colour: tuple[float, float, float, float] | str | None = None
    for name in ("background", "background-color", "background-image"):
        found = declared.get(name)
        if found is None:
            continue
        for token in _significant(found.value):
            if token.type in ("url", "function") and (
                token.type == "url" or token.lower_name not in ("rgb", "rgba", "hsl", "hsla")
            ):
                return "unknown"  # an image or a gradient: its colours are not known
            if name == "background-image" and not (
                token.type == "ident" and token.lower_value == "none"
            ):
                return "unknown"
        if name in ("background", "background-color"):
            for token in _significant(found.value):
                parsed = _colour([token])
                if isinstance(parsed, tuple):
                    colour = parsed
                elif token.type == "ident" and token.lower_value in ("inherit", "currentcolor"):
                    return "unknown"
    if colour is None or isinstance(colour, str):
        return None
    if colour[3] == 0:
        return None
    if colour[3] < 1:
        return "unknown"
    return colour[:3]


@dataclass
class _Computed:
    """What decides, for the text directly in an element, whether it is seen."""

    display_none: tuple[int, str] | None = None  # the element whose box is gone, and how
    template: int | None = None
    visibility: tuple[int, str] | None = None  # hidden by this element's declaration
    opacity: tuple[int, str] | None = None
    font_zero: tuple[int, str] | None = None
    colour: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    colour_from: tuple[int, str] | None = None
    backdrop: tuple[float, float, float] | str = _WHITE


def _compute(tree: _Tree, cascade: _Cascade) -> list[_Computed]:
    computed: list[_Computed] = []
    for index, node in enumerate(tree.nodes):
        parent = computed[node.parent] if node.parent >= 0 else _Computed()
        won = cascade.won[index]
        mine = _Computed(
            display_none=parent.display_none,
            template=parent.template,
            visibility=parent.visibility,
            opacity=parent.opacity,
            font_zero=parent.font_zero,
            colour=parent.colour,
            colour_from=parent.colour_from,
            backdrop=parent.backdrop,
        )
        if node.tag == "template" and mine.template is None:
            mine.template = index
        display = won.get("display")
        if mine.display_none is None and display is not None and _keyword(display.value) == "none":
            how = (
                display.origin
                if display.rank[0] == 0
                else f"CSS `display: none` ({display.origin})"
            )
            mine.display_none = (index, how)
        visibility = won.get("visibility")
        if visibility is not None:
            keyword = _keyword(visibility.value)
            if keyword in ("hidden", "collapse"):
                mine.visibility = (index, f"CSS `visibility: {keyword}` ({visibility.origin})")
            elif keyword in ("visible", "initial", "revert", "revert-layer"):
                mine.visibility = None
        opacity = won.get("opacity")
        if mine.opacity is None and opacity is not None and _opacity_zero(opacity.value):
            mine.opacity = (index, f"CSS `opacity: 0` ({opacity.origin})")
        for name in ("font", "font-size"):  # the longhand wins over the shorthand
            size = won.get(name)
            if size is None:
                continue
            kind = _font_size(name, size.value)
            if kind == "zero":
                mine.font_zero = (index, f"a zero font size ({size.origin})")
            elif kind == "absolute":
                mine.font_zero = None
        colour = won.get("color")
        if colour is not None:
            parsed = _colour(colour.value)
            if isinstance(parsed, tuple):
                mine.colour = parsed
                mine.colour_from = (index, colour.origin)
        background = _background(won)
        if background is not None:
            mine.backdrop = background
        computed.append(mine)
    return computed


def _cause(state: _Computed, tree: _Tree) -> tuple[int, str, bool] | None:
    """Why text directly in an element is not seen: (element, how, whole element gone)."""
    if state.template is not None:  # never shown, whatever the page's CSS says
        return state.template, "a <template> (never shown)", True
    if state.display_none is not None:
        index, how = state.display_none
        return index, how, True
    for reason in (state.visibility, state.opacity, state.font_zero):
        if reason is not None:
            return reason[0], reason[1], False
    red, green, blue, alpha = state.colour
    if state.colour_from is not None:
        index, origin = state.colour_from
        if alpha == 0:
            return index, f"CSS `color: transparent` ({origin})", False
        if (
            alpha == 1
            and isinstance(state.backdrop, tuple)
            and state.backdrop == (red, green, blue)
        ):
            return index, f"CSS `color` the same as its background ({origin})", False
    return None


def _excerpt(pieces: Iterable[str]) -> str:
    return excerpt_of(" ".join(html.unescape(piece) for piece in pieces))


def excerpt_of(text: str) -> str:
    """Hidden text as a finding quotes it: whitespace collapsed, cut short, and every
    control or bidirectional character shown as an escape."""
    from lgo_check.report.escape import visible

    text = " ".join(text.split())
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 3].rstrip() + "..."
    return visible(text)


def _no_time_limit(where: str) -> None:
    return None


def find_hidden(text: str, check_time: Callable[[str], None] = _no_time_limit) -> HiddenResult:
    """The text with what a reader does not see blanked out, and each hidden passage."""
    if "<" not in text or not _MAY_HIDE.search(text):
        return HiddenResult(text)
    tree = _Tree(text, check_time)
    tree.feed(_parseable(text))
    tree.close()
    cascade = _Cascade(tree, check_time)
    computed = _compute(tree, cascade)
    # Text runs by cause: a whole element gone (display: none, template) is blanked
    # tags and all; otherwise only its text.
    blank: list[tuple[int, int]] = []
    groups: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for start, end, node in tree.runs:
        cause = _cause(computed[node], tree)
        if cause is None:
            continue
        element, how, whole = cause
        if whole:
            blank.append((tree.nodes[element].start, tree.nodes[element].end))
        else:
            blank.append((start, end))
        if tree.nodes[node].tag in _CODE or tree.nodes[element].tag in _CODE:
            continue  # script and style hold code, never letter text
        groups.setdefault((element, how), []).append((start, end))
    passages = [
        HiddenPassage(start, end, f"the page's stylesheet `{href}` is not read", decided=False)
        for start, end, href in tree.external
    ]
    passages += cascade.undecided
    listed = 0
    unlisted = 0
    for (_element, how), runs in groups.items():
        excerpt = _excerpt(text[start:end] for start, end in runs)
        if not any(ch.isalnum() for ch in excerpt):
            continue  # whitespace and punctuation: nothing a reader misses
        if listed >= MAX_LISTED:
            unlisted += 1
            continue
        listed += 1
        passages.append(HiddenPassage(runs[0][0], runs[-1][1], how, excerpt))
    if unlisted:
        last = passages[-1]
        passages.append(
            HiddenPassage(
                last.start,
                last.end,
                f"{unlisted:,} more hidden passages, not listed one by one",
            )
        )
    blanked, hidden_chars = _blank(text, blank)
    passages.sort(key=lambda p: (p.start, p.end))
    return HiddenResult(blanked, passages, hidden_chars)


def _blank(text: str, ranges: list[tuple[int, int]]) -> tuple[str, int]:
    """Spaces for everything in the ranges but line breaks; how many characters that was."""
    if not ranges:
        return text, 0
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
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


def blank_hidden(text: str) -> tuple[str, int]:
    """The text with hidden elements replaced by spaces (line breaks kept), and how many
    characters were hidden."""
    result = find_hidden(text)
    return result.text, result.hidden_chars
