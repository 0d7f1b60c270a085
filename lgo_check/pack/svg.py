"""Inline SVG bar charts: no script, no fonts fetched, readable without colour.

Each bar carries its label and value as text, the body's bar is solid and the
average's is a dashed outline, and the chart's ``<title>``/``<desc>`` state every
figure, so neither colour nor sight is needed to read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from lgo_check.model import Number

WIDTH = 470
LABEL_WIDTH = 200
BAR_AREA = 210
ROW = 30
BAR = 20


@dataclass(frozen=True)
class Bar:
    label: str
    value: Number
    text: str
    #: "solid" for the body, "outline" for an average.
    style: str = "solid"


def bar_chart(chart_id: str, title: str, bars: list[Bar], scale_max: Number | None = None) -> str:
    """A horizontal bar chart; ``scale_max`` fixes the scale (100 for percentages)."""
    top = max((b.value for b in bars), default=0)
    scale = scale_max if scale_max is not None else (top * 1.15 if top > 0 else 1)
    scale = max(scale, top) or 1
    height = ROW * len(bars) + 10
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars) + "."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height - 5}" '
        'stroke="#505050" stroke-width="1"/>',
    ]
    for i, bar in enumerate(bars):
        y = 5 + i * ROW
        width = max(0.0, BAR_AREA * float(bar.value) / float(scale))
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR / 2 + 5}" text-anchor="end" '
            f'font-size="14" fill="#1a1a1a">{escape(bar.label)}</text>'
        )
        if bar.style == "solid":
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" '
                'fill="#1d4f91"/>'
            )
        else:
            parts.append(
                f'<rect x="{LABEL_WIDTH + 1}" y="{y + 1}" width="{max(width - 2, 0):.1f}" '
                f'height="{BAR - 2}" fill="#ffffff" stroke="#505050" stroke-width="2" '
                'stroke-dasharray="5 3"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR / 2 + 5}" font-size="14" '
            f'font-weight="bold" fill="#1a1a1a">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
