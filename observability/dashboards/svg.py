"""Server-side SVG charts: lines over days, grouped bars over categories; axes, a legend, a <title> tooltip on
every point, and each point a link (when it has one) to the traces behind it."""

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from aistrale import display

WIDTH, HEIGHT = 620, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 12, 56
TICKS = 4
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d")
MAX_X_LABELS = 12


def value_text(value, unit: str) -> str:
    """A value as a tooltip or axis shows it, in the chart's unit."""
    if value is None:
        return display.NO_FIGURE
    if unit == "usd":
        return f"${value:,.4f}" if value < 100 else f"${value:,.0f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "ratio":
        return f"{value:.1%}"
    return display.figure(float(value))


def _scale_top(values: list[float]) -> float:
    """The axis top: TICKS round steps (1, 2, 2.5 or 5 times a power of ten) covering the largest value."""
    peak = max((value for value in values if value is not None), default=0) or 1.0
    magnitude = 10 ** math.floor(math.log10(peak / TICKS))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude * TICKS >= peak)
    return step * TICKS


def _axes(top: float, unit: str, x_labels: list[tuple[float, str]]) -> list[str]:
    plot_bottom, plot_right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{plot_bottom}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{plot_bottom}" x2="{plot_right}" y2="{plot_bottom}"/>',
    ]
    for tick in range(TICKS + 1):
        value = top * tick / TICKS
        y = plot_bottom - (plot_bottom - TOP) * tick / TICKS
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{plot_right}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">')
        parts.append(f"{escape(value_text(value, unit))}</text>")
    step = max(1, -(-len(x_labels) // MAX_X_LABELS))
    for index, (x, text) in enumerate(x_labels):
        if index % step == 0:
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{plot_bottom + 14}" text-anchor="end" '
                f'transform="rotate(-30 {x:.1f} {plot_bottom + 14})">{escape(text)}</text>'
            )
    return parts


def _legend(series: list[str]) -> str:
    items = "".join(
        f'<span class="dash-legend-item"><i style="background:{PALETTE[index % len(PALETTE)]}"></i>'
        f"{escape(name)}</span>"
        for index, name in enumerate(series)
    )
    return f'<div class="dash-legend">{items}</div>'


def _mark(shape: str, tooltip: str, link: str | None) -> str:
    body = f"{shape}<title>{escape(tooltip)}</title></{shape.split()[0][1:]}>"
    return f'<a href="{escape(link)}">{body}</a>' if link else body


def chart_svg(*, x_values: list[str], series: dict[str, dict[str, tuple]], unit: str, lines: bool) -> SafeString:
    """The SVG of `series` ({name: {x: (value, link)}}) over `x_values`, then its legend."""
    if not x_values:
        return mark_safe('<p class="dash-empty">No data in this range.</p>')
    top = _scale_top([value for points in series.values() for value, _ in points.values()])
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / len(x_values)
    centers = {x: LEFT + slot * (index + 0.5) for index, x in enumerate(x_values)}
    parts = [f'<svg class="dash-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg">']
    parts += _axes(top, unit, [(centers[x], x) for x in x_values])
    bar_width = slot * 0.8 / max(len(series), 1)
    for index, (name, points) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        coordinates, marks = [], []
        for x in x_values:
            if x not in points or points[x][0] is None:
                continue
            value, link = points[x]
            y = TOP + plot_height * (1 - value / top)
            tooltip = f"{x} · {name}: {value_text(value, unit)}"
            if lines:
                coordinates.append(f"{centers[x]:.1f},{y:.1f}")
                shape = f'<circle class="point" cx="{centers[x]:.1f}" cy="{y:.1f}" r="4" fill="{color}"'
            else:
                left = centers[x] - slot * 0.4 + bar_width * index
                shape = (
                    f'<rect class="bar" x="{left:.1f}" y="{y:.1f}" width="{bar_width:.1f}" '
                    f'height="{TOP + plot_height - y:.1f}" fill="{color}"'
                )
            marks.append(_mark(shape + ">", tooltip, link))
        if lines and len(coordinates) > 1:
            parts.append(f'<polyline fill="none" stroke="{color}" points="{" ".join(coordinates)}"/>')
        parts += marks
    parts.append("</svg>")
    return mark_safe("".join(parts) + _legend(list(series)))
