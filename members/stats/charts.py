"""Server-rendered SVG charts for the statistics dashboard.

Each chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>` (the
desc says in words what the chart shows), drawn with CSS classes only (the CSP allows
no style attributes), and always shown with the table behind it, which is the
accessible version of the same numbers. Every text goes through `format_html`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
LABEL_WIDTH = 240
BAR_HEIGHT = 22
BAR_GAP = 8
PLOT_HEIGHT = 220
MARGIN_TOP = 12
MARGIN_LEFT = 76
MARGIN_BOTTOM = 44


def fmt(value: float) -> str:
    return number_format(round(value), force_grouping=True)


@dataclass
class Series:
    name: str
    css: str  # a class from stats.css: series-1 … series-4, series-neg
    values: list[float | None]


def _svg(template: str, **kwargs) -> SafeString:
    """format_html with coordinates rounded to one decimal (format_html escapes every
    argument to a string first, so format specs cannot do it)."""
    rounded = {k: (f"{v:.1f}" if isinstance(v, float) else v) for k, v in kwargs.items()}
    return format_html(template, **rounded)


def _frame(chart_id: str, title: str, desc: str, height: int, body: SafeString) -> SafeString:
    return _svg(
        '<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title" '
        'aria-describedby="{id}-desc" '
        'viewBox="0 0 {w} {h}" preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        desc=desc,
        body=body,
    )


def nice_ticks(low: float, high: float, *, most: int = 6) -> list[int]:
    """Axis values for data between `low` and `high`: whole numbers a step of 1, 2 or 5
    times a power of ten apart (never less than 1: counts and kroner have no halves),
    from a multiple of the step at or below `low` to one at or above `high`, zero
    included whenever the range crosses it, and at most `most` of them."""
    low, high = min(low, high), max(low, high)
    step = 1
    while True:
        for factor in (1, 2, 5):
            candidate = step * factor
            bottom = math.floor(low / candidate) * candidate
            top = math.ceil(high / candidate) * candidate
            if top == bottom:
                top = bottom + candidate
            if (top - bottom) // candidate + 1 <= most:
                return list(range(bottom, top + 1, candidate))
        step *= 10


def _tick_labels(ticks: list[int]) -> list[str]:
    """Short labels (45 k) unless that makes two ticks look alike; then full numbers."""
    short = [_short_number(tick) for tick in ticks]
    return short if len(set(short)) == len(short) else [fmt(tick) for tick in ticks]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    items: list[tuple[str, int | str]],
    desc: str = "",
) -> SafeString:
    """Horizontal bars, one per (label, value). A value that is a string (such as the
    suppressed "<5") is written but gets no bar, so no small count shows by length."""
    numbers = [v for _label, v in items if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    plot = WIDTH - LABEL_WIDTH - 90
    parts = []
    for i, (label, value) in enumerate(items):
        y = MARGIN_TOP + i * (BAR_HEIGHT + BAR_GAP)
        middle = y + BAR_HEIGHT / 2 + 5
        length = plot * value / top if isinstance(value, int | float) else 0
        shown = fmt(value) if isinstance(value, int | float) else value
        parts.append(
            _svg(
                '<g class="bar"><text class="label" x="{lx}" y="{ty}" text-anchor="end">{label}'
                '</text><rect class="series-1" x="{x}" y="{y}" width="{w}" height="{h}"/>'
                '<text class="value" x="{vx}" y="{ty}">{shown}</text></g>',
                lx=LABEL_WIDTH - 8,
                ty=f"{middle}",
                label=_shorten(str(label), 34),
                x=LABEL_WIDTH,
                y=y,
                w=max(length, 0),
                h=BAR_HEIGHT,
                vx=LABEL_WIDTH + length + 6,
                shown=shown,
            )
        )
    height = MARGIN_TOP * 2 + max(len(items), 1) * (BAR_HEIGHT + BAR_GAP)
    if not desc:
        desc = "; ".join(
            f"{label}: {fmt(v) if isinstance(v, int | float) else v}" for label, v in items[:12]
        )
    return _frame(chart_id, title, desc, height, mark_safe("".join(parts)))  # noqa: S308


def column_chart(
    *,
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[Series],
    desc: str,
    line: Series | None = None,
) -> SafeString:
    """Grouped columns per label (months), negative values below a zero line, and an
    optional line series drawn over them (e.g. expected against paid)."""
    values = [v for s in series + ([line] if line else []) for v in s.values if v is not None]
    ticks = nice_ticks(min(values + [0]), max(values + [1]))
    top, bottom = ticks[-1], ticks[0]
    span = top - bottom
    plot_w = WIDTH - MARGIN_LEFT - 12
    height = MARGIN_TOP + PLOT_HEIGHT + MARGIN_BOTTOM

    def y_of(value: float) -> float:
        return MARGIN_TOP + PLOT_HEIGHT * (top - value) / span

    parts = []
    # Grid lines at whole, evenly spaced values, zero among them.
    for tick, label in zip(ticks, _tick_labels(ticks), strict=True):
        y = y_of(tick)
        parts.append(
            _svg(
                '<line class="{cls}" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/>'
                '<text class="axis" x="{tx}" y="{ty}" text-anchor="end">{label}</text>',
                cls="zero" if tick == 0 else "grid",
                x1=MARGIN_LEFT,
                x2=WIDTH - 12,
                y=y,
                tx=MARGIN_LEFT - 6,
                ty=y + 4,
                label=label,
            )
        )
    count = max(len(labels), 1)
    slot = plot_w / count
    group_w = slot * 0.8
    column_w = group_w / max(len(series), 1)
    label_every = -(-count // 8)  # at most eight month labels: they must not overlap
    for i, label in enumerate(labels):
        x0 = MARGIN_LEFT + i * slot + (slot - group_w) / 2
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            y_top, y_bottom = sorted((y_of(value), y_of(0)))
            parts.append(
                _svg(
                    '<rect class="{cls}" x="{x}" y="{y}" width="{w}" height="{h}">'
                    "<title>{label}: {name} {value}</title></rect>",
                    cls="series-neg" if value < 0 else s.css,
                    x=x0 + j * column_w,
                    y=y_top,
                    w=max(column_w - 1, 1),
                    h=max(y_bottom - y_top, 0.5 if value else 0),
                    label=label,
                    name=s.name,
                    value=fmt(value),
                )
            )
        if i % label_every == 0:
            parts.append(
                _svg(
                    '<text class="axis" x="{x}" y="{y}" text-anchor="middle">{label}</text>',
                    x=MARGIN_LEFT + i * slot + slot / 2,
                    y=MARGIN_TOP + PLOT_HEIGHT + 18,
                    label=label,
                )
            )
    if line is not None:
        points = [
            f"{MARGIN_LEFT + i * slot + slot / 2},{y_of(v)}"
            for i, v in enumerate(line.values)
            if v is not None
        ]
        if points:
            parts.append(
                _svg(
                    '<polyline class="line {cls}" points="{points}"/>',
                    cls=line.css,
                    points=" ".join(points),
                )
            )
    legend = series + ([line] if line else [])
    parts.append(_legend(legend, MARGIN_LEFT, MARGIN_TOP + PLOT_HEIGHT + 36))
    return _frame(chart_id, title, desc, height, mark_safe("".join(str(p) for p in parts)))  # noqa: S308


def line_chart(
    *, chart_id: str, title: str, labels: list[str], series: list[Series], desc: str
) -> SafeString:
    """One or more lines over months, the y axis from a rounded-down minimum so that
    changes in a large total stay visible (the axis values are printed)."""
    values = [v for s in series for v in s.values if v is not None]
    high = max(values, default=1)
    low = min(values, default=0)
    pad = max((high - low) * 0.1, 1)
    ticks = nice_ticks(max(low - pad, 0), high + pad)
    top, bottom = ticks[-1], ticks[0]
    span = (top - bottom) or 1
    plot_w = WIDTH - MARGIN_LEFT - 12
    height = MARGIN_TOP + PLOT_HEIGHT + MARGIN_BOTTOM
    count = max(len(labels), 1)
    slot = plot_w / count

    def y_of(value: float) -> float:
        return MARGIN_TOP + PLOT_HEIGHT * (top - value) / span

    parts = []
    for tick, label in zip(ticks, _tick_labels(ticks), strict=True):
        parts.append(
            _svg(
                '<line class="grid" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/>'
                '<text class="axis" x="{tx}" y="{ty}" text-anchor="end">{label}</text>',
                x1=MARGIN_LEFT,
                x2=WIDTH - 12,
                y=y_of(tick),
                tx=MARGIN_LEFT - 6,
                ty=y_of(tick) + 4,
                label=label,
            )
        )
    label_every = -(-count // 8)  # at most eight month labels: they must not overlap
    for i, label in enumerate(labels):
        if i % label_every == 0:
            parts.append(
                _svg(
                    '<text class="axis" x="{x}" y="{y}" text-anchor="middle">{label}</text>',
                    x=MARGIN_LEFT + i * slot + slot / 2,
                    y=MARGIN_TOP + PLOT_HEIGHT + 18,
                    label=label,
                )
            )
    for s in series:
        points = [
            (MARGIN_LEFT + i * slot + slot / 2, y_of(v), labels[i], v)
            for i, v in enumerate(s.values)
            if v is not None
        ]
        parts.append(
            _svg(
                '<polyline class="line {cls}" points="{points}"/>',
                cls=s.css,
                points=" ".join(f"{x},{y}" for x, y, _l, _v in points),
            )
        )
        parts.append(
            "".join(
                _svg(
                    '<circle class="dot {cls}" cx="{x}" cy="{y}" r="3">'
                    "<title>{label}: {value}</title></circle>",
                    cls=s.css,
                    x=x,
                    y=y,
                    label=label,
                    value=fmt(v),
                )
                for x, y, label, v in points
            )
        )
    parts.append(_legend(series, MARGIN_LEFT, MARGIN_TOP + PLOT_HEIGHT + 36))
    return _frame(chart_id, title, desc, height, mark_safe("".join(str(p) for p in parts)))  # noqa: S308


def _legend(series: list[Series], x: float, y: float) -> SafeString:
    items = []
    for i, s in enumerate(series):
        lx = x + i * 180
        items.append(
            _svg(
                '<rect class="{cls}" x="{x}" y="{y}" width="12" height="12"/>'
                '<text class="legend" x="{tx}" y="{ty}">{name}</text>',
                cls=s.css,
                x=lx,
                y=y - 10,
                tx=lx + 18,
                ty=y,
                name=_shorten(s.name, 24),
            )
        )
    return format_html('<g aria-hidden="true">{}</g>', mark_safe("".join(items)))  # noqa: S308


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short_number(value: float) -> str:
    """Axis labels: 1 200 000 → 1,2 mill., 45 000 → 45 k."""
    absolute = abs(value)
    if absolute >= 1_000_000:
        millions = value / 1_000_000
        return number_format(millions, 0 if abs(millions) >= 10 else 1) + " mill."
    if absolute >= 10_000:
        return number_format(value / 1000, 0) + " k"
    return fmt(value)
