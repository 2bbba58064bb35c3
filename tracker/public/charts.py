"""Geometry for the server-drawn SVG charts: plain numbers in, SVG coordinates out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tracker.methodology.wording import long_date, percent


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    achieved_points: str  # an SVG polyline "x,y x,y ..."
    expected_points: str | None
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    today_x: float | None
    table: list[tuple[str, str]]  # the data table alternative: (date, progress)


def progress_chart(
    history: Sequence[tuple[date, Decimal]],
    start: date,
    end: date,
    as_of: date,
    show_path: bool,
    deadline: date | None = None,
    width: int = 420,
    height: int = 240,
) -> Chart:
    """A step line of achieved progress over time, with the straight path to the target when
    there is one to show. The x axis runs from start to `end` (the deadline, or the as-of day
    once it is later); the path reaches 100% at the deadline. The y axis runs from 0% to
    100%, or higher past the target."""
    left, right, top, bottom = 44, 12, 12, 30
    span = max((end - start).days, 1)
    ceiling = max([Decimal(1), *(p for _, p in history)])
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        share = min(max((day - start).days / span, 0), 1)
        return round(left + share * plot_w, 1)

    def y(value: Decimal) -> float:
        return round(top + plot_h - float(Decimal(value) / ceiling) * plot_h, 1)

    steps = []
    previous = None
    for day, progress in sorted(history):
        if previous is not None:
            steps.append(f"{x(day)},{y(previous)}")  # hold the last value until the change
        steps.append(f"{x(day)},{y(progress)}")
        previous = progress
    y_ticks = [(y(ceiling * k / 2), f"{float(ceiling * k / 2):.0%}") for k in range(3)]
    years = list(range(start.year + 1, end.year + 1))
    step = max(1, -(-len(years) // 3))  # at most three year labels: readable at 390 px
    x_labels = [(x(date(year, 1, 1)), str(year)) for year in years[::step]]
    return Chart(
        width=width,
        height=height,
        left=left,
        right=width - right,
        top=top,
        bottom=height - bottom,
        achieved_points=" ".join(steps),
        expected_points=(
            f"{x(start)},{y(Decimal(0))} {x(deadline or end)},{y(Decimal(1))}"
            if show_path
            else None
        ),
        x_labels=x_labels,
        y_ticks=y_ticks,
        today_x=x(as_of) if start <= as_of <= end else None,
        table=[(long_date(day), percent(progress, 1)) for day, progress in sorted(history)],
    )


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    x: float
    width: float


def stacked_bar(segments, width: int = 100) -> list[Bar]:
    """A stacked bar of counts as shares of `width` units; empty segments are left out."""
    total = sum(s.count for s in segments)
    bars, position = [], 0.0
    for s in segments:
        if not s.count:
            continue
        share = round(width * s.count / total, 3)
        bars.append(Bar(s.key, s.label, s.count, round(position, 3), share))
        position += share
    return bars
