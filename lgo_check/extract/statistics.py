"""The three (or four) statistics blocks, read with the wording in ``layouts/statistics.toml``.

Every sentence the wording knows is found wherever it is; a sentence that names
its block ("... of complaints we investigated were upheld") places itself, and a
sentence shared by the blocks ("This compares to an average of ...") belongs to
the block of the nearest heading or placed sentence above it. This needs no
page layout and survives lost headings, joined lines and page artefacts.
A field stated twice with different values is left empty, with a Problem saying
so: never a guess.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from lgo_check.extract.layout import LayoutSpec, Wording, statistics_wording
from lgo_check.model import Block, Number, OverviewBlock, Problem, Span, Statistics, Status
from lgo_check.normalise import NormalisedText


@dataclass(frozen=True)
class _Found:
    block: str
    field: str
    value: Number
    span: Span


def parse_number(text: str, integer: bool) -> Number:
    cleaned = text.replace(",", "")
    value = float(cleaned)
    if integer or value.is_integer():
        return int(value)
    return value


_INTEGER_FIELDS = {
    "count",
    "investigations",
    "outcomes",
    "upheld_base",
    "dealt_with",
    "not_for_us",
    "assessed_and_closed",
    "investigated",
    "upheld",
}


def detect_layout(text: str, wording: Wording | None = None) -> LayoutSpec | None:
    wording = wording or statistics_wording()
    for layout in wording.layouts:
        if all(p.search(text) for p in layout.detect):
            return layout
    return None


def extract_statistics(
    norm: NormalisedText, layout: LayoutSpec | None, body: tuple[int, int] | None
) -> tuple[Statistics, list[Problem]]:
    """The statistics blocks; ``body`` is the letter's prose, where figures are not taken."""
    wording = statistics_wording()
    text = norm.text

    def in_body(offset: int) -> bool:
        return body is not None and body[0] <= offset < body[1]

    found: list[_Found] = []
    anchors: list[tuple[int, str]] = []  # (offset, block): where a block is known to be
    headings: dict[str, Span] = {}
    statuses: dict[str, tuple[str, Span, tuple[tuple[str, int], ...]]] = {}

    for heading in wording.headings:
        for pattern in heading.patterns:
            for m in pattern.finditer(text):
                if in_body(m.start()):
                    continue
                anchors.append((m.start(), heading.block))
                headings.setdefault(heading.block, norm.span(m.start(), m.end()))

    for status in wording.statuses:
        for pattern in status.patterns:
            for m in pattern.finditer(text):
                if in_body(m.start()):
                    continue
                anchors.append((m.start(), status.block))
                statuses.setdefault(
                    status.block, (status.status, norm.span(m.start(), m.end()), status.sets)
                )

    regional: list[tuple[int, tuple[tuple[str, str], ...], str, Span]] = []
    for figure in wording.figures:
        for pattern in figure.patterns:
            for m in pattern.finditer(text):
                if in_body(m.start()):
                    continue
                span = norm.span(m.start("value"), m.end("value"))
                if figure.sets:
                    anchors.append((m.start(), figure.sets[0][0]))
                    for target_block, target_field in figure.sets:
                        number = parse_number(m.group("value"), target_field in _INTEGER_FIELDS)
                        found.append(_Found(target_block, target_field, number, span))
                else:
                    regional.append((m.start(), figure.regional, m.group("value"), span))

    anchors.sort()
    positions = [offset for offset, _ in anchors]
    for offset, mapping, raw, span in regional:
        i = bisect_right(positions, offset) - 1
        if i < 0:
            continue  # before any statistics: body text, not a figure of this letter
        anchor_block = anchors[i][1]
        target = dict(mapping).get(anchor_block)
        if target is not None:
            value = parse_number(raw, target in _INTEGER_FIELDS)
            found.append(_Found(anchor_block, target, value, span))

    wanted = layout.blocks if layout else ("upheld", "compliance", "remedy")
    stats = Statistics(overview=OverviewBlock() if "overview" in wanted else None)
    blocks: dict[str, Block] = {
        "upheld": stats.upheld,
        "compliance": stats.compliance,
        "remedy": stats.remedy,
    }
    if stats.overview is not None:
        blocks["overview"] = stats.overview

    problems: list[Problem] = []
    for name, block in blocks.items():
        values: dict[str, list[_Found]] = {}
        for item in found:
            if item.block == name:
                values.setdefault(item.field, []).append(item)
        for field, items in values.items():
            distinct = {item.value for item in items}
            if len(distinct) > 1:
                shown = " and ".join(str(v) for v in sorted(distinct))
                problems.append(
                    Problem(
                        field=f"{name}.{field}",
                        reason=f"the letter states it more than once, as {shown}",
                        span=items[1].span,
                    )
                )
                continue
            setattr(block, field, items[0].value)
            block.spans[field] = items[0].span
        if name in headings:
            block.spans["heading"] = headings[name]
        block.status = _status(name, block, values, statuses)
        if block.status != Status.reported and name in statuses:
            _, span, sets = statuses[name]
            block.spans["status"] = span
            for field, value in sets:
                setattr(block, field, value)
                block.spans[field] = span
        headline = _HEADLINE.get(name)
        if (
            block.status == Status.reported
            and headline
            and getattr(block, headline) is None
            and f"{name}.{headline}" not in {p.field for p in problems}
        ):
            problems.append(
                Problem(
                    field=f"{name}.{headline}",
                    reason="the block has figures but its rate could not be read",
                    span=block.spans.get("heading"),
                )
            )
    return stats, problems


_HEADLINE = {"upheld": "rate_pct", "compliance": "rate_pct", "remedy": "rate_pct"}


def _status(
    name: str,
    block: Block,
    values: dict[str, list[_Found]],
    statuses: dict[str, tuple[str, Span, tuple[tuple[str, int], ...]]],
) -> Status:
    headline = _HEADLINE.get(name)
    has_headline = headline is not None and getattr(block, headline) is not None
    if name == "overview":
        has_headline = any(getattr(block, f) is not None for f in ("dealt_with", "investigated"))
    if has_headline:
        return Status.reported
    if name in statuses:
        return Status(statuses[name][0])
    if values:
        # Some figures but not the headline rate: report what is there, the rest stays null.
        return Status.reported
    return Status.missing
