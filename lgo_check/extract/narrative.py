"""Narrative concerns: sentences in which the Ombudsman raises a concern about this body.

The rule wordings are data, in ``concerns/*.toml`` of the rule pack
(``rules/concerns/`` in a source checkout; the format is described at the top of
``common.toml`` there). The trained classifier is ``concerns/model/`` of this
package (``lgo_check/extract/concerns/classifier.py`` trains it).

How letters are read (all letters of a run as one batch):

1. The normalised text is cut into blocks: paragraphs between blank lines, with a
   short heading line or a list item as a block of its own. Letters have hard line
   breaks, so inside a block each newline becomes a space (same length: offsets in
   the block map 1:1 to the normalised text, and so to the original file). A block
   of at most four words that does not end like a sentence ("Public reports") is a
   title and states no concern: it is skipped.
2. A word pre-filter keeps only the blocks that contain a word some pattern
   needs first or a cue word of the classifier (derived from the patterns and the
   model, so it never hides a finding; ``find_concerns(..., prefilter=False)``
   checks that in the tests).
3. Those blocks go through one spaCy pipeline in a batch (``nlp.pipe``): the
   shipped pipeline's tokenizer, sentencizer and lookup lemmatiser, then the
   ``lgo_concerns`` component (``concerns/component.py``), which writes what it
   finds in each sentence to ``doc.spans``: rules, model and negation.
4. There is one concern per kind per block: it starts at the first sentence that
   states it and spans all that do, and says how it was found.
"""

from __future__ import annotations

import functools
import gc
import importlib
import re
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from lgo_check.model import Concern, ConcernKind, Number
from lgo_check.normalise import NormalisedText
from lgo_check.tomlfile import TomlFileError, read_toml, validate

#: The order concerns of one sentence are reported in.
KIND_ORDER: tuple[str, ...] = get_args(ConcernKind)

M = TypeVar("M", bound=BaseModel)
_MAX_GAP = 20
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
    returns is then checked here against the real bounds (``bounded``: the pattern
    has such gaps). The same predicates as spaCy's: LOWER equal, IN, NOT_IN, REGEX
    (re.search), any token. ``occurs`` says whether the pattern matches anywhere in
    a sentence: when it does not, spaCy's Matcher cannot find a match there either
    (whatever it finds aligns), so it need not be asked.
    """

    def __init__(self, pattern: list[dict[str, Any]]) -> None:
        self._steps: list[tuple[Callable[[str], bool], int, int]] = []
        for token in pattern:
            op = str(token.get("OP", ""))
            gap = _GAP_OP.fullmatch(op)
            low, high = (0, int(gap.group(1))) if gap else (0, 1) if op == "?" else (1, 1)
            self._steps.append((_predicate(token.get("LOWER")), low, high))
        self.bounded = pattern != loosen(pattern)
        # What a text must contain, in order, for a match: for each element that must
        # match one token and names its words (or prefixes), those literals.
        self._literals = [
            literals
            for token, (_, low, _) in zip(pattern, self._steps, strict=True)
            if low >= 1 and (literals := _literals(token.get("LOWER")))
        ]
        # A first element that is one word of a list: where a match can start is
        # found with a set lookup per token.
        first, low, high = pattern[0].get("LOWER"), *self._steps[0][1:]
        self._first: frozenset[str] | None = None
        if (low, high) == (1, 1) and isinstance(first, str):
            self._first = frozenset([first])
        elif (low, high) == (1, 1) and isinstance(first, dict) and "IN" in first:
            self._first = frozenset(first["IN"])

    def occurs(self, words: Sequence[str]) -> bool:
        """Whether the pattern matches some run of the words (of one sentence)."""
        n = len(words)
        steps = self._steps
        current: Iterable[int] = range(n)  # where a match may start
        if self._first is not None:
            members = self._first
            current = {j + 1 for j, word in enumerate(words) if word in members}
            if not current:
                return False
            steps = steps[1:]
        for test, low, high in steps:
            reached: set[int] = set()
            for j in current:
                if low == 0:
                    reached.add(j)
                k = 0
                while k < high and j + k < n and test(words[j + k]):
                    k += 1
                    if k >= low:
                        reached.add(j + k)
            if not reached:
                return False
            current = reached
        # Every path went through an element that is not optional: nothing empty.
        return True

    def may_occur(self, lower_text: str) -> bool:
        """Whether the pattern can match in a text (given in lower case), tokens unseen.

        A token whose lower-case form is a word, or starts with a prefix, is that word
        or prefix in the lower-case text, and the tokens a match is made of come one
        after the other without overlapping. So each literal element needs its word
        further on than the one before it ended; the earliest end is taken each time,
        which leaves the most room for the rest. False means no token run of the text
        matches (nor of any sentence of it): spaCy need not be asked.
        """
        pos = 0
        for literals in self._literals:
            end = -1
            for literal in literals:
                found = lower_text.find(literal, pos)
                if found >= 0 and (end < 0 or found + len(literal) < end):
                    end = found + len(literal)
            if end < 0:
                return False
            pos = end
        return True

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


#: What compile_tokens makes of a list with prefixes: ``^(?:word$|prefix|...)``.
_PREFIX_LIST = re.compile(r"\^\(\?:(?P<body>[\w$|]+)\)")


def _literals(spec: Any) -> tuple[str, ...]:
    """The words or prefixes of which a token meeting ``spec`` starts with one; () when
    the spec says no such thing (any token, a regex of the pattern's own, NOT_IN)."""
    if isinstance(spec, str):
        return (spec,) if spec else ()
    if not isinstance(spec, dict):
        return ()
    if "IN" in spec:
        words = tuple(str(w) for w in spec["IN"])
        return words if all(words) else ()
    listed = _PREFIX_LIST.fullmatch(str(spec.get("REGEX", "")))
    if listed is None:
        return ()
    alternatives = tuple(a.removesuffix("$") for a in listed["body"].split("|"))
    return alternatives if all(a and "$" not in a for a in alternatives) else ()


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
# The catalogue of wordings: rules/concerns/*.toml, validated by pydantic models


@dataclass(frozen=True)
class Entry:
    """A pattern, with an optional context that must also match in the block."""

    label: str  # "<file stem>:pattern:<number>"
    tokens: tuple[Element, ...]
    extra: tuple[Element, ...] | None = None  # the pattern's context
    requires: tuple[Requirement, ...] = ()
    extra_requires: tuple[Requirement, ...] = ()

    @property
    def extra_label(self) -> str:
        return self.label + ":context"


@dataclass(frozen=True)
class KindSpec:
    kind: str
    share: bool
    share_of: frozenset[str]
    model_anchors: tuple[str, ...]
    patterns: tuple[Entry, ...]


@dataclass(frozen=True, eq=False)
class Catalogue:
    kinds: tuple[KindSpec, ...]
    qualifiers: tuple[str, ...]
    not_a_share_after: tuple[str, ...]
    fractions: dict[str, Number]
    negation: dict[str, Any]  # keyword arguments of negation.Termsets.from_words

    def entries(self) -> Iterator[Entry]:
        for spec in self.kinds:
            yield from spec.patterns

    def patterns(self) -> list[tuple[str, Entry]]:
        """(kind, pattern) pairs of every kind, in the order they are tried."""
        return [(spec.kind, entry) for spec in self.kinds for entry in spec.patterns]


def concerns_folder() -> Path:
    from lgo_check.builtin_rules import builtin_rule_pack

    return builtin_rule_pack() / "concerns"


Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, to_lower=True)]


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _PatternModel(_FileModel):
    tokens: str
    context: str | None = None
    note: str | None = None


class _NegationModel(_FileModel):
    """NegEx termsets (see lgo_check/extract/concerns/negation.py)."""

    preceding: list[Phrase] = Field(default_factory=list)
    following: list[Phrase] = Field(default_factory=list)
    either: list[Phrase] = Field(default_factory=list)
    pseudo: list[Phrase] = Field(default_factory=list)
    terminators: list[Phrase] = Field(default_factory=list)
    general: list[Phrase] = Field(default_factory=list)
    window: int = Field(default=10, ge=1, le=40)


class _CommonModel(_FileModel):
    qualifiers: list[Phrase] = Field(default_factory=list)
    not_a_share_after: list[Phrase] = Field(default_factory=list)
    fractions: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(default_factory=dict)
    negation: _NegationModel = Field(default_factory=_NegationModel)


class _KindModel(_FileModel):
    kind: ConcernKind
    share: StrictBool = False
    #: Nouns a share of this kind counts ("40% of our enquiries"): a share of a noun
    #: that only another kind lists belongs to that kind, not this one.
    share_of: list[Phrase] = Field(default_factory=list)
    #: Words (compared by lemma) of which a sentence needs one for the classifier
    #: to find this kind in it: what the kind is about. Empty: no such condition.
    model_anchors: list[Phrase] = Field(default_factory=list)
    pattern: list[_PatternModel] = Field(min_length=1)


def _read(path: Path, model: type[M]) -> M:
    try:
        return validate(model, read_toml(path), path)
    except TomlFileError as exc:
        raise ConcernPatternError("\n".join(exc.problems)) from None


def _entries(path: Path, items: Sequence[_PatternModel], table: str) -> tuple[Entry, ...]:
    entries = []
    for number, item in enumerate(items, start=1):
        extra = item.context
        try:
            tokens = parse_tokens(item.tokens)
            more = parse_tokens(extra) if extra is not None else None
        except ValueError as exc:
            raise ConcernPatternError(f"{path}: [[{table}]] #{number}: {exc}") from None
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
    common = _read(common_path, _CommonModel)
    kinds: list[KindSpec] = []
    for path in sorted(folder.glob("*.toml")):
        if path == common_path:
            continue
        data = _read(path, _KindModel)
        if any(k.kind == data.kind for k in kinds):
            raise ConcernPatternError(f"{path}: kind {data.kind!r} is defined twice")
        patterns = _entries(path, data.pattern, "pattern")
        for entry in patterns:
            if not entry.requires:
                raise ConcernPatternError(
                    f"{path}: {entry.label}: a pattern needs at least one plain word that must "
                    "match (not only regexes, optional elements or very common short words), "
                    "so that the pre-filter can skip the blocks without it"
                )
        kinds.append(
            KindSpec(
                data.kind,
                data.share,
                frozenset(data.share_of),
                tuple(data.model_anchors),
                patterns,
            )
        )
    kinds.sort(key=lambda k: KIND_ORDER.index(k.kind))
    fractions = {" ".join(k.lower().split()): v for k, v in common.fractions.items()}
    return Catalogue(
        kinds=tuple(kinds),
        qualifiers=tuple(" ".join(q.split()) for q in common.qualifiers),
        not_a_share_after=tuple(" ".join(q.split()) for q in common.not_a_share_after),
        fractions={k: int(v) if float(v).is_integer() else v for k, v in fractions.items()},
        negation=common.negation.model_dump(),
    )


@dataclass(frozen=True)
class Share:
    start: int
    end: int
    value: Number
    qualifier: str | None
    #: The words just after the share ("of our enquiries" -> "enquiries"): what it counts.
    of: tuple[str, ...] = ()


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
            after = _COUNTED.match(text, m.end())
            counted = tuple(w.lower() for w in after.group(1).split()) if after else ()
            number = int(value) if value.is_integer() else value
            yield Share(m.start(), m.end(), number, qualifier, counted)


#: After a share: "of" (unless the fraction took it), determiners, then up to two words.
_COUNTED = re.compile(
    r"\s*(?:of\s+)?(?:(?:our|the|its|their|your|these|those|all|such|this|his|her)\s+)*"
    r"([A-Za-z]+(?:\s+[A-Za-z]+)?)"
)


def _number(text: str) -> int:
    return _NUMBER_WORDS.get(text.lower()) or int(text)


# --------------------------------------------------------------------------
# The spaCy pipeline, built once per process

#: The model's score at or above which it finds a kind (configuration: concern-threshold).
DEFAULT_THRESHOLD = 0.5
#: Blocks longer than this go to spaCy in pieces (spaCy refuses texts over max_length).
MAX_BLOCK_CHARS = 50_000
#: How many blocks' results a process remembers (see Pipeline.cache).
CACHE_BLOCKS = 20_000


@dataclass
class Pipeline:
    """The spaCy pipeline (tokenizer, sentencizer, lemmatiser, ``lgo_concerns``) and helpers."""

    nlp: Any
    finder: Any  # the lgo_concerns component (component.ConcernFinder)
    catalogue: Catalogue
    shares: ShareReader
    lemma: Callable[[str], str]
    #: The characters after which the pipeline's sentencizer may end a sentence, when
    #: that rule alone splits sentences (None: a trained pipeline's parser does).
    sentence_ends: frozenset[str] | None = None
    #: What was found in blocks already read, by their text: letters repeat the
    #: Ombudsman's standard paragraphs word for word, so most blocks of a run are
    #: read once. Bounded, oldest forgotten first.
    cache: dict[str, tuple[_Found, ...]] = field(default_factory=dict)
    #: The share of each concern found in a block (``_share``), by the block and finding.
    shares_found: dict[tuple[Any, ...], Share | None] = field(default_factory=dict)

    def remember(self, text: str, found: tuple[_Found, ...]) -> None:
        if len(self.cache) >= CACHE_BLOCKS:
            del self.cache[next(iter(self.cache))]
        self.cache[text] = found


@functools.cache
def catalogue() -> Catalogue:
    """The built-in catalogue (read once per process)."""
    return load_catalogue(concerns_folder())


def build_matchers(nlp: Any, cat: Catalogue) -> tuple[dict[str, Any], dict[str, Aligner]]:
    """A spaCy Matcher and an Aligner for each pattern, context, exception and ``unless``.

    One Matcher per entry (not one for all) lets a sentence be matched against only
    the few patterns whose words it contains: spaCy's Matcher costs time per
    pattern and token, and most sentences of a letter need none.
    """
    from spacy.matcher import Matcher

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
        aligners[label] = Aligner(pattern)

    for entry in cat.entries():
        add(entry.label, entry.tokens)
        if entry.extra is not None:
            add(entry.extra_label, entry.extra)
    return matchers, aligners


def pipeline(
    spacy_model: str | None = None, threshold: float | None = None, use_model: bool = True
) -> Pipeline:
    """The spaCy pipeline, built once per process (and per model and threshold)."""
    return _build_pipeline(
        spacy_model or None, DEFAULT_THRESHOLD if threshold is None else threshold, use_model
    )


def import_spacy() -> Any:
    """spaCy, imported without its command-line interface.

    ``import spacy`` imports ``spacy.cli`` (for ``spacy.info``), and with it typer,
    weasel, httpx, requests and every command's module: about a third of what
    importing spaCy costs, none of it needed here. While spaCy is imported, two
    stand-in modules take the place of ``spacy.cli`` and ``spacy.cli.info``; they
    are taken away afterwards, so ``import spacy.cli`` later imports the real one,
    and ``spacy.info`` imports it when called. If that ever fails (a spaCy that
    needs more of its CLI when imported), spaCy is imported as usual.
    """
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    package = types.ModuleType("spacy.cli")
    package.__path__ = []
    module = types.ModuleType("spacy.cli.info")

    def info(*args: Any, **kwargs: Any) -> Any:
        from spacy.cli.info import info as spacy_info

        return spacy_info(*args, **kwargs)

    module.info = info  # type: ignore[attr-defined]
    stand_ins = {"spacy.cli": package, "spacy.cli.info": module}
    if any(name in sys.modules for name in stand_ins):
        import spacy

        return spacy
    sys.modules.update(stand_ins)
    try:
        importlib.import_module("spacy")
    except ImportError:
        pass
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
        loaded = sys.modules.get("spacy")
        if loaded is not None and getattr(loaded, "cli", None) is package:
            delattr(loaded, "cli")
    return importlib.import_module("spacy")


@functools.cache
def _build_pipeline(spacy_model: str | None, threshold: float, use_model: bool) -> Pipeline:
    # Importing spaCy and building the pipeline makes some 100,000 objects that all
    # live as long as the process: the collector, run while they are made, would walk
    # them again and again and free nothing. It is off until they are frozen below.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(spacy_model, threshold, use_model)
    finally:
        if collecting:
            gc.enable()


def _build(spacy_model: str | None, threshold: float, use_model: bool) -> Pipeline:
    spacy = import_spacy()

    from spacy.pipeline import Sentencizer

    from lgo_check.extract.concerns import component, lemmas, sentences  # noqa: F401  (factories)
    from lgo_check.extract.concerns.classifier import MODEL_DIR, base_pipeline

    shipped = component.shipped_model_exists()
    # The shipped tokenizer is spaCy's English one unchanged (a test checks that):
    # built from the language's defaults, it need not be read again from disk.
    base = spacy.load(MODEL_DIR, exclude=["tokenizer"]) if shipped else base_pipeline()
    if spacy_model:
        try:
            nlp = spacy.load(spacy_model)
        except OSError as exc:
            raise ValueError(f"spaCy model {spacy_model!r} cannot be loaded: {exc}") from None
        unused = {"ner", "entity_linker", "entity_ruler", "textcat", "textcat_multilabel"}
        nlp.select_pipes(disable=[name for name in nlp.pipe_names if name in unused])
        if not {"parser", "senter", "sentencizer"} & set(nlp.pipe_names):
            nlp.add_pipe("sentencizer")
        nlp.add_pipe("lgo_lemmatizer", source=base)
        if shipped:
            nlp.add_pipe("textcat_multilabel", name="lgo_textcat", source=base)
    else:
        nlp = base
        if shipped:
            nlp.rename_pipe("textcat_multilabel", "lgo_textcat")
        if "sentencizer" in nlp.pipe_names:
            # The same rule as spaCy's Sentencizer, several times faster.
            old: Any = nlp.get_pipe("sentencizer")
            config = {"punct_chars": sorted(old.punct_chars), "overwrite": old.overwrite}
            nlp.replace_pipe("sentencizer", "lgo_sentencizer", config=config)
    # The classifier reads single sentences, and the lemmatiser is asked word by word
    # for the few sentences that need lemmas: lgo_concerns calls both, not the pipeline.
    for name in ("lgo_textcat", "lgo_lemmatizer"):
        if name in nlp.pipe_names:
            nlp.disable_pipe(name)
    finder: Any = nlp.add_pipe(
        "lgo_concerns", config={"threshold": threshold, "use_model": use_model}
    )
    cat = finder.catalogue
    lemmatiser: Any = nlp.get_pipe("lgo_lemmatizer")
    table = lemmatiser.lookups.get_table("lemma_lookup")

    def lemma(word: str) -> str:
        lower = word.lower()
        return str(table.get(lower, lower))

    splitter: Any = nlp.get_pipe("sentencizer") if "sentencizer" in nlp.pipe_names else None
    sentence_ends = None
    if nlp.pipe_names == ["sentencizer", "lgo_concerns"] and isinstance(splitter, Sentencizer):
        sentence_ends = frozenset("".join(splitter.punct_chars))
    built = Pipeline(nlp, finder, cat, ShareReader(cat), lemma, sentence_ends=sentence_ends)
    # The pipeline is some 100,000 objects that live as long as the process; left
    # in the collector's generations, every full collection walks them again (about
    # a tenth of the narrative stage's time). Frozen, the collector skips them
    # (and a forked worker's pages of them stay shared).
    gc.freeze()
    return built


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
    # Four words at most: a fifth piece of the split means more (no need to split all).
    return not block.rstrip().endswith((".", "!", "?", ")")) and len(block.split(None, 4)) <= 4


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
    text: str  # the block, newlines made spaces: what spaCy reads
    bits: int | None = None  # its words' bits (ConcernFinder.bits), once worked out


def find_concerns(
    norms: Sequence[NormalisedText],
    spacy_model: str | None = None,
    *,
    prefilter: bool = True,
    threshold: float | None = None,
    use_model: bool = True,
) -> list[list[Concern]]:
    """The concerns in each letter, in the order of the letters.

    ``prefilter=False`` sends every block through spaCy, and every pattern, context
    and exception through spaCy's Matcher in every sentence, none skipped by the
    word tests (for tests: the result must be the same, only slower). ``threshold``
    is the model's (default 0.5); ``use_model=False`` finds concerns by the rules
    alone.
    """
    results: list[list[Concern]] = [[] for _ in norms]
    blocks_found: list[tuple[_Block, tuple[_Found, ...]]] = []
    todo: list[_Block] = []
    model_only: list[_Block] = []
    pipe: Pipeline | None = None
    for index, norm in enumerate(norms):
        # A title ("Public reports") names a topic and states no concern.
        spans = [(s, e) for s, e in blocks(norm.text) if not _is_title(norm.text[s:e])]
        if spans and pipe is None:
            pipe = pipeline(spacy_model, threshold, use_model)
        for start, end in spans:
            text = norm.text[start:end]
            for offset, piece in _pieces(text):
                block = _Block(index, start + offset, piece.replace("\n", " "))
                if pipe is None or not prefilter:
                    todo.append(block)
                    continue
                known = pipe.cache.get(block.text)
                if known is not None:
                    blocks_found.append((block, known))
                    continue
                way = _way(block, pipe)
                if way == "spacy":
                    todo.append(block)
                elif way == "model":
                    model_only.append(block)
                else:
                    # Remembered too: a statistics sentence ("38% of complaints we
                    # investigated were upheld.") recurs across letters, and nothing is
                    # found in it again without working out its words' bits.
                    pipe.remember(block.text, ())
    if pipe is None:
        return results
    if model_only:
        # One sentence each, no rule can match: the model's scores alone say whether
        # spaCy has anything to find (it then reads the block as any other).
        finds = pipe.finder.model_may_find([(b.text, b.bits or 0) for b in model_only])
        for block, may in zip(model_only, finds, strict=True):
            if may:
                todo.append(block)
            else:
                blocks_found.append((block, ()))
                pipe.remember(block.text, ())
    docs = (
        pipe.nlp.pipe((_doc(b, pipe, exhaustive=not prefilter) for b in todo), batch_size=64)
        if todo
        else ()
    )
    for block, doc in zip(todo, docs, strict=True):
        found = _found_in(doc)
        blocks_found.append((block, found))
        if prefilter:
            pipe.remember(block.text, found)
    for block, found in blocks_found:
        results[block.letter].extend(_block_concerns(found, block, norms[block.letter], pipe))
    for concerns in results:
        concerns.sort(
            key=lambda c: (c.span.page or 0, c.span.line, c.span.column, KIND_ORDER.index(c.kind))
        )
    return results


def _way(block: _Block, pipe: Pipeline) -> Literal["none", "model", "spacy"]:
    """How a block not read before is read: "none" when it cannot hold a concern
    (no pattern can match in it and the model's gate is shut), "model" when only the
    model could find one and the block is one sentence (scored without spaCy first),
    else "spacy".

    The tests are necessary conditions of what spaCy's path finds, never guesses:
    the words some pattern needs (its bits) and, in the text's order, its literal
    words (``Aligner.may_occur``); the model's cue and anchor; and one sentence when
    no character the sentencizer ends a sentence after comes before the last.
    """
    finder = pipe.finder
    block.bits = bits = finder.bits(block.text)
    candidates = finder.candidates(bits)
    if candidates:
        lower = block.text.lower()
        if any(finder.aligners[entry.label].may_occur(lower) for _, entry in candidates):
            return "spacy"
    if not finder.model_gate(bits):
        return "none"
    ends = pipe.sentence_ends
    if ends is not None and ends.isdisjoint(block.text[:-1]):
        return "model"
    return "spacy"


def _doc(block: _Block, pipe: Pipeline, exhaustive: bool) -> Any:
    """The block's tokens, with its text and bits for lgo_concerns."""
    from lgo_check.extract.concerns.component import BITS_KEY, EXHAUSTIVE_KEY, TEXT_KEY

    doc = pipe.nlp.make_doc(block.text)
    doc.user_data[TEXT_KEY] = block.text
    if block.bits is not None:
        doc.user_data[BITS_KEY] = block.bits
    if exhaustive:
        doc.user_data[EXHAUSTIVE_KEY] = True
    return doc


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """The block in pieces of at most MAX_BLOCK_CHARS, cut after a sentence or a space."""
    start = 0
    while len(text) - start > MAX_BLOCK_CHARS:
        window = text[start : start + MAX_BLOCK_CHARS]
        cut = max(window.rfind(". "), window.rfind("\n"), window.rfind(" "))
        end = start + (cut + 1 if cut > 0 else MAX_BLOCK_CHARS)
        yield start, text[start:end]
        start = end
    yield start, text[start:]


@dataclass(frozen=True)
class _Found:
    """One sentence and kind that lgo_concerns found (offsets within the block)."""

    kind: str
    start: int
    end: int
    found_by: str
    score: float | None
    evidence: tuple[tuple[int, int], ...]


def _found_in(doc: Any) -> tuple[_Found, ...]:
    """What lgo_concerns wrote to ``doc.spans``, as plain values."""
    from lgo_check.extract.concerns.component import SPANS_KEY

    group = doc.spans[SPANS_KEY]
    return tuple(
        _Found(
            span.label_,
            span.start_char,
            span.end_char,
            group.attrs["found_by"][i],
            group.attrs["score"][i],
            tuple(tuple(e) for e in group.attrs["evidence"][i]),
        )
        for i, span in enumerate(group)
    )


def _block_concerns(
    found: Sequence[_Found], block: _Block, norm: NormalisedText, pipe: Pipeline
) -> Iterator[Concern]:
    specs = {spec.kind: spec for spec in pipe.catalogue.kinds}
    by_kind: dict[str, list[_Found]] = {}
    for item in found:
        by_kind.setdefault(item.kind, []).append(item)
    for kind, items in by_kind.items():
        sentences = [(item.start, item.end) for item in items]
        ways = {item.found_by for item in items}
        found_by = "both" if "both" in ways or {"rules", "model"} <= ways else ways.pop()
        scores = [item.score for item in items if item.score is not None]
        evidence = [list(item.evidence) or [(item.start, item.end)] for item in items]
        spec = specs.get(kind)
        share = None
        if spec is None or spec.share:
            # The same for the same block and findings: worked out once per process.
            key = (block.text, kind, tuple(sentences), tuple(map(tuple, evidence)))
            if key in pipe.shares_found:
                share = pipe.shares_found[key]
            else:
                if len(pipe.shares_found) >= CACHE_BLOCKS:
                    pipe.shares_found.clear()
                share = pipe.shares_found[key] = _share(block.text, sentences, evidence, kind, pipe)
        first, last = sentences[0][0], sentences[-1][1]
        span = norm.span(block.offset + first, block.offset + last)
        text = " ".join(" ".join(block.text[s:e].split()) for s, e in sentences)
        yield Concern(
            kind=kind,
            line=span.line,
            text=text,
            share_pct=share.value if share else None,
            qualifier=share.qualifier if share else None,
            span=span,
            sentences=[norm.span(block.offset + s, block.offset + e) for s, e in sentences],
            found_by=found_by,
            model_score=round(max(scores), 4) if scores else None,
        )


def _share(
    text: str,
    sentences: Sequence[tuple[int, int]],
    evidence: Sequence[Sequence[tuple[int, int]]],
    kind: str,
    pipe: Pipeline,
) -> Share | None:
    """The kind's share, from the first sentence that states one, nearest the concern's words.

    A share of something only another kind counts ("over half of recommendations"
    in a sentence about late replies to enquiries) is not this kind's.
    """
    own: frozenset[str] = frozenset()
    others: set[str] = set()
    for spec in pipe.catalogue.kinds:
        if spec.kind == kind:
            own = spec.share_of
        else:
            others |= spec.share_of
    for (start, end), matches in zip(sentences, evidence, strict=True):
        shares = [
            share
            for share in pipe.shares.find(text[start:end])
            if not (counted := {pipe.lemma(word) for word in share.of}) & others or counted & own
        ]
        if not shares:
            continue
        local = [(m_start - start, m_end - start) for m_start, m_end in matches]

        def distance(share: Share, local: list[tuple[int, int]] = local) -> int:
            return min(max(m_start - share.end, share.start - m_end, 0) for m_start, m_end in local)

        return min(shares, key=lambda share: (distance(share), share.start))
    return None
