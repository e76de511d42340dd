"""Small server-side SVG bar charts (docs/home.md): no script, no CDN, no inline style (the CSP
forbids it); colours come from classes styled in static/gestion/gestion.css. The SVG is an image
for assistive technologies (role="img", <title>, <desc>): the numbers themselves are always given
next to it as a table."""

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 600
HEIGHT = 180
LEFT = 56  # room for the value axis labels, at least (wider when they are longer)
AXIS_CHAR = 6.5  # the width of an axis label's character, roughly, at the CSS font size
BOTTOM = 24  # room for the category labels
TOP = 10


@dataclass(frozen=True)
class Bar:
    label: str  # the category axis label (may be blank: only some labels are drawn)
    value: float
    text: str  # what the bar says as people read it (its tooltip), e.g. "27/11: 1 204"


def _ticks(top: float) -> list[float]:
    """Three round steps from 0 to at least `top` (1, 2, 2.5 or 5 × a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 3
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [step * i for i in range(4)]


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    desc: str,
    axis=lambda v: f"{v:g}",
    top: float | None = None,
    chart_id: str = "chart",
) -> SafeString:
    """An SVG bar chart of `bars`, left to right, with a value axis (four round gridlines from 0,
    or five from 0 to `top`, labelled by `axis`) and the category labels. No link inside: an image
    holds nothing interactive (WCAG); the table given with the chart carries the links."""
    if top is not None:  # a fixed scale (a rate: 0 to 100)
        ticks = [top * i / 4 for i in range(5)]
    else:
        ticks = _ticks(max((b.value for b in bars), default=0))
    ceiling = ticks[-1] or 1
    labels = [axis(tick) for tick in ticks]
    # Room for the longest value label ("1 000,00 €"), so that none is cut at the left edge.
    left = max(LEFT, math.ceil(AXIS_CHAR * max(len(label) for label in labels)) + 8)
    plot_w, plot_h = WIDTH - left, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for tick, label in zip(ticks, labels, strict=True):
        y = TOP + plot_h - plot_h * tick / ceiling
        parts.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
    for i, bar in enumerate(bars):
        h = plot_h * max(bar.value, 0) / ceiling
        x = left + i * slot + slot * 0.15
        rect = (
            f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}"><title>{escape(bar.text)}</title></rect>'
        )
        parts.append(rect)
        if bar.label:
            parts.append(
                f'<text class="axis" x="{x + slot * 0.35:.1f}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
