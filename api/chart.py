"""A horizontal bar chart as inline SVG, drawn on the server: no JavaScript library, readable without images
(a <title> and <desc>, and every page that shows one also has the same numbers in a table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader writes it (e.g. "71,3")
    highlight: bool = False


LABEL_W, BAR_W, VALUE_W, ROW_H, PAD = 190, 330, 52, 22, 6


def bar_chart(bars: Sequence[Bar], *, title: str, description: str, maximum: float = 100.0,
              chart_id: str = "chart", cut_after: int | None = None, cut_label: str = "") -> Markup:
    """One row per bar, highlighted bars darker; an optional dashed line after the first `cut_after` rows."""
    width = LABEL_W + BAR_W + VALUE_W
    height = PAD * 2 + ROW_H * len(bars)
    parts = [
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    scale = BAR_W / maximum if maximum > 0 else 0
    for i, bar in enumerate(bars):
        y = PAD + i * ROW_H
        length = max(0.0, min(bar.value, maximum)) * scale
        css = "bar hi" if bar.highlight else "bar"
        parts.append(f'<g class="{css}"><text class="label" x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">'
                     f'{escape(bar.label)}</text>'
                     f'<rect x="{LABEL_W}" y="{y + 3}" width="{length:.1f}" height="{ROW_H - 6}" rx="2"/>'
                     f'<text class="value" x="{LABEL_W + length + 4:.1f}" y="{y + 15}">{escape(bar.text)}</text></g>')
    if cut_after is not None and 0 < cut_after < len(bars):
        y = PAD + cut_after * ROW_H
        parts.append(f'<line class="cut" x1="0" x2="{width}" y1="{y}" y2="{y}"/>'
                     f'<text class="cut-label" x="{width - 4}" y="{y - 3}" text-anchor="end">'
                     f'{escape(cut_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
