"""Own words: find runs of 8+ words the project shares with real letters.

python3 benchmarks/own_words.py [--words N] [--reference PATH ...] [PATH ...]

The project's wording (tests/, examples/, rules/, lgo_check/, README.md by default) must be
its own. This compares it with the real wording in ../shared/seeds/*.txt and the passages
of ../shared/real-wording/dev.json, after lower-casing and dropping punctuation, and prints
every run of N (default 8) or more consecutive words found in both, with the project file,
its line and the reference it matches. Exit status: 0 none, 1 some found, 2 no reference.

Only wording every letter must carry is exempt (TEMPLATE below: the Ombudsman's title and
the statistics panel's fixed labels). Everything else that is flagged should be rewritten.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PROJECT = ["tests", "examples", "rules", "lgo_check", "README.md"]
SUFFIXES = {".py", ".toml", ".txt", ".md", ".json", ".jsonl", ".html", ".htm", ".csv", ".yaml"}
SKIP_DIRS = {".venv", "__pycache__", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
# Wording every letter must contain: the Ombudsman's title and the fixed labels of the
# statistics panel (the extractor reads real letters by them, so test letters carry them too).
# "#" stands for a figure (one or more number tokens), "a|b" for either word. Words inside a
# template phrase never count towards a run; prose boilerplate is not listed and is flagged.
TEMPLATE = [
    "local government and social care ombudsman",
    "chair commission for local administration in england",
    "# of complaints we investigated were upheld",
    "this compares to an average of # in similar organisations|authorities",
    "this is # upheld decisions per 100 000 residents",
    "the average for authorities of this type is # upheld decisions per 100 000 residents",
    "statistics are based on a total of # investigations|outcomes|decisions",
    "compliance outcomes|decisions",
    "for the period between # april # to # march #",
    "in # of cases we were satisfied the organisation had successfully implemented our"
    " recommendations",
    "in # of upheld cases we found the organisation|authority had provided a satisfactory remedy"
    " before the complaint reached the ombudsman",
    "# satisfactory remedy decisions",
    "# upheld decisions",
    "no recommendations were due for compliance in this period",
    "the ombudsman carried out no investigations in this period",
    "the ombudsman did not uphold any complaints in this period",
    "complaints upheld",
    "compliance with ombudsman recommendations",
    "satisfactory remedy provided by the organisation|authority",
]
WORD = re.compile(r"[a-z0-9]+(?:['\u2019][a-z0-9]+)*")
# HTML tags are markup, not wording (a <p> must not join or split a run).
TAG = re.compile(r"<[^<>\n]*>")


@dataclass(frozen=True)
class Word:
    text: str
    line: int


@dataclass(frozen=True)
class Run:
    path: str
    line: int
    words: tuple[str, ...]
    reference: str


def words_of(text: str) -> list[Word]:
    """Lower-cased words with their line; apostrophes inside a word are dropped."""
    lowered = TAG.sub(lambda tag: " " * len(tag.group()), text.lower())
    out = []
    line, last = 1, 0
    for match in WORD.finditer(lowered):
        line += lowered.count("\n", last, match.start())
        last = match.start()
        out.append(Word(re.sub("['\u2019]", "", match.group()), line))
    return out


def reference_texts(paths: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """(label, text) for each seed letter and each passage of a dev.json-like list."""
    for path in paths:
        if path.suffix == ".json":
            for item in json.loads(path.read_text(encoding="utf-8")):
                yield f"{path.name}:{item.get('id', '?')}", str(item.get("text", ""))
        else:
            yield path.name, path.read_text(encoding="utf-8")


def default_references() -> list[Path]:
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    dev = SHARED / "real-wording" / "dev.json"
    return [*seeds, *([dev] if dev.is_file() else [])]


def project_files(targets: Iterable[Path]) -> Iterator[Path]:
    for target in targets:
        if target.is_file():
            yield target
        elif target.is_dir():
            for path in sorted(target.rglob("*")):
                if (
                    path.is_file()
                    and path.suffix.lower() in SUFFIXES
                    and not SKIP_DIRS & set(path.relative_to(target).parts)
                ):
                    yield path


def index(references: Iterable[tuple[str, str]], size: int) -> dict[tuple[str, ...], str]:
    grams: dict[tuple[str, ...], str] = {}
    for label, text in references:
        ws = [w.text for w in words_of(text)]
        for i in range(len(ws) - size + 1):
            grams.setdefault(tuple(ws[i : i + size]), label)
    return grams


# A piece of a template phrase this long is template too (a layout pattern, a quoted label).
TEMPLATE_PIECE = 5


def template_mask(ws: list[Word]) -> list[bool]:
    """True for each word inside a TEMPLATE phrase, or a piece of one TEMPLATE_PIECE long."""
    phrases = [[set(token.split("|")) for token in phrase.split()] for phrase in TEMPLATE]
    starts: dict[str, list[tuple[list[set[str]], int]]] = {}
    for phrase in phrases:
        for offset, token in enumerate(phrase):
            for word in token - {"#"}:
                starts.setdefault(word, []).append((phrase, offset))
    mask = [False] * len(ws)
    for start, first in enumerate(ws):
        for phrase, offset in starts.get(first.text, []):
            i, matched = start, 0
            for token in phrase[offset:]:
                if token == {"#"}:
                    j = i
                    while j < len(ws) and ws[j].text.isdigit():
                        j += 1
                    if j == i:
                        break
                    i = j
                elif i < len(ws) and ws[i].text in token:
                    i += 1
                else:
                    break
                matched += 1
            if matched >= min(TEMPLATE_PIECE, len(phrase)):
                mask[start:i] = [True] * (i - start)
    return mask


def shared_runs(path: str, text: str, grams: dict[tuple[str, ...], str], size: int) -> list[Run]:
    """Maximal runs of consecutive words, outside the template, found in the reference."""
    ws = words_of(text)
    mask = template_mask(ws)
    hits = [
        None if any(mask[i : i + size]) else grams.get(tuple(w.text for w in ws[i : i + size]))
        for i in range(len(ws) - size + 1)
    ]
    runs = []
    i = 0
    while i < len(hits):
        if hits[i] is None:
            i += 1
            continue
        j = i
        while j + 1 < len(hits) and hits[j + 1] is not None:
            j += 1
        words = tuple(w.text for w in ws[i : j + size])
        runs.append(Run(path, ws[i].line, words, str(hits[i])))
        i = j + 1
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="project files or folders")
    parser.add_argument("--words", type=int, default=8, help="shortest run reported (8)")
    parser.add_argument("--reference", action="append", type=Path, default=None)
    args = parser.parse_args(argv)
    references = args.reference or default_references()
    if not references:
        print(f"own_words: no reference wording found under {SHARED}", file=sys.stderr)
        return 2
    grams = index(reference_texts(references), args.words)
    targets = args.paths or [ROOT / name for name in PROJECT]
    found: list[Run] = []
    checked = 0
    for path in project_files(targets):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        checked += 1
        shown = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        found.extend(shared_runs(shown, text, grams, args.words))
    for run in found:
        print(f"{run.path}:{run.line}: {len(run.words)} words shared with {run.reference}:")
        print(f"    {' '.join(run.words)}")
    print(
        f"own_words: {len(found)} shared runs of {args.words}+ words in {checked} files "
        f"(reference: {len(references)} files)"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
