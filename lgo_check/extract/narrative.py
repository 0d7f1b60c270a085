"""Narrative concerns: sentences in which the Ombudsman raises a concern about this body.

The wordings are data, in ``concerns/*.toml`` of the rule pack (``rules/concerns/``
in a source checkout); the format is described at the top of ``common.toml`` there.

How letters are read (all letters of a run as one batch):

1. The normalised text is cut into blocks: paragraphs between blank lines, with a
   short heading line or a list item as a block of its own. Letters have hard line
   breaks, so inside a block each newline becomes a space (same length: offsets in
   the block map 1:1 to the normalised text, and so to the original file). A block
   of at most four words that does not end like a sentence ("Public reports") is a
   title and states no concern: it is skipped.
2. A word pre-filter keeps only the blocks that contain every plain word some
   pattern needs (derived from the patterns themselves, so it never hides a match;
   ``find_concerns(..., prefilter=False)`` checks that in the tests).
3. Those blocks go through one spaCy pipeline in a batch (``nlp.pipe``):
   ``spacy.blank("en")`` with a sentencizer, built once per process; no trained
   model is needed (``spacy_model`` names an installed one to use instead). Each
   pattern, context, veto and exception is a rule-based spaCy ``Matcher``, run only
   on the sentences that contain its words.
4. In a sentence, a kind is found when one of its patterns matches and no veto
   matches in the same clause. There is one concern per kind per block: it starts
   at the first sentence that states it and spans all that do.

Cost: about 2 ms per letter in a warm process (tests/test_narrative.py measures it).
"""

from __future__ import annotations

import functools
import re
import tomllib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from lgo_check.model import Concern, ConcernKind, Number
from lgo_check.normalise import NormalisedText

#: The order concerns of one sentence are reported in (then any other kinds).
KIND_ORDER: tuple[str, ...] = get_args(ConcernKind)

_MAX_GAP = 20
_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip


class ConcernPatternError(ValueError):
    """A concern pattern file is invalid; the message names the file and the entry."""


# --------------------------------------------------------------------------
# Pattern syntax


@dataclass(frozen=True)
class Element:
    """One element of a token pattern (see ``common.toml`` for the syntax)."""

    type: Literal["words", "regex", "any", "gap"]
    words: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    regex: str = ""
    negate: bool = False
    optional: bool = False
    gap: int = 0


def parse_tokens(source: str) -> tuple[Element, ...]:
    """Parse a token pattern; raise ValueError saying what is wrong with it."""
    elements: list[Element] = []
    for raw in source.split():
        gap = re.fullmatch(r"~(\d+)", raw)
        if gap:
            size = int(gap.group(1))
            if not 1 <= size <= _MAX_GAP:
                raise ValueError(f"gap {raw!r} must be ~1 to ~{_MAX_GAP}")
            elements.append(Element("gap", gap=size))
            continue
        item, optional = raw, False
        if len(item) > 1 and item.endswith("?"):
            item, optional = item[:-1], True
        if item == "_":
            elements.append(Element("any", optional=optional))
        elif len(item) > 2 and item.startswith("/") and item.endswith("/"):
            try:
                re.compile(item[1:-1])
            except re.error as exc:
                raise ValueError(f"bad regular expression {item!r}: {exc}") from None
            elements.append(Element("regex", regex=item[1:-1], optional=optional))
        else:
            negate = len(item) > 1 and item.startswith("!")
            if negate:
                item = item[1:]
            words: list[str] = []
            prefixes: list[str] = []
            for alt in item.lower().split("|"):
                if not alt or alt == "*":
                    raise ValueError(f"empty alternative in {raw!r}")
                if len(alt) > 1 and alt.endswith("*"):
                    prefixes.append(alt[:-1])
                else:
                    words.append(alt)
            elements.append(
                Element("words", tuple(words), tuple(prefixes), negate=negate, optional=optional)
            )
    if not elements:
        raise ValueError("empty pattern")
    if elements[0].type == "gap" or elements[-1].type == "gap":
        raise ValueError("a pattern cannot start or end with a gap")
    if all(e.optional or e.type == "gap" for e in elements):
        raise ValueError("a pattern needs at least one element that is not optional")
    return tuple(elements)


#: Lower-case words that spaCy's English tokenizer can cut out of a longer run of
#: letters and digits ("cannot" -> "can" "not", "didnt" -> "did" "nt", "5in" -> "5"
#: "in"): in a text they need not stand as a word of their own, so the pre-filter
#: never requires them. tests/test_narrative.py checks this list against spaCy.
# fmt: off
SPLIT_WORDS = frozenset({
    "ai", "all", "am", "are", "ca", "can", "could", "dare", "did", "do", "does", "gon", "got",
    "had", "has", "have", "he", "how", "is", "it", "ll", "may", "might", "must", "na", "need",
    "not", "nt", "on", "ought", "pm", "re", "sha", "she", "should", "ta", "that", "there",
    "these", "they", "this", "those", "ve", "was", "we", "were", "what", "when", "where", "who",
    "why", "wo", "would", "you", "cm", "dm", "ft", "gb", "ha", "hpa", "in", "kb", "kg", "km",
    "kmh", "lb", "mb", "mbar", "mg", "mm", "mph", "nm", "oz", "pa", "tb", "yd",
})
# fmt: on

_WORD = re.compile(r"\w+")
_ALPHA = re.compile(r"[a-z]{2,}")

#: One element's alternatives: a text can match the element only if it contains
#: one of the words, or a word that starts with one of the prefixes.
Requirement = tuple[frozenset[str], tuple[str, ...]]


def requirements(elements: Sequence[Element]) -> tuple[Requirement, ...]:
    """What a text must contain, word by word, for the pattern to match in it.

    Every element that must match and whose alternatives are all plain words (or
    prefixes) that spaCy keeps whole gives one requirement; the rest (regexes,
    negations, optional elements) require nothing. Checking them is a necessary
    condition for a match, so the pre-filter built on them never hides one.
    """
    out: list[Requirement] = []
    for el in elements:
        if el.type != "words" or el.negate or el.optional:
            continue
        if len(el.words) == 1 and not el.prefixes and not _safe_word(el.words[0]):
            # A literal spaCy cuts into pieces ("year's", "non-compliance"): each piece.
            for piece in _WORD.findall(el.words[0]):
                if _safe_word(piece):
                    out.append((frozenset([piece]), ()))
            continue
        if all(map(_safe_word, el.words)) and all(map(_safe_prefix, el.prefixes)):
            out.append((frozenset(el.words), el.prefixes))
    # Cheapest and most selective first: plain words before prefixes, long words first.
    return tuple(sorted(out, key=lambda r: (bool(r[1]), -min(map(len, r[0] | set(r[1]))))))


def _safe_word(word: str) -> bool:
    return bool(_ALPHA.fullmatch(word)) and word not in SPLIT_WORDS


def _safe_prefix(prefix: str) -> bool:
    return (
        len(prefix) >= 3
        and bool(_ALPHA.fullmatch(prefix))
        and not any(w.startswith(prefix) for w in SPLIT_WORDS)
    )


class Words:
    """The words of a text, to test requirements against."""

    __slots__ = ("_sorted", "words")

    def __init__(self, text: str = "", words: frozenset[str] | None = None) -> None:
        self.words = frozenset(_WORD.findall(text.lower())) if words is None else words
        self._sorted: list[str] | None = None

    @staticmethod
    def first_requirements(entries: Iterable[Entry]) -> Requirement:
        """One requirement that a text has if it has the first requirement of any entry."""
        words: set[str] = set()
        prefixes: set[str] = set()
        for entry in entries:
            if entry.requires:
                words |= entry.requires[0][0]
                prefixes.update(entry.requires[0][1])
        return frozenset(words), tuple(sorted(prefixes))

    @classmethod
    def union(cls, parts: Sequence[Words | None]) -> Words:
        return cls(words=frozenset().union(*(p.words for p in parts if p is not None)))

    def has(self, requirement: Requirement) -> bool:
        words, prefixes = requirement
        if not words.isdisjoint(self.words):
            return True
        if prefixes:
            if self._sorted is None:
                self._sorted = sorted(self.words)
            for prefix in prefixes:
                i = bisect_left(self._sorted, prefix)
                if i < len(self._sorted) and self._sorted[i].startswith(prefix):
                    return True
        return False

    def meets(self, requirements: Sequence[Requirement]) -> bool:
        return all(self.has(r) for r in requirements)


def compile_tokens(elements: Sequence[Element], tokenizer: Any) -> list[dict[str, Any]]:
    """A spaCy Matcher pattern for the elements; a literal spaCy splits becomes its pieces.

    A gap ``~N`` becomes ``{"OP": "{0,N}"}``. (The finder gives spaCy ``*`` instead,
    which is several times faster, and checks the bound itself: see ``Aligner``.)
    """
    out: list[dict[str, Any]] = []
    for el in elements:
        if el.type == "gap":
            out.append({"OP": f"{{0,{el.gap}}}"})
            continue
        spec: dict[str, Any]
        if el.type == "any":
            spec = {}
        elif el.type == "regex":
            spec = {"LOWER": {"REGEX": el.regex}}
        elif len(el.words) == 1 and not el.prefixes and not el.negate:
            pieces = [t.lower_ for t in tokenizer(el.words[0])]
            if len(pieces) > 1:
                if el.optional:
                    raise ValueError(
                        f"{el.words[0]!r} is {len(pieces)} spaCy tokens and cannot be optional"
                    )
                out.extend({"LOWER": piece} for piece in pieces)
                continue
            spec = {"LOWER": el.words[0]}
        else:
            for word in el.words:
                if len(tokenizer(word)) != 1:
                    raise ValueError(
                        f"{word!r} is more than one spaCy token; it cannot be in a list"
                    )
            if el.prefixes:
                alts = [re.escape(w) + "$" for w in el.words] + [re.escape(p) for p in el.prefixes]
                body = "|".join(alts)
                spec = {"LOWER": {"REGEX": f"^(?!(?:{body}))" if el.negate else f"^(?:{body})"}}
            else:
                spec = {"LOWER": {"NOT_IN" if el.negate else "IN": list(el.words)}}
        if el.optional:
            spec["OP"] = "?"
        out.append(spec)
    return out


def loosen(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pattern with each bounded gap ``{0,N}`` made unbounded (``*``)."""
    return [{"OP": "*"} if _GAP_OP.fullmatch(str(t.get("OP", ""))) else t for t in pattern]


_GAP_OP = re.compile(r"\{0,(\d+)\}")


class Aligner:
    """Whether a compiled pattern matches a run of tokens exactly, bounded gaps included.

    spaCy matches the loosened pattern (unbounded gaps, much faster); each match it
    returns is then checked here against the real bounds. The same predicates as
    spaCy's: LOWER equal, IN, NOT_IN, REGEX (re.search), any token.
    """

    def __init__(self, pattern: list[dict[str, Any]]) -> None:
        self._steps: list[tuple[Callable[[str], bool], int, int]] = []
        for token in pattern:
            op = str(token.get("OP", ""))
            gap = _GAP_OP.fullmatch(op)
            low, high = (0, int(gap.group(1))) if gap else (0, 1) if op == "?" else (1, 1)
            self._steps.append((_predicate(token.get("LOWER")), low, high))

    def aligns(self, words: Sequence[str]) -> bool:
        steps, n = self._steps, len(words)
        memo: dict[tuple[int, int], bool] = {}

        def go(i: int, j: int) -> bool:
            if i == len(steps):
                return j == n
            key = (i, j)
            if key not in memo:
                test, low, high = steps[i]
                result = low == 0 and go(i + 1, j)
                k = 0
                while not result and k < high and j + k < n and test(words[j + k]):
                    k += 1
                    result = k >= low and go(i + 1, j + k)
                memo[key] = result
            return memo[key]

        return go(0, 0)


def _predicate(spec: Any) -> Callable[[str], bool]:
    if spec is None:
        return lambda word: True
    if isinstance(spec, str):
        return lambda word: word == spec
    if "IN" in spec:
        members = frozenset(spec["IN"])
        return lambda word: word in members
    if "NOT_IN" in spec:
        excluded = frozenset(spec["NOT_IN"])
        return lambda word: word not in excluded
    regex = re.compile(spec["REGEX"])
    return lambda word: regex.search(word) is not None


# --------------------------------------------------------------------------
# The catalogue of wordings


@dataclass(frozen=True)
class Entry:
    """A pattern (with an optional context) or a veto (with an optional exception)."""

    label: str  # "<file stem>:<pattern|veto>:<number>"
    tokens: tuple[Element, ...]
    extra: tuple[Element, ...] | None = None  # the context of a pattern, unless of a veto
    requires: tuple[Requirement, ...] = ()
    extra_requires: tuple[Requirement, ...] = ()

    @property
    def extra_label(self) -> str:
        return self.label + ":" + ("context" if ":pattern:" in self.label else "unless")


@dataclass(frozen=True)
class KindSpec:
    kind: str
    share: bool
    patterns: tuple[Entry, ...]
    vetoes: tuple[Entry, ...]


@dataclass(frozen=True)
class Catalogue:
    kinds: tuple[KindSpec, ...]
    vetoes: tuple[Entry, ...]  # for every kind
    clause_breaks: tuple[tuple[str, ...], ...]
    qualifiers: tuple[str, ...]
    not_a_share_after: tuple[str, ...]
    fractions: dict[str, Number]

    def entries(self) -> Iterator[Entry]:
        for spec in self.kinds:
            yield from spec.patterns
            yield from spec.vetoes
        yield from self.vetoes

    def candidates(self, words: Words | None) -> list[tuple[str, Entry]]:
        """(kind, pattern) pairs that could match a text with these words (None: all)."""
        return [
            (spec.kind, entry)
            for spec in self.kinds
            for entry in spec.patterns
            if words is None or (words.meets(entry.requires) and words.meets(entry.extra_requires))
        ]


def concerns_folder() -> Path:
    from lgo_check.builtin_rules import builtin_rule_pack

    return builtin_rule_pack() / "concerns"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConcernPatternError(f"{path}: cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConcernPatternError(f"{path}: not valid TOML: {exc}") from None


def _unknown_keys(path: Path, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ConcernPatternError(f"{path}: {where}: unknown key(s) {sorted(unknown)}")


def _entries(path: Path, data: dict[str, Any], table: str, extra: str) -> tuple[Entry, ...]:
    items = data.get(table, [])
    if not isinstance(items, list):
        raise ConcernPatternError(f"{path}: '{table}' must be a list of [[{table}]] tables")
    entries = []
    for number, item in enumerate(items, start=1):
        where = f"[[{table}]] #{number}"
        if not isinstance(item, dict):
            raise ConcernPatternError(f"{path}: {where}: must be a table")
        _unknown_keys(path, where, item, {"tokens", extra, "note"})
        for key in ("tokens", extra, "note"):
            if key in item and not isinstance(item[key], str):
                raise ConcernPatternError(f"{path}: {where}: '{key}' must be a string")
        if "tokens" not in item:
            raise ConcernPatternError(f"{path}: {where}: 'tokens' is required")
        try:
            tokens = parse_tokens(item["tokens"])
            more = parse_tokens(item[extra]) if extra in item else None
        except ValueError as exc:
            raise ConcernPatternError(f"{path}: {where}: {exc}") from None
        entries.append(
            Entry(
                f"{path.stem}:{table}:{number}",
                tokens,
                more,
                requirements(tokens),
                requirements(more) if more is not None else (),
            )
        )
    return tuple(entries)


def load_catalogue(folder: Path) -> Catalogue:
    """Read and validate ``common.toml`` and every kind file in a concerns folder."""
    common_path = folder / "common.toml"
    if not common_path.is_file():
        raise ConcernPatternError(f"{folder}: no common.toml")
    common = _read_toml(common_path)
    _unknown_keys(
        common_path,
        "top level",
        common,
        {"clause_breaks", "qualifiers", "not_a_share_after", "fractions", "veto"},
    )
    words: dict[str, tuple[str, ...]] = {}
    for key in ("clause_breaks", "qualifiers", "not_a_share_after"):
        value = common.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConcernPatternError(f"{common_path}: '{key}' must be a list of strings")
        words[key] = tuple(" ".join(v.lower().split()) for v in value)
    fractions = common.get("fractions", {})
    if not isinstance(fractions, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 100
        for v in fractions.values()
    ):
        raise ConcernPatternError(f"{common_path}: 'fractions' values must be numbers 0-100")
    kinds: list[KindSpec] = []
    for path in sorted(folder.glob("*.toml")):
        if path == common_path:
            continue
        data = _read_toml(path)
        _unknown_keys(path, "top level", data, {"kind", "share", "pattern", "veto"})
        kind = data.get("kind")
        if not isinstance(kind, str) or not _KIND_NAME.match(kind):
            raise ConcernPatternError(f"{path}: 'kind' must be a lower-case name")
        if any(k.kind == kind for k in kinds):
            raise ConcernPatternError(f"{path}: kind {kind!r} is defined twice")
        share = data.get("share", False)
        if not isinstance(share, bool):
            raise ConcernPatternError(f"{path}: 'share' must be true or false")
        patterns = _entries(path, data, "pattern", "context")
        if not patterns:
            raise ConcernPatternError(f"{path}: kind {kind!r} has no [[pattern]]")
        for entry in patterns:
            if not entry.requires:
                raise ConcernPatternError(
                    f"{path}: {entry.label}: a pattern needs at least one plain word that must "
                    "match (not only regexes, optional elements or very common short words), "
                    "so that the pre-filter can skip the blocks without it"
                )
        kinds.append(KindSpec(kind, share, patterns, _entries(path, data, "veto", "unless")))
    kinds.sort(key=lambda k: (KIND_ORDER.index(k.kind) if k.kind in KIND_ORDER else 99, k.kind))
    return Catalogue(
        kinds=tuple(kinds),
        vetoes=_entries(common_path, common, "veto", "unless"),
        clause_breaks=tuple(tuple(_split_break(b)) for b in words["clause_breaks"]),
        qualifiers=words["qualifiers"],
        not_a_share_after=words["not_a_share_after"],
        fractions={" ".join(k.lower().split()): v for k, v in fractions.items()},
    )


def _split_break(text: str) -> list[str]:
    """', and' -> [',', 'and'] (the tokens spaCy makes of it)."""
    return re.findall(r"\w+|[^\w\s]", text)


# --------------------------------------------------------------------------
# Figures: "more than 40%", "94 per cent", "over a third of", "one in four"


@dataclass(frozen=True)
class Share:
    start: int
    end: int
    value: Number
    qualifier: str | None


class ShareReader:
    """Finds shares stated in a sentence, with the qualifier before them."""

    def __init__(self, catalogue: Catalogue) -> None:
        def alternatives(items: Sequence[str]) -> str:
            ordered = sorted(items, key=len, reverse=True)
            return "|".join(r"[\s-]+".join(map(re.escape, item.split())) for item in ordered)

        number = r"\d+|" + "|".join(_NUMBER_WORDS)
        parts = [r"(?P<pct>\d+(?:\.\d+)?)\s*(?:%|per\s*cent\b|percent\b)"]
        if catalogue.fractions:
            parts.append(rf"(?P<frac>{alternatives(list(catalogue.fractions))})\s+of\b")
        parts.append(rf"(?P<num>{number})\s+(?:in|out\s+of)\s+(?P<den>{number})\b")
        qualifier = (
            rf"(?:\b(?P<q>{alternatives(catalogue.qualifiers)})\s+)?"
            if catalogue.qualifiers
            else ""
        )
        self._pattern = re.compile(rf"(?<![\w.,]){qualifier}(?:{'|'.join(parts)})", re.IGNORECASE)
        self._fractions = catalogue.fractions
        self._not_after = tuple(catalogue.not_a_share_after)

    def find(self, text: str) -> Iterator[Share]:
        for m in self._pattern.finditer(text):
            before = " " + " ".join(text[: m.start()].lower().split())
            if any(before.endswith(" " + phrase) for phrase in self._not_after):
                continue
            value: float
            if m.group("pct") is not None:
                value = float(m.group("pct"))
            elif m.group("frac") is not None:
                if not m.group("q") and before.split()[-1:] in (["first"], ["second"], ["last"]):
                    continue  # "the first half of the year"
                value = float(
                    self._fractions[" ".join(m.group("frac").lower().replace("-", " ").split())]
                )
            else:
                num, den = _number(m.group("num")), _number(m.group("den"))
                if not 0 < num <= den <= 100:
                    continue
                value = round(100 * num / den, 1)
            if not 0 <= value <= 100:
                continue
            qualifier = " ".join(m.group("q").lower().split()) if m.group("q") else None
            yield Share(m.start(), m.end(), int(value) if value.is_integer() else value, qualifier)


def _number(text: str) -> int:
    return _NUMBER_WORDS.get(text.lower()) or int(text)


# --------------------------------------------------------------------------
# The spaCy pipeline, built once per process


@dataclass
class Pipeline:
    """The spaCy pipeline, and a Matcher for each pattern, context, veto and exception.

    One Matcher per entry (not one for all) lets a block be matched against only
    the few patterns whose words it contains: spaCy's Matcher costs time per
    pattern and token, and most blocks of a letter need none.
    """

    nlp: Any
    matchers: dict[str, Any]  # entry label (or extra_label) -> Matcher
    aligners: dict[str, Aligner]  # for the entries with gaps
    catalogue: Catalogue
    shares: ShareReader


@functools.cache
def catalogue() -> Catalogue:
    """The built-in catalogue (read once per process)."""
    return load_catalogue(concerns_folder())


def pipeline(spacy_model: str | None = None) -> Pipeline:
    """The spaCy pipeline and matchers, built once per process (spaCy's import takes ~1 s)."""
    return _build_pipeline(spacy_model or None)


@functools.cache
def _build_pipeline(spacy_model: str | None) -> Pipeline:
    import spacy
    from spacy.matcher import Matcher

    if spacy_model:
        try:
            nlp = spacy.load(spacy_model)
        except OSError as exc:
            raise ValueError(f"spaCy model {spacy_model!r} cannot be loaded: {exc}") from None
        unused = {"ner", "entity_linker", "entity_ruler", "textcat", "textcat_multilabel"}
        nlp.select_pipes(disable=[name for name in nlp.pipe_names if name in unused])
        if not {"parser", "senter", "sentencizer"} & set(nlp.pipe_names):
            nlp.add_pipe("sentencizer")
    else:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
    cat = catalogue()
    matchers: dict[str, Any] = {}
    aligners: dict[str, Aligner] = {}

    def add(label: str, elements: tuple[Element, ...]) -> None:
        try:
            pattern = compile_tokens(elements, nlp.tokenizer)
            matcher = Matcher(nlp.vocab, validate=True)
            matcher.add(label, [loosen(pattern)])
        except ValueError as exc:  # spaCy's own pattern errors are ValueErrors too
            raise ConcernPatternError(f"{label}: {exc}") from None
        matchers[label] = matcher
        if pattern != loosen(pattern):
            aligners[label] = Aligner(pattern)

    for entry in cat.entries():
        add(entry.label, entry.tokens)
        if entry.extra is not None:
            add(entry.extra_label, entry.extra)
    return Pipeline(nlp, matchers, aligners, cat, ShareReader(cat))


# --------------------------------------------------------------------------
# Blocks

_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.)])\s+")
_HEADING_PUNCT = re.compile(r"[.,;:!?]")


def blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph-like block of a normalised text.

    Blank lines end a block. A line of spaces does not: it is a page header or
    footer that normalisation blanked out, and a paragraph runs on across it to
    the next page (normalisation leaves real blank lines empty). A list item starts
    a block (after its marker). A short line without punctuation that opens a
    block, or follows a finished sentence, and is followed by a much longer line
    starting with a capital is a heading: it is a block of its own.
    """
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    out: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for i, (offset, line) in enumerate(lines):
        stripped = line.strip()
        if not line:
            if start is not None:
                out.append((start, end))
                start = None
            continue
        if not stripped:
            continue  # a blanked page artefact
        bullet = _BULLET.match(line)
        following = lines[i + 1][1].strip() if i + 1 < len(lines) else ""
        if (
            start is not None
            and (
                bullet
                # PDF and Word text has no blank line before a heading: a heading-like line
                # after a finished sentence starts a block all the same.
                or (text[end - 1 : end] in ".!?:" and _is_heading(stripped, following))
            )
        ):
            out.append((start, end))
            start = None
        end = offset + len(line.rstrip())
        if start is None:
            # A list item's block starts after its marker.
            start = offset + (bullet.end() if bullet else len(line) - len(line.lstrip()))
            if _is_heading(stripped, following):
                out.append((start, end))
                start = None
    if start is not None:
        out.append((start, end))
    return out


def _is_title(block: str) -> bool:
    """A block of at most four words that does not end as a sentence does: a title."""
    return len(block.split()) <= 4 and not block.rstrip().endswith((".", "!", "?", ")"))


def _is_heading(line: str, following: str) -> bool:
    return (
        bool(following)
        and len(line) <= 60
        and len(line.split()) <= 8
        and not _HEADING_PUNCT.search(line)
        and line[0].isupper()
        and following[0].isupper()
        and len(line) <= 0.7 * len(following)
    )


# --------------------------------------------------------------------------
# Finding concerns


@dataclass
class _Block:
    letter: int
    offset: int  # where the block starts in the normalised text
    text: str  # the block, newlines made spaces: what spaCy reads (Doc.text is slow)
    candidates: list[tuple[str, Entry]]  # the (kind, pattern) pairs worth matching
    words: Words | None  # None: no pre-filter, run every veto


@dataclass
class _Found:
    """Where one kind was found in a block, by sentence index."""

    sentences: dict[int, tuple[int, int]]  # (start_char, end_char) within the block
    matches: dict[int, list[tuple[int, int]]]  # the matches' (start_char, end_char)


def find_concerns(
    norms: Sequence[NormalisedText], spacy_model: str | None = None, *, prefilter: bool = True
) -> list[list[Concern]]:
    """The concerns in each letter, in the order of the letters.

    ``prefilter=False`` matches every block against every pattern (for tests: the
    result must be the same, only slower).
    """
    results: list[list[Concern]] = [[] for _ in norms]
    cat = catalogue()
    todo: list[_Block] = []
    for index, norm in enumerate(norms):
        # A title ("Public reports") names a topic and states no concern.
        spans = [(s, e) for s, e in blocks(norm.text) if not _is_title(norm.text[s:e])]
        words = [Words(norm.text[start:end]) if prefilter else None for start, end in spans]
        # The patterns the letter as a whole could match, then each block's share of them.
        letter = cat.candidates(Words.union(words) if prefilter else None)
        if not letter:
            continue
        # A block can only match a pattern if it has the pattern's first requirement.
        first = Words.first_requirements(entry for _, entry in letter) if prefilter else None
        for (start, end), block_words in zip(spans, words, strict=True):
            if first is not None and block_words is not None and not block_words.has(first):
                continue
            candidates = [
                (kind, entry)
                for kind, entry in letter
                if block_words is None
                or (block_words.meets(entry.requires) and block_words.meets(entry.extra_requires))
            ]
            if candidates:
                text = norm.text[start:end].replace("\n", " ")
                todo.append(_Block(index, start, text, candidates, block_words))
    if not todo:
        return results
    pipe = pipeline(spacy_model)
    for block, doc in zip(todo, pipe.nlp.pipe((b.text for b in todo), batch_size=64), strict=True):
        results[block.letter].extend(_block_concerns(doc, block, norms[block.letter], pipe))
    for concerns in results:
        concerns.sort(key=lambda c: (c.page or 0, c.line, c.column, _kind_rank(c.kind)))
    return results


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


class _Sentences:
    """A block's sentences, and the matches of entries in them (each computed once).

    spaCy's Matcher costs time for every token it reads, so an entry is matched
    only against the sentences that contain the words it needs.
    """

    def __init__(self, doc: Any, text: str, pipe: Pipeline, prefilter: bool) -> None:
        self.text = text
        self.spans = list(doc.sents)
        self._pipe = pipe
        self._prefilter = prefilter
        self._words: dict[int, Words] = {}
        self._lowers: dict[int, list[str]] = {}
        self._clauses: dict[int, list[int]] = {}
        self._matches: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def text_range(self, k: int) -> tuple[int, int]:
        sent = self.spans[k]
        return sent.start_char, sent.end_char

    def lowers(self, k: int) -> list[str]:
        if k not in self._lowers:
            self._lowers[k] = [t.lower_ for t in self.spans[k]]
        return self._lowers[k]

    def could(self, k: int, requires: tuple[Requirement, ...]) -> bool:
        if not self._prefilter or not requires:
            return True
        if k not in self._words:
            self._words[k] = Words(self.text[slice(*self.text_range(k))])
        return self._words[k].meets(requires)

    def matches(
        self, label: str, requires: tuple[Requirement, ...], k: int
    ) -> list[tuple[int, int]]:
        """(start, end) token offsets, within sentence k, of the entry's matches there."""
        key = (label, k)
        if key not in self._matches:
            found: list[tuple[int, int]] = []
            if self.could(k, requires):
                found = [
                    (start, end) for _, start, end in self._pipe.matchers[label](self.spans[k])
                ]
                aligner = self._pipe.aligners.get(label)
                if found and aligner is not None:
                    words = self.lowers(k)
                    found = [(s, e) for s, e in found if aligner.aligns(words[s:e])]
            self._matches[key] = found
        return self._matches[key]

    def anywhere(self, label: str, requires: tuple[Requirement, ...]) -> bool:
        return any(self.matches(label, requires, k) for k in range(len(self.spans)))

    def clauses(self, k: int, breaks: tuple[tuple[str, ...], ...]) -> list[int]:
        """A clause number for each token of sentence k: a clause break starts a new one."""
        if k not in self._clauses:
            words = self.lowers(k)
            clause, current = [], 0
            for i in range(len(words)):
                if i and any(tuple(words[i : i + len(b)]) == b for b in breaks):
                    current += 1
                clause.append(current)
            self._clauses[k] = clause
        return self._clauses[k]

    def char_range(self, k: int, start: int, end: int) -> tuple[int, int]:
        """The character offsets in the block of tokens start:end of sentence k."""
        first = self.spans[k][start]
        last = self.spans[k][end - 1]
        return first.idx, last.idx + len(last)


def _block_concerns(
    doc: Any, block: _Block, norm: NormalisedText, pipe: Pipeline
) -> Iterator[Concern]:
    sents = _Sentences(doc, block.text, pipe, block.words is not None)
    positives = [
        (kind, k, start, end)
        for kind, entry in block.candidates
        for k in range(len(sents.spans))
        for start, end in sents.matches(entry.label, entry.requires, k)
        if entry.extra is None or sents.anywhere(entry.extra_label, entry.extra_requires)
    ]
    if not positives:
        return
    cat = pipe.catalogue
    specs = {spec.kind: spec for spec in cat.kinds}

    @functools.cache
    def veto_clauses(kind: str, k: int) -> list[tuple[int, int]]:
        """The clause ranges of sentence k that a veto of the kind (or a common one) cancels."""
        clause = sents.clauses(k, cat.clause_breaks)
        out: list[tuple[int, int]] = []
        for entry in (*specs[kind].vetoes, *cat.vetoes):
            found = [
                (clause[s], clause[e - 1]) for s, e in sents.matches(entry.label, entry.requires, k)
            ]
            if found and entry.extra is not None:
                lifting = [
                    (clause[s], clause[e - 1])
                    for s, e in sents.matches(entry.extra_label, entry.extra_requires, k)
                ]
                found = [v for v in found if not any(_overlap(v, u) for u in lifting)]
            out.extend(found)
        return out

    found: dict[str, _Found] = {}
    for kind, k, start, end in positives:
        clause = sents.clauses(k, cat.clause_breaks)
        here = (clause[start], clause[end - 1])
        if any(_overlap(here, v) for v in veto_clauses(kind, k)):
            continue
        item = found.setdefault(kind, _Found({}, {}))
        item.sentences[k] = sents.text_range(k)
        item.matches.setdefault(k, []).append(sents.char_range(k, start, end))

    for kind, item in found.items():
        order = sorted(item.sentences)
        first, last = item.sentences[order[0]][0], item.sentences[order[-1]][1]
        share = _share(block.text, item, pipe.shares) if specs[kind].share else None
        span = norm.span(block.offset + first, block.offset + last)
        text = " ".join(" ".join(block.text[slice(*item.sentences[k])].split()) for k in order)
        yield Concern(
            **span.model_dump(),
            kind=kind,
            text=text,
            share_pct=share.value if share else None,
            qualifier=share.qualifier if share else None,
        )


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _share(text: str, item: _Found, reader: ShareReader) -> Share | None:
    """The share stated in the first sentence that states one, nearest the concern's words."""
    for k in sorted(item.sentences):
        start, end = item.sentences[k]
        shares = list(reader.find(text[start:end]))
        if not shares:
            continue
        matches = [(m_start - start, m_end - start) for m_start, m_end in item.matches[k]]

        def distance(share: Share, matches: list[tuple[int, int]] = matches) -> int:
            return min(
                max(m_start - share.end, share.start - m_end, 0) for m_start, m_end in matches
            )

        return min(shares, key=lambda share: (distance(share), share.start))
    return None
