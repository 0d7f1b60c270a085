"""The pack as Markdown, for wikis and repositories.

Text from a letter is escaped so that it can neither start Markdown structure
(a heading, a table cell, a link) nor carry raw HTML into a wiki page.
"""

from __future__ import annotations

import re

from lgo_check.pack.content import (
    INDEX_COLUMNS,
    MARKS,
    TREND_MEASURES,
    BodySection,
    Figure,
    Mark,
    Pack,
)

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# Only what would open a block: "# x", "- x", "+ x", "1. x", "1) x".
_LINE_START = re.compile(r"^(\d*)([#+\-.)])(?=\s|$)")


def md(text: str) -> str:
    """Text safe inside a Markdown paragraph or table cell, even at a line's start."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _mark(mark: Mark) -> str:
    return f"{mark.symbol} {mark.word}"


def _figure(figure: Figure) -> str:
    return md(figure.text) + (f" ({md(figure.place)})" if figure.place else "")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows), ""]


def _section(body: BodySection) -> list[str]:
    out = [f"## {md(body.title)}", ""]
    facts = [f"Letter: {md(body.path)}"]
    if body.letter_date:
        facts.append(f"dated {md(body.letter_date)}")
    out += ["; ".join(facts) + ".", "", "### Summary", ""]
    for line in body.summary:
        out += [md(line), ""]
    out += _table(
        ["Statistic", "Status", "Figure", "Similar bodies", "Set by"],
        [
            [
                md(s.label),
                _mark(s.status),
                md(s.body.text),
                md(s.average.text),
                md(", ".join(s.rule_codes) or s.status.meaning),
            ]
            for s in body.statistics
        ],
    )
    out += ["### Statistics against similar bodies", ""]
    out += _table(
        ["Statistic", "This body", "Similar bodies' average", "Based on"],
        [
            [md(s.label), _figure(s.body), _figure(s.average), md(s.basis or "-")]
            for s in body.statistics
        ],
    )
    if body.overview:
        out += _table(
            ["Complaint overview", "Count"], [[md(k), _figure(v)] for k, v in body.overview]
        )
    out += ["### Concerns raised in the letter", ""]
    if body.concerns:
        for c in body.concerns:
            where = ", ".join(filter(None, [c.place, c.how]))
            out += [f"**{md(c.label)}** ({md(where)})", "", f"> {md(c.text)}", ""]
    else:
        out += ["lgo-check found no concern in the letter's prose.", ""]
    out += ["### Findings and why they matter", ""]
    if body.findings:
        for f in body.findings:
            out.append(
                f"- **{f.severity.value.capitalize()}** {md(f.code)} {md(f.name)}: "
                f"{md(f.message)} ({md(f.place)})"
                + (f"  \n  *Why it matters:* {md(f.why)}" if f.why else "")
            )
        out.append("")
    else:
        out += ["No findings.", ""]
    out += ["### Caveats", ""]
    out += [f"- {md(c)}" for c in body.caveats] or ["None of the known caveats applies."]
    out += ["", "### Trend", "", md(body.trend_note), ""]
    out += _table(
        ["Year", *(label for _, label in TREND_MEASURES), "Letter"],
        [
            [md(r.year), *(_figure(r.figures[k]) for k, _ in TREND_MEASURES), md(r.path)]
            for r in body.trend
        ],
    )
    out += ["### Draft recommendations", "", "The committee is asked:", ""]
    out += [f"{n}. {md(r)}" for n, r in enumerate(body.recommendations, 1)]
    out.append("")
    return out


def render_markdown(pack: Pack) -> str:
    out = [f"# {md(pack.title)}", ""]
    for label, value in (
        ("Committee", pack.cover.committee),
        ("Meeting date", pack.cover.meeting_date),
        ("Author", pack.cover.author),
    ):
        if value:
            out.append(f"- **{label}:** {md(value)}")
    out += [f"- **Letters:** {sum(len(b.trend) for b in pack.bodies)}", "", "## Contents", ""]
    titles = (["All bodies"] if len(pack.bodies) > 1 else []) + [b.title for b in pack.bodies]
    if pack.left_out:
        titles.append("Files not in this pack")
    out += [f"{n}. {md(t)}" for n, t in enumerate(titles, 1)] + [""]
    if len(pack.bodies) > 1:
        out += ["## All bodies", ""]
        rows = []
        for b in pack.bodies:
            stats, counts = b.at_a_glance()
            rows.append(
                [
                    md(b.name),
                    md(b.year or "?"),
                    *(f"{_mark(s.status)} {md(s.brief)}".strip() for s in stats),
                    *counts,
                ]
            )
        out += _table(list(INDEX_COLUMNS), rows)
    if not pack.bodies:
        out += ["No annual review letter was found under the paths given.", ""]
    for body in pack.bodies:
        out += _section(body)
    if pack.left_out:
        out += ["## Files not in this pack", ""]
        out += _table(["File", "Reason"], [[md(i.path), md(i.reason)] for i in pack.left_out])
    out += ["## Key to the status marks", ""]
    seen: set[str] = set()
    keys = []
    for mark in MARKS:
        if mark.word not in seen:
            seen.add(mark.word)
            keys.append([_mark(mark), md(mark.meaning)])
    out += _table(["Status", "Meaning"], keys)
    out.append(
        f"Written by lgo-check {md(pack.version)}. Every figure is one lgo-check read "
        "from the letter named, at the place given; check them against the letter before "
        "publishing."
    )
    return "\n".join(out) + "\n"
