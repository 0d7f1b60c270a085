"""Acknowledged findings: a baseline file of findings a committee has already discussed.

``--write-baseline FILE`` records every current finding; ``--baseline FILE`` hides
the findings it lists, so that CI fails on a new concern and not on one already
noted. A finding is recognised by a fingerprint of its rule, the letter's body and
review year, and its evidence text (a figure, or a concern's whole sentence),
normalised (whitespace, case, typographic quotes and dashes, compatibility
characters), never its line or the file's path: a PDF re-export, a re-extraction
or a renamed file keeps it. A finding about
something absent has no evidence text; its message (which names what is missing)
stands in for it.

The file is TOML that a person edits: each ``[[acknowledged]]`` entry has the
rule, the body, the year, the file it was found in (informative only), the
message, the fingerprint, and a ``reason`` to fill in.

An entry that matches nothing any more is stale (rule ``stale-baseline-entry``),
but only when this run could have matched it: its rule ran, and either the
letter of its body and year was checked, or its file lies under a path of the
run (so a deleted letter makes its entries stale, while a pre-commit run on
some files leaves the entries of the others alone).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lgo_check.model import Acknowledged, FileReport, Finding, Letter, Severity
from lgo_check.rule import Hit, Rule
from lgo_check.tomlfile import TomlFileError, read_bounded, read_toml, validate

#: Far above any real archive (about 500 bytes an entry), far below a memory problem.
MAX_BASELINE_BYTES = 64_000_000
FORMAT_VERSION: Literal[1] = 1

_HEADER = """\
# lgo-check baseline: findings already acknowledged.
#
# `lgo-check --baseline FILE` hides the findings listed here from its output and
# exit status and counts them as acknowledged; a new finding still fails the run.
# Write in `reason` who noted each one and when, e.g. "noted by Audit Committee,
# 24 Oct 2024, minute 12". A finding is matched by its fingerprint (rule, body,
# review year and evidence text); `file` and `message` are there for people.
# An entry that matches nothing any more is reported as stale-baseline-entry.
"""

# Characters that a PDF re-export or another extraction spells differently.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
    }
)
_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")
_ENTRY_HEADER = re.compile(r"^\s*\[\[\s*acknowledged\s*\]\]")


class BaselineError(Exception):
    """The baseline file cannot be used; the message names the file and why."""


def normalise_text(text: str) -> str:
    """Text as a fingerprint sees it: compatibility forms folded, one kind of quote
    and dash, no invisible characters, case folded, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY)
    return " ".join(folded.casefold().split())


def evidence_text(finding: Finding) -> str | None:
    """The text of the finding's own region (a figure, a sentence), cut from the
    whole lines kept in ``finding.snippet``; None for a finding about something absent."""
    if not finding.snippet or finding.line is None or finding.column is None:
        return None
    lines = finding.snippet.split("\n")
    last = (finding.end_line or finding.line) - finding.line
    if last < 0 or last >= len(lines) or finding.end_column is None:
        return finding.snippet
    if last == 0:
        region = lines[0][finding.column - 1 : finding.end_column - 1]
    else:
        region = "\n".join(
            [lines[0][finding.column - 1 :], *lines[1:last], lines[last][: finding.end_column - 1]]
        )
    return region if region.strip() else finding.snippet


def fingerprint(rule_id: str, body: str | None, year: str | None, evidence: str) -> str:
    """32 hex digits from the rule, body, year and evidence, each normalised."""
    parts = [rule_id.strip().upper(), *(normalise_text(p or "") for p in (body, year, evidence))]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


#: Each checked file's body and review year by path, for the findings of the rules
#: that run after every file (over a body's letters), whose reports carry no letter.
Known = dict[str, tuple[str | None, str | None]]


def body_and_year(file: FileReport, known: Known | None = None) -> tuple[str | None, str | None]:
    letter: Letter | None = file.letter
    if letter is not None:
        return letter.organisation, letter.review_year
    return (known or {}).get(file.path, (None, None))


def letter_key(file: FileReport, known: Known | None = None) -> tuple[str, str]:
    """The normalised body and year a file's findings belong to.

    A file with neither (unreadable, or not a letter) is known by its file name,
    the only thing left that tells two such files apart.
    """
    body, year = body_and_year(file, known)
    if body is None and year is None:
        body = PurePath(file.path).name
    return normalise_text(body or ""), normalise_text(year or "")


def _evidence(finding: Finding, letter: Letter | None) -> str | None:
    """A prose finding's whole sentence as the letter has it (a PDF cuts a sentence's
    region at the page end); otherwise the text of the finding's region."""
    if letter is not None:
        place = (finding.line, finding.column, finding.page)
        for concern in letter.concerns:
            if (concern.span.line, concern.span.column, concern.span.page) == place:
                return concern.text
    return evidence_text(finding)


def finding_fingerprint(finding: Finding, file: FileReport, known: Known | None = None) -> str:
    body, year = letter_key(file, known)
    evidence = _evidence(finding, file.letter)
    # About something absent: the message names what is missing.
    stand_in = evidence if evidence is not None else f"absent: {finding.message}"
    return fingerprint(finding.rule_id, body, year, stand_in)


class Entry(BaseModel):
    """One acknowledged finding, as the baseline file writes it."""

    model_config = ConfigDict(extra="forbid")

    rule: str = Field(min_length=1)
    name: str = ""
    body: str | None = None
    year: str | None = None
    file: str | None = None
    message: str = ""
    fingerprint: str = Field(pattern=_FINGERPRINT.pattern)
    reason: str = ""


class BaselineFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = FORMAT_VERSION
    acknowledged: list[Entry] = Field(default_factory=list)


# --- writing ----------------------------------------------------------------------


def _toml_string(text: str) -> str:
    # JSON's escapes are all valid in a TOML basic string; TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def entries_for(
    files: Iterable[FileReport],
    baseline_dir: Path,
    reasons: dict[str, list[str]] | None = None,
    known: Known | None = None,
) -> list[Entry]:
    """An entry for every finding (and every already acknowledged one) of the files.

    An acknowledged finding keeps its reason, so that writing the baseline again
    keeps what people wrote; ``reasons`` (by fingerprint) may supply others.
    """
    reasons = {k: list(v) for k, v in (reasons or {}).items()}
    entries = []
    for file in files:
        if not file.checked:
            continue  # a file not checked is never acknowledged: nothing in it was looked at
        body, year = body_and_year(file, known)
        for finding in [*file.findings, *file.acknowledged]:
            digest = finding_fingerprint(finding, file, known)
            kept = reasons.get(digest) or [getattr(finding, "reason", "")]
            entries.append(
                Entry(
                    rule=finding.rule_id,
                    name=finding.rule,
                    body=body,
                    year=year,
                    file=_relative_to(Path(file.path), baseline_dir),
                    message=finding.message,
                    fingerprint=digest,
                    reason=kept.pop(0) if kept else "",
                )
            )
    return entries


def _relative_to(path: Path, folder: Path) -> str:
    """``path`` as the baseline file names it: relative to the baseline's folder."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return absolute.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return absolute.resolve().as_posix()


def render(entries: Sequence[Entry]) -> str:
    """The baseline file's text: a header, ``version``, then one table per entry."""
    out = [_HEADER, f"version = {FORMAT_VERSION}\n"]
    for entry in entries:
        out.append("\n[[acknowledged]]\n")
        for key in ("rule", "name", "body", "year", "file", "message", "fingerprint", "reason"):
            value = getattr(entry, key)
            if value is not None:
                out.append(f"{key} = {_toml_string(value)}\n")
    return "".join(out)


# --- reading and matching ---------------------------------------------------------


def load(path: Path, max_bytes: int = MAX_BASELINE_BYTES) -> Baseline:
    """Read and validate a baseline file; BaselineError naming the file and why if not."""
    try:
        data = read_toml(path, max_bytes=max_bytes)
        parsed = validate(BaselineFile, data, path)
    except TomlFileError as exc:
        raise BaselineError(str(exc)) from None
    # Counted from the text, since tomllib keeps no line numbers.
    try:
        text = read_bounded(path, max_bytes).decode("utf-8")
    except (OSError, ValueError):  # replaced since it was parsed: no lines to point at
        text = ""
    lines = [n for n, line in enumerate(text.splitlines(), 1) if _ENTRY_HEADER.match(line)]
    if len(lines) != len(parsed.acknowledged):
        lines = [1] * len(parsed.acknowledged)  # inline tables: no line per entry
    return Baseline(path, parsed.acknowledged, lines)


@dataclass
class StaleEntry:
    entry: Entry
    line: int


@dataclass
class Baseline:
    """The entries of one baseline file, and which of them this run has matched."""

    path: Path
    entries: list[Entry]
    lines: list[int]
    _unmatched: dict[str, list[int]] = field(default_factory=dict, init=False)
    _seen_letters: set[tuple[str, str]] = field(default_factory=set, init=False)
    _known: Known = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        unmatched: defaultdict[str, list[int]] = defaultdict(list)
        for index, entry in enumerate(self.entries):
            unmatched[entry.fingerprint].append(index)
        self._unmatched = dict(unmatched)

    def reasons(self) -> dict[str, list[str]]:
        """Each fingerprint's reasons, in file order (for writing the baseline again)."""
        found: defaultdict[str, list[str]] = defaultdict(list)
        for entry in self.entries:
            found[entry.fingerprint].append(entry.reason)
        return dict(found)

    def apply(self, file: FileReport) -> FileReport:
        """The file's report with the findings the baseline lists moved to ``acknowledged``."""
        if not file.checked:
            return file  # never acknowledged: nothing in it was looked at
        if file.letter is not None:
            self._known[file.path] = body_and_year(file)
        self._seen_letters.add(letter_key(file, self._known))
        kept: list[Finding] = []
        acknowledged = list(file.acknowledged)
        for finding in file.findings:
            waiting = self._unmatched.get(finding_fingerprint(finding, file, self._known))
            if waiting:
                entry = self.entries[waiting.pop(0)]
                acknowledged.append(
                    Acknowledged(**finding.model_dump(), reason=entry.reason.strip())
                )
            else:
                kept.append(finding)
        return file.model_copy(update={"findings": kept, "acknowledged": acknowledged})

    def stale(self, rules_run: Iterable[str], run_paths: Sequence[Path]) -> list[StaleEntry]:
        """Entries that matched nothing although this run could have matched them."""
        ran = {code.upper() for code in rules_run}
        roots = [p.resolve() for p in run_paths]
        out = []
        for indexes in self._unmatched.values():
            for index in indexes:
                entry = self.entries[index]
                if entry.rule.upper() not in ran:
                    continue
                key = (normalise_text(entry.body or ""), normalise_text(entry.year or ""))
                if entry.body is None and entry.year is None and entry.file:
                    key = (normalise_text(PurePath(entry.file).name), "")
                if key in self._seen_letters or self._under(entry.file, roots):
                    out.append(StaleEntry(entry, self.lines[index]))
        out.sort(key=lambda s: s.line)
        return out

    def stale_report(
        self, rules_run: dict[str, Severity], run_paths: Sequence[Path], display: str
    ) -> FileReport | None:
        """The stale entries as findings of the baseline file (``display`` is its path
        as the report names it), if stale-baseline-entry ran; its severity is the
        configured one in ``rules_run`` (rule code to severity)."""
        severity = rules_run.get(StaleBaselineEntry.code)
        if severity is None:
            return None
        stale = self.stale(rules_run, run_paths)
        if not stale:
            return None
        return FileReport(path=display, format="toml", findings=stale_findings(stale, severity))

    def _under(self, file: str | None, roots: Sequence[Path]) -> bool:
        if not file:
            return False
        where = (self.path.parent / file).resolve()
        return any(where == root or root in where.parents for root in roots)


class StaleBaselineEntry(Rule):
    """An entry of the baseline file matches no finding any more.

    ## What it does
    With `--baseline FILE`, reports each acknowledged finding that this run could
    have found but did not: the concern has gone from the letter, the letter has
    changed, or its file was deleted. An entry is judged only when its rule ran
    and either its letter (body and review year) was checked or its file lies
    under a path given to the run, so checking a few files leaves the entries of
    the others alone. The finding points at the entry's line in the baseline file.

    ## Why it matters
    A baseline that keeps entries for findings that are gone would silently
    acknowledge them if they came back. Remove the entry, or write the baseline
    again with `--write-baseline` (which keeps the reasons of the entries that still match).

    ## Example
    `lgo-baseline.toml:12:1: LGO009 warning Baseline entry LGO201 compliance-below-100
    (Glenhallow County Council, 2023-24) matches no finding any more ...`
    """

    code = "LGO009"
    name = "stale-baseline-entry"
    severity = Severity.warning
    needs_annual_review = False

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        # Judged over the whole run against the baseline file, never on one letter.
        return iter(())


def stale_message(entry: Entry) -> str:
    what = " ".join(part for part in (entry.rule, entry.name) if part)
    whose = ", ".join(part for part in (entry.body, entry.year) if part) or entry.file or "?"
    return (
        f"Baseline entry {what} ({whose}) matches no finding any more: remove it, "
        "or write the baseline again with --write-baseline."
    )


def stale_findings(stale: Sequence[StaleEntry], severity: Severity) -> list[Finding]:
    return [
        Finding(
            rule_id=StaleBaselineEntry.code,
            rule=StaleBaselineEntry.name,
            severity=severity,
            message=stale_message(item.entry),
            line=item.line,
            column=1,
            end_line=item.line,
            end_column=len("[[acknowledged]]") + 1,
        )
        for item in stale
    ]


def count_by_rule(files: Iterable[FileReport]) -> Counter[str]:
    """Acknowledged findings per rule code (for the summary)."""
    return Counter(f.rule_id for file in files for f in file.acknowledged)
