"""Charts drawn on the server as inline SVG: a timeline of periods and bars by year.

Only geometry is computed here (in SVG user units; the SVG scales with its ``viewBox``); the
template writes the elements, each bar with a ``<title>`` for screen readers and tooltips.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rcpkg.pages.model import Bar, Chart, GridLine, Tick

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def start_point(text: str) -> float | None:
    """The start of an ISO date of any precision as a fractional year."""
    match = _ISO.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    point = float(year)
    if month:
        point += (int(month) - 1) / 12
    if day:
        point += (int(day) - 1) / 365
    return point


def end_point(text: str) -> float | None:
    """The end of an ISO date of any precision (the end of that year, month or day)."""
    match = _ISO.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    if day:
        return float(year) + (int(month) - 1) / 12 + int(day) / 365
    if month:
        return float(year) + int(month) / 12
    return float(year) + 1


@dataclass
class Period:
    """A row of a timeline: a name, where it links, its start and end (ISO, any precision)."""

    name: str
    href: str | None
    start: str | None
    end: str | None
    title: str
    current: bool = False
    #: Where an open period ends on the chart (the date its source reflects), as a year.
    until: float | None = None


def timeline(
    chart_id: str, title: str, description: str, periods: Sequence[Period], until: float
) -> Chart | None:
    """Horizontal bars on a time axis, one row per period; open periods run to ``until``."""
    spans = []
    for p in periods:
        start = start_point(p.start) if p.start else None
        if start is None:
            continue
        end = end_point(p.end) if p.end else None
        if end is None:
            end = max(p.until or until, start + 1 / 12)
        spans.append((p, start, end))
    if not spans:
        return None
    first = int(min(s for _, s, _ in spans))
    last = int(max(e for _, _, e in spans) + 0.999)
    last = max(last, first + 1)
    name_width, left_pad, right_pad = 190.0, 10.0, 20.0
    row, bar_height, top = 30.0, 18.0, 10.0
    width = 760.0
    plot = width - name_width - left_pad - right_pad
    x0 = name_width + left_pad

    def x(year: float) -> float:
        return round(x0 + (year - first) / (last - first) * plot, 2)

    height = top + row * len(spans) + 30
    chart = Chart(chart_id, title, description, width, height)
    for year in range(first, last + 1):
        chart.grid.append(GridLine(x(year), top - 4, x(year), top + row * len(spans)))
        if year < last:
            chart.ticks.append(Tick(x(year + 0.5), top + row * len(spans) + 18, str(year)))
    for index, (p, start, end) in enumerate(spans):
        y = top + index * row + (row - bar_height) / 2
        chart.names.append(Tick(name_width, y + bar_height - 4, p.name, "end"))
        chart.bars.append(
            Bar(
                x(start),
                y,
                max(x(end) - x(start), 2.0),
                bar_height,
                p.title,
                p.href,
                "bar current" if p.current else "bar",
            )
        )
    return chart


def bars_by_year(
    chart_id: str, title: str, description: str, counts: dict[int, int], unit: str
) -> Chart | None:
    """Vertical bars, one per year from the first to the last (empty years included)."""
    if not counts:
        return None
    first, last = min(counts), max(counts)
    years = list(range(first, last + 1))
    top_count = max(counts.values())
    width, left, bottom, top = 760.0, 30.0, 30.0, 22.0
    height = 220.0
    plot_h = height - bottom - top
    slot = (width - left - 10) / len(years)
    bar_w = min(slot * 0.7, 60.0)
    chart = Chart(chart_id, title, description, width, height)
    step = max(1, round(top_count / 4))
    for level in range(0, top_count + 1, step):
        y = round(top + plot_h - level / top_count * plot_h, 2)
        chart.grid.append(GridLine(left, y, width - 10, y))
        chart.names.append(Tick(left - 6, y + 4, str(level), "end"))
    for i, year in enumerate(years):
        n = counts.get(year, 0)
        h = round(n / top_count * plot_h, 2)
        cx = left + slot * i + slot / 2
        y = top + plot_h - h
        chart.ticks.append(Tick(round(cx, 2), height - 10, str(year)))
        if n:
            word = unit if n == 1 else unit + "s"
            chart.bars.append(
                Bar(
                    round(cx - bar_w / 2, 2),
                    round(y, 2),
                    round(bar_w, 2),
                    h,
                    f"{year}: {n} {word}",
                    f"#year-{year}",
                    "bar",
                    str(n),
                    round(cx, 2),
                    round(y - 5, 2),
                )
            )
    return chart
