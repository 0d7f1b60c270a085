"""The letters' wording, read from data files in ``lgo_check/layouts/`` and compiled once."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from lgo_check.model import (
    FIGURE_FIELDS,
    Status,
)
from lgo_check.tomlfile import TomlFileError, load_toml

FLAGS = re.IGNORECASE | re.MULTILINE
_Model = TypeVar("_Model", bound=BaseModel)


def _spaces(template: str) -> str:
    """Each space matches any whitespace (labels wrap onto new lines); " ?" is optional
    whitespace; spaces inside ``[...]`` stay literal."""
    out: list[str] = []
    in_class = escaped = False
    i = 0
    while i < len(template):
        ch = template[i]
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == " " and not in_class:
            optional = template[i + 1 : i + 2] == "?"
            out.append(r"\s*" if optional else r"\s+")
            i += 2 if optional else 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_PLACEHOLDER = re.compile(r"\{([a-z_]+)(?:@([a-z_]+))?\}")


def compile_template(template: str, placeholders: dict[str, str]) -> re.Pattern[str]:
    """Compile a wording template: spaces become whitespace runs, then {names} are filled
    (placeholders get the same treatment, so "similar authorities" may wrap too).

    ``{int@upheld}`` is the placeholder ``int`` with its value group named ``upheld``,
    for a sentence that states two figures.
    """
    return re.compile(expand_template(template, placeholders), FLAGS)


def expand_template(template: str, placeholders: dict[str, str], depth: int = 0) -> str:
    if depth > 3:
        raise ValueError(f"placeholders nested too deeply in {template!r}")

    def fill(m: re.Match[str]) -> str:
        if m.group(1) not in placeholders:
            return m.group()
        text = expand_template(placeholders[m.group(1)], placeholders, depth + 1)
        if m.group(2):
            text = text.replace("(?P<value>", f"(?P<{m.group(2)}>")
        return text

    return _PLACEHOLDER.sub(fill, _spaces(template))


# --- first characters: a cheap test before trying every alternative -------------------

try:  # the parser behind re (re._parser since Python 3.11); without it, no guards
    _sre_parser: Any = importlib.import_module("re._parser")
    _sre: Any = importlib.import_module("re._constants")
    _CATEGORIES = {
        _sre.CATEGORY_DIGIT: r"\d",
        _sre.CATEGORY_NOT_DIGIT: r"\D",
        _sre.CATEGORY_SPACE: r"\s",
        _sre.CATEGORY_NOT_SPACE: r"\S",
        _sre.CATEGORY_WORD: r"\w",
        _sre.CATEGORY_NOT_WORD: r"\W",
    }
except (ImportError, AttributeError):  # pragma: no cover - a Python without them
    _sre_parser = None


class _NotKnown(Exception):
    """A pattern whose first character cannot be told (``.``, a negated class ...)."""


def _class_char(code: int) -> str:
    return "\\" + chr(code) if chr(code) in "\\]^-[" else re.escape(chr(code))


def _first_of_sequence(items: Any, out: set[str]) -> bool:
    """Add what the sequence's first character can be to ``out``; True if the sequence
    can match the empty string (what follows it then counts too)."""
    return all(_first_of_item(op, av, out) for op, av in items)


def _first_of_item(op: Any, av: Any, out: set[str]) -> bool:
    if op is _sre.LITERAL:
        out.add(_class_char(av))
        return False
    if op is _sre.IN:
        for item_op, item in av:
            if item_op is _sre.LITERAL:
                out.add(_class_char(item))
            elif item_op is _sre.RANGE:
                out.add(f"{_class_char(item[0])}-{_class_char(item[1])}")
            elif item_op is _sre.CATEGORY and item in _CATEGORIES:
                out.add(_CATEGORIES[item])
            else:
                raise _NotKnown
        return False
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        return True  # zero width: the next item starts the match
    if op is _sre.SUBPATTERN:
        _, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            raise _NotKnown
        return _first_of_sequence(sub, out)
    if op is _sre.BRANCH:
        empty = False
        for alternative in av[1]:
            empty = _first_of_sequence(alternative, out) or empty
        return empty
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
        least, _, sub = av
        return _first_of_sequence(sub, out) or least == 0
    if op is getattr(_sre, "ATOMIC_GROUP", None):
        return _first_of_sequence(av, out)
    raise _NotKnown


def first_chars(source: str, flags: int = FLAGS) -> str | None:
    """A character class holding every character a match of ``source`` (compiled with
    ``flags``) can start with, or None when that is not known or a match can be empty."""
    if _sre_parser is None:
        return None
    found: set[str] = set()
    try:
        if _first_of_sequence(_sre_parser.parse(source, flags), found):
            return None
    except Exception:  # anything the walk does not know: no guard, never a wrong one
        return None
    return "[" + "".join(sorted(found)) + "]"


def guarded(source: str, flags: int = FLAGS) -> str:
    """``source`` behind a lookahead for its first characters. It matches exactly what
    ``source`` matches; at other positions the engine fails at once instead of trying
    each alternative (Python's engine has no such skip for case-insensitive patterns)."""
    chars = first_chars(source, flags)
    return f"(?={chars})(?:{source})" if chars else source


def _field_path(path: str) -> str:
    block, _, name = path.partition(".")
    if name.rstrip("?") not in FIGURE_FIELDS.get(block, ()):
        raise ValueError(f"{path!r} is not a statistics field (block.field)")
    return path


def _block(name: str) -> str:
    if name not in FIGURE_FIELDS:
        raise ValueError(f"{name!r} is not a statistics block ({', '.join(FIGURE_FIELDS)})")
    return name


FieldPath = Annotated[str, AfterValidator(_field_path)]
BlockName = Annotated[str, AfterValidator(_block)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LayoutEntry(_Strict):
    id: str
    description: str
    detect: list[str] = Field(min_length=1)
    blocks: list[BlockName] = Field(min_length=1)
    expects: dict[BlockName, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _expected_fields_exist(self) -> _LayoutEntry:
        for block, names in self.expects.items():
            for name in names:
                _field_path(f"{block}.{name}")
        return self


class _HeadingEntry(_Strict):
    block: BlockName
    patterns: list[str] = Field(min_length=1)


class _StatusEntry(_Strict):
    block: BlockName
    status: Status
    patterns: list[str] = Field(min_length=1)
    set: dict[str, int] = Field(default_factory=dict)


class _FigureEntry(_Strict):
    patterns: list[str] = Field(min_length=1)
    sets: list[FieldPath] = Field(default_factory=list)
    values: dict[str, list[FieldPath]] = Field(default_factory=dict)
    regional: dict[BlockName, str] = Field(default_factory=dict)
    marks: bool = True

    @model_validator(mode="after")
    def _one_kind(self) -> _FigureEntry:
        if sum(map(bool, (self.sets, self.values, self.regional))) != 1:
            raise ValueError("a figure has exactly one of sets, values or regional")
        for block, name in self.regional.items():
            _field_path(f"{block}.{name}")
        return self


class _LabelEntry(_Strict):
    fields: list[FieldPath] = Field(min_length=1)
    unit: Literal["pct", "number"]
    patterns: list[str] = Field(min_length=1)


class _Cues(_Strict):
    foreign: list[str] = Field(min_length=1)
    box: list[str] = Field(min_length=1)
    own: list[str] = Field(min_length=1)
    per_100k: str
    peer_average_per_100k: str


class _Columns(_Strict):
    own: list[str] = Field(min_length=1)
    peer: list[str] = Field(min_length=1)


class StatisticsFile(_Strict):
    """``layouts/statistics.toml``: checked when it is loaded, so a typo fails loudly."""

    placeholders: dict[str, str]
    layout: list[_LayoutEntry] = Field(min_length=1)
    heading: list[_HeadingEntry]
    status: list[_StatusEntry]
    figure: list[_FigureEntry]
    cues: _Cues
    label: list[_LabelEntry]
    columns: _Columns


class MetadataFile(_Strict):
    """``layouts/metadata.toml``."""

    honorifics: list[str]
    title_words: list[str]
    skip_lines: list[str]
    page_artefacts: list[str]
    annual_review_signs: list[str] = Field(min_length=1)


class LayoutFileError(Exception):
    """A layout file that does not parse or does not fit its model (a packaging error)."""


@dataclass(frozen=True)
class LayoutSpec:
    id: str
    description: str
    detect: tuple[re.Pattern[str], ...]
    blocks: tuple[str, ...]
    #: block -> (field, cue or None): the figures a reported block states.
    expects: dict[str, tuple[tuple[str, re.Pattern[str] | None], ...]] = dc_field(
        default_factory=dict
    )


@dataclass(frozen=True)
class FigureSpec:
    """A sentence that states figures: fixed targets per value group, or block-dependent
    ("regional", the group ``value``)."""

    patterns: tuple[re.Pattern[str], ...]
    #: value group -> the block.field paths it sets
    sets: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    regional: tuple[tuple[str, str], ...] = ()
    #: Whether the figure marks where its block is (a "regional" figure after it
    #: belongs to that block): false for a label that other blocks use too.
    marks: bool = True


@dataclass(frozen=True)
class StatusSpec:
    block: str
    status: str
    patterns: tuple[re.Pattern[str], ...]
    sets: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class HeadingSpec:
    block: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class LabelSpec:
    fields: tuple[tuple[str, str], ...]
    unit: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Wording:
    layouts: tuple[LayoutSpec, ...]
    headings: tuple[HeadingSpec, ...]
    statuses: tuple[StatusSpec, ...]
    figures: tuple[FigureSpec, ...]
    labels: tuple[LabelSpec, ...] = ()
    foreign: re.Pattern[str] | None = None
    own: re.Pattern[str] | None = None
    box: re.Pattern[str] | None = None
    own_column: re.Pattern[str] | None = None
    peer_column: re.Pattern[str] | None = None


def load_layout_file(path: Path, model: type[_Model]) -> _Model:
    """A layout file read with the project's one TOML reader and checked by its model."""
    try:
        return load_toml(path, model)
    except TomlFileError as exc:
        raise LayoutFileError("\n".join(exc.problems)) from exc


def _read(name: str, model: type[_Model]) -> _Model:
    with as_file(files("lgo_check.layouts").joinpath(name)) as path:
        return load_layout_file(path, model)


def _pair(path: str) -> tuple[str, str]:
    block, _, name = path.partition(".")
    return block, name


@cache
def statistics_wording() -> Wording:
    data = _read("statistics.toml", StatisticsFile)
    ph = data.placeholders

    def compiled(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        try:
            return tuple(compile_template(p, ph) for p in patterns)
        except (re.error, ValueError) as exc:
            raise LayoutFileError(f"lgo_check/layouts/statistics.toml: {exc}") from exc

    def one(patterns: list[str], whole: bool = False) -> re.Pattern[str]:
        parts = [p.pattern for p in compiled(patterns)]
        joined = "|".join(f"(?:{p})" for p in parts)
        return re.compile(rf"^(?:{joined})$" if whole else joined, FLAGS)

    def cue(name: str) -> re.Pattern[str] | None:
        return one([getattr(data.cues, name)]) if hasattr(data.cues, name) else None

    return Wording(
        layouts=tuple(
            LayoutSpec(
                x.id,
                x.description,
                tuple(re.compile(guarded(p.pattern), FLAGS) for p in compiled(x.detect)),
                tuple(x.blocks),
                {
                    block: tuple(
                        (n.rstrip("?"), cue(n.rstrip("?")) if n.endswith("?") else None)
                        for n in names
                    )
                    for block, names in x.expects.items()
                },
            )
            for x in data.layout
        ),
        headings=tuple(HeadingSpec(x.block, compiled(x.patterns)) for x in data.heading),
        statuses=tuple(
            StatusSpec(x.block, x.status, compiled(x.patterns), tuple(x.set.items()))
            for x in data.status
        ),
        figures=tuple(
            FigureSpec(
                compiled(x.patterns),
                sets=(("value", tuple(map(_pair, x.sets))),)
                if x.sets
                else tuple((g, tuple(map(_pair, paths))) for g, paths in x.values.items()),
                regional=tuple(x.regional.items()),
                marks=x.marks,
            )
            for x in data.figure
        ),
        labels=tuple(
            LabelSpec(tuple(map(_pair, x.fields)), x.unit, one(x.patterns, whole=True))
            for x in data.label
        ),
        # One check that a cue starts a word, before trying each cue.
        foreign=re.compile(guarded(r"(?<![\w-])(?:" + one(data.cues.foreign).pattern + ")"), FLAGS),
        own=one(data.cues.own),
        box=one(data.cues.box),
        own_column=one(data.columns.own, whole=True),
        peer_column=one(data.columns.peer, whole=True),
    )


@dataclass(frozen=True)
class MetadataWording:
    honorifics: frozenset[str]
    title_words: frozenset[str]
    skip_lines: tuple[re.Pattern[str], ...]
    artefacts: tuple[re.Pattern[str], ...]
    not_a_letter_unless: tuple[re.Pattern[str], ...]


@cache
def metadata_wording() -> MetadataWording:
    data = _read("metadata.toml", MetadataFile)
    try:
        return MetadataWording(
            honorifics=frozenset(h.lower() for h in data.honorifics),
            title_words=frozenset(w.lower() for w in data.title_words),
            # One expression: a line is skipped if any of them matches it.
            skip_lines=(re.compile("|".join(f"(?:{p})" for p in data.skip_lines), FLAGS),),
            # One expression for all of them: one pass over the text, not one each
            # (a line is blanked if any of them is the whole line, as before).
            artefacts=(
                re.compile(
                    r"^[ #*]*(?:" + "|".join(f"(?:{p})" for p in data.page_artefacts) + r")[ *]*$",
                    FLAGS,
                ),
            ),
            not_a_letter_unless=tuple(re.compile(p, FLAGS) for p in data.annual_review_signs),
        )
    except re.error as exc:
        raise LayoutFileError(f"lgo_check/layouts/metadata.toml: {exc}") from exc
