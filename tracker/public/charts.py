"""Geometry for the server-drawn SVG progress chart: plain numbers in, SVG coordinates out."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    achieved_points: str  # an SVG polyline "x,y x,y ..."
    expected_points: str
    y_max_label: str
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    today_x: float | None


def progress_chart(
    history: Sequence[tuple[date, Decimal]],
    start: date,
    deadline: date,
    as_of: date,
    width: int = 640,
    height: int = 240,
    margin: int = 40,
) -> Chart:
    """A step line of achieved progress over time against the straight path to the target.

    The y axis runs from 0% to 100%, or higher when the target has been exceeded.
    """
    span = max((deadline - start).days, 1)
    top = max([Decimal(1), *(p for _, p in history)])
    plot_w, plot_h = width - 2 * margin, height - 2 * margin

    def x(day: date) -> float:
        share = min(max((day - start).days / span, 0), 1)
        return round(margin + share * plot_w, 1)

    def y(value: Decimal) -> float:
        return round(margin + plot_h - float(Decimal(value) / top) * plot_h, 1)

    steps = []
    previous = None
    for day, progress in sorted(history):
        if previous is not None:
            steps.append(f"{x(day)},{y(previous)}")  # hold the last value until the change
        steps.append(f"{x(day)},{y(progress)}")
        previous = progress
    y_ticks = [(y(top * k / 4), f"{float(top * k / 4):.0%}") for k in range(5)]
    years = range(start.year + 1, deadline.year + 1)
    step = max(1, len(years) // 5)
    x_labels = [(x(date(year, 1, 1)), str(year)) for year in years[::step]]
    return Chart(
        width=width,
        height=height,
        achieved_points=" ".join(steps),
        expected_points=f"{x(start)},{y(Decimal(0))} {x(deadline)},{y(Decimal(1))}",
        y_max_label=f"{float(top):.0%}",
        x_labels=x_labels,
        y_ticks=y_ticks,
        today_x=x(as_of) if start <= as_of <= deadline else None,
    )
