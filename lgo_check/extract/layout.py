"""The letters' wording, read from data files in ``lgo_check/layouts/`` and compiled once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

FLAGS = re.IGNORECASE | re.MULTILINE


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


def compile_template(template: str, placeholders: dict[str, str]) -> re.Pattern[str]:
    """Compile a wording template: spaces become whitespace runs, then {names} are filled
    (placeholders get the same treatment, so "similar authorities" may wrap too)."""
    pattern = re.sub(
        r"\{([a-z_]+)\}",
        lambda m: _spaces(placeholders[m.group(1)]) if m.group(1) in placeholders else m.group(),
        _spaces(template),
    )
    return re.compile(pattern, FLAGS)


@dataclass(frozen=True)
class LayoutSpec:
    id: str
    description: str
    detect: tuple[re.Pattern[str], ...]
    blocks: tuple[str, ...]


@dataclass(frozen=True)
class FigureSpec:
    """A sentence that states a figure: fixed targets ("sets") or block-dependent ("regional")."""

    patterns: tuple[re.Pattern[str], ...]
    sets: tuple[tuple[str, str], ...] = ()
    regional: tuple[tuple[str, str], ...] = ()


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
class Wording:
    layouts: tuple[LayoutSpec, ...]
    headings: tuple[HeadingSpec, ...]
    statuses: tuple[StatusSpec, ...]
    figures: tuple[FigureSpec, ...]


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(files("lgo_check.layouts").joinpath(name).read_text(encoding="utf-8"))


@cache
def statistics_wording() -> Wording:
    data = _read("statistics.toml")
    ph: dict[str, str] = data["placeholders"]

    def compiled(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(compile_template(p, ph) for p in patterns)

    def targets(paths: list[str]) -> tuple[tuple[str, str], ...]:
        return tuple((p.split(".", 1)[0], p.split(".", 1)[1]) for p in paths)

    return Wording(
        layouts=tuple(
            LayoutSpec(x["id"], x["description"], compiled(x["detect"]), tuple(x["blocks"]))
            for x in data["layout"]
        ),
        headings=tuple(HeadingSpec(x["block"], compiled(x["patterns"])) for x in data["heading"]),
        statuses=tuple(
            StatusSpec(
                x["block"], x["status"], compiled(x["patterns"]), tuple(x.get("set", {}).items())
            )
            for x in data["status"]
        ),
        figures=tuple(
            FigureSpec(
                compiled(x["patterns"]),
                sets=targets(x.get("sets", [])),
                regional=tuple(x.get("regional", {}).items()),
            )
            for x in data["figure"]
        ),
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
    data = _read("metadata.toml")
    return MetadataWording(
        honorifics=frozenset(h.lower() for h in data["honorifics"]),
        title_words=frozenset(w.lower() for w in data["title_words"]),
        skip_lines=tuple(re.compile(p, FLAGS) for p in data["skip_lines"]),
        artefacts=tuple(
            re.compile(rf"^[ #*]*(?:{p})[ *]*$", FLAGS) for p in data["page_artefacts"]
        ),
        not_a_letter_unless=tuple(re.compile(p, FLAGS) for p in data["annual_review_signs"]),
    )
