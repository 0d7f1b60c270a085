"""Rules as data: threshold, comparison and concern rules read from TOML files.

A rule file holds ``[[rule]]`` tables. Conditions are structured data (a field, an
operator, and a value, another field or an option): nothing in a rule file is
ever evaluated as code. See ``rules/README.md`` for the format.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from lgo_check.model import BLOCK_MODELS, Concern, ConcernKind, Letter, Number, Severity, Span
from lgo_check.rule import Hit, RuleFromSpec
from lgo_check.tomlfile import TomlFileError, explain, read_toml
from lgo_check.trends import COMPARISONS, TREND_PLACEHOLDERS, DeclarativeTrendRule, TrendSpec

# {field} drops its fragment when the field is empty; {field?} renders as nothing.
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)(\??)\}")
_OPTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class RuleFileError(Exception):
    """A rule file is invalid; the message names the file, the rule and the field."""


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: Number | str | None = None
    other: str | None = Field(default=None, description="another field to compare with")
    option: str | None = Field(default=None, description="a rule option to compare with")

    @field_validator("field", "other")
    @classmethod
    def _known_field(cls, path: str | None) -> str | None:
        if path is not None:
            _check_path(path)
        return path

    @model_validator(mode="after")
    def _one_right_hand_side(self) -> Condition:
        given = [k for k in ("value", "other", "option") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'value', 'other' or 'option'")
        return self


class RuleSpec(BaseModel):
    """One ``[[rule]]`` table."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2,8}[0-9]{3,4}$")
    name: str = Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
    severity: Severity
    summary: str
    doc: str
    message: str | list[str]
    evidence: str | None = None
    concern: ConcernKind | None = None
    when: list[Condition] = Field(default_factory=list)
    #: A trend over the body's letters (lgo_check.trends): the rule runs on a body, not a letter.
    trend: TrendSpec | None = None
    options: dict[str, Number | str | bool] = Field(default_factory=dict)

    @field_validator("concern", mode="before")
    @classmethod
    def _known_concern(cls, kind: Any) -> Any:
        # A misspelt kind would be a rule that never fires: name the nearest kind.
        kinds = typing.get_args(ConcernKind)
        if isinstance(kind, str) and kind not in kinds:
            close = difflib.get_close_matches(kind, kinds, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(
                f"unknown concern kind {kind!r}; {hint}known kinds: {', '.join(kinds)}"
            )
        return kind

    @field_validator("evidence")
    @classmethod
    def _known_evidence(cls, path: str | None) -> str | None:
        if path is not None:
            _check_path(path)
        return path

    @field_validator("options")
    @classmethod
    def _option_names(cls, options: dict[str, Any]) -> dict[str, Any]:
        for name in options:
            if not _OPTION_NAME.match(name):
                raise ValueError(
                    f"option name {name!r} must be lower case with underscores "
                    "(config may still write it with hyphens)"
                )
        return options

    @model_validator(mode="after")
    def _check_references(self) -> RuleSpec:
        if not self.when and self.concern is None and self.trend is None:
            raise ValueError("a rule needs 'when' conditions, a 'concern' kind or a 'trend'")
        if self.trend is not None and self.concern is not None:
            raise ValueError("a rule has a 'trend' or a 'concern', not both")
        if self.trend and self.trend.option and self.trend.option not in self.options:
            raise ValueError(f"trend.option: {self.trend.option!r} is not in 'options'")
        for number, condition in enumerate(self.when):
            if condition.option is not None and condition.option not in self.options:
                raise ValueError(f"when.{number}.option: {condition.option!r} is not in 'options'")
        fragments = [self.message] if isinstance(self.message, str) else self.message
        for fragment in fragments:
            for name, _ in _PLACEHOLDER.findall(fragment):
                self._check_placeholder(name)
        return self

    def _check_placeholder(self, name: str) -> None:
        head, _, rest = name.partition(".")
        if head == "trend":
            if self.trend is None:
                raise ValueError(f"message: {{{name}}} is only for rules with 'trend'")
            if rest not in TREND_PLACEHOLDERS:
                raise ValueError(
                    f"message: {{{name}}}: a trend has {', '.join(TREND_PLACEHOLDERS)}"
                )
        elif head == "options":
            if rest not in self.options:
                raise ValueError(f"message: {{{name}}} names no option of this rule")
        elif head == "concern":
            if self.concern is None:
                raise ValueError(f"message: {{{name}}} is only for rules with 'concern'")
            if rest not in Concern.model_fields:
                raise ValueError(f"message: {{{name}}}: a concern has no field {rest!r}")
        else:
            try:
                _check_path(name)
            except ValueError as exc:
                raise ValueError(f"message: {{{name}}}: {exc}") from None


def _check_path(path: str) -> None:
    head, _, rest = path.partition(".")
    if head in BLOCK_MODELS:
        fields = BLOCK_MODELS[head].model_fields
        if rest not in fields or rest == "spans":
            raise ValueError(f"unknown field {path!r}; {head} has {', '.join(_names(fields))}")
    elif head not in Letter.model_fields or head in ("statistics", "concerns", "spans"):
        raise ValueError(f"unknown field {path!r}")


def _names(fields: dict[str, Any]) -> list[str]:
    return [f for f in fields if f != "spans"]


def resolve(letter: Letter, path: str) -> tuple[Any, Span | None]:
    """The value at ``block.field`` (or a letter field) and the span it came from."""
    head, _, rest = path.partition(".")
    if head in BLOCK_MODELS:
        block = getattr(letter.statistics, head)
        if block is None:  # the overview, in letters before 2024-25
            return None, None
        return getattr(block, rest), block.spans.get(rest)
    return getattr(letter, head), letter.spans.get(head)


def format_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(template: str | list[str], lookup: Callable[[str], Any]) -> str:
    """Fill ``{field}`` placeholders; a fragment with an empty ``{field}`` is dropped,
    an empty ``{field?}`` is left blank."""
    fragments = [template] if isinstance(template, str) else template
    out = []
    for fragment in fragments:
        found = _PLACEHOLDER.findall(fragment)
        values = {name: lookup(name) for name, _ in found}
        if any(values[name] is None and not optional for name, optional in found):
            continue
        for name, optional in found:
            value = values[name]
            text = "" if value is None else format_value(value)
            fragment = fragment.replace("{" + name + optional + "}", text)
            if not text:
                # "( 94%" -> "(94%", "a  b" -> "a b": the gap an empty value leaves.
                fragment = re.sub(r"(?<=\() +| +(?=\))|(?<= ) +", "", fragment)
        out.append(fragment)
    return "".join(out)


class DeclarativeRule(RuleFromSpec):
    """A rule defined by a RuleSpec; documentation and options come from the file."""

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        if self.spec.concern is not None:
            for concern in letter.concerns:
                if concern.kind == self.spec.concern and self._holds(letter, options):
                    yield Hit(self._message(letter, options, concern), _concern_span(concern))
            return
        if self._holds(letter, options):
            span = resolve(letter, self.spec.evidence)[1] if self.spec.evidence else None
            yield Hit(self._message(letter, options, None), span)

    def _holds(self, letter: Letter, options: Any) -> bool:
        for condition in self.spec.when:
            left = resolve(letter, condition.field)[0]
            if condition.other is not None:
                right = resolve(letter, condition.other)[0]
            elif condition.option is not None:
                right = getattr(options, condition.option)
            else:
                right = condition.value
            if left is None or right is None:
                return False  # a figure the letter does not state proves nothing
            try:
                if not COMPARISONS[condition.op](left, right):
                    return False
            except TypeError:
                return False
        return True

    def _message(self, letter: Letter, options: Any, concern: Concern | None) -> str:
        def lookup(name: str) -> Any:
            head, _, rest = name.partition(".")
            if head == "concern" and concern is not None:
                return getattr(concern, rest, None)
            if head == "options":
                return getattr(options, rest, None)
            try:
                return resolve(letter, name)[0]
            except AttributeError:
                return None

        return render(self.spec.message, lookup)


def _concern_span(concern: Concern) -> Span:
    return concern.span


def load_rule_file(path: Path) -> list[DeclarativeRule | DeclarativeTrendRule]:
    """Read and validate one rule file; raise RuleFileError naming file, rule and field."""
    try:
        data = read_toml(path)
    except TomlFileError as exc:
        raise RuleFileError(str(exc)) from None
    unknown = set(data) - {"rule"}
    if unknown:
        raise RuleFileError(
            f"{path}: unknown top-level key(s) {sorted(unknown)}; expected [[rule]]"
        )
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RuleFileError(f"{path}: 'rule' must be an array of tables, written [[rule]]")
    rules = []
    for number, table in enumerate(tables, start=1):
        label = table.get("name") or table.get("code") or f"rule #{number}"
        try:
            spec = RuleSpec.model_validate(table)
        except ValidationError as exc:
            problems = explain(exc, RuleSpec, f"{path}: rule {label!r}")
            raise RuleFileError("\n".join(problems)) from None
        rules.append(
            DeclarativeTrendRule(spec, path) if spec.trend else DeclarativeRule(spec, path)
        )
    return rules


def load_rule_paths(paths: list[Path]) -> list[DeclarativeRule | DeclarativeTrendRule]:
    rules: list[DeclarativeRule | DeclarativeTrendRule] = []
    for path in paths:
        files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
        for file in files:
            rules.extend(load_rule_file(file))
    return rules
