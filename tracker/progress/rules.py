"""The progress rules, as plain functions over plain values: no ORM, no request, no clock.

The methodology page quotes these rules; every number the tracker publishes comes from here.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel.numbers import list_currencies

CURRENCY_CODES = frozenset(list_currencies())
BASE_CURRENCY = "USD"

QUANTITATIVE = "quantitative"
MILESTONE = "milestone"
PUBLISHED = "published"

ACHIEVED = "achieved"
OVERDUE = "overdue"
NOT_STARTED = "not_started"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
# In the order the status rule tries them.
STATUSES = (ACHIEVED, OVERDUE, NOT_STARTED, ON_TRACK, AT_RISK, OFF_TRACK)
STATUS_LABELS = {
    ACHIEVED: "Achieved",
    OVERDUE: "Overdue",
    NOT_STARTED: "Not started",
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    OFF_TRACK: "Off track",
}

ZERO = Decimal(0)
ONE = Decimal(1)


def normalize_unit(unit: str) -> str:
    """Currency codes upper-case, counted units lower-case, so 'jpy' and 'Persons' match."""
    unit = (unit or "").strip()
    if unit.upper() in CURRENCY_CODES:
        return unit.upper()
    return unit.lower()


def is_currency(unit: str) -> bool:
    return unit in CURRENCY_CODES


def units_add_up(unit: str, target_unit: str) -> bool:
    """Whether an amount in `unit` can count towards a target in `target_unit` at all."""
    return unit == target_unit or (is_currency(unit) and is_currency(target_unit))


@dataclass(frozen=True)
class Thresholds:
    """Fractions of expected progress at which a commitment is on track or at risk."""

    on_track: Decimal = Decimal("0.9")
    at_risk: Decimal = Decimal("0.5")


@dataclass(frozen=True)
class Terms:
    """What a commitment promises."""

    kind: str
    target_value: Decimal | None
    target_unit: str
    start_date: date
    deadline: date


@dataclass(frozen=True)
class MilestoneFact:
    id: int
    occurred_on: date
    status: str
    amount: Decimal | None = None
    unit: str = ""
    percent_complete: Decimal | None = None


class RateTable:
    """Units per US dollar by currency and date, answering the conversion rule's look-ups."""

    def __init__(self, rates: Iterable[tuple[str, date, Decimal]] = ()):
        by_currency: dict[str, list[tuple[date, Decimal]]] = {}
        for currency, on, units_per_usd in rates:
            by_currency.setdefault(currency, []).append((on, Decimal(units_per_usd)))
        self._dates = {}
        self._values = {}
        for currency, rows in by_currency.items():
            rows.sort()
            self._dates[currency] = [d for d, _ in rows]
            self._values[currency] = [v for _, v in rows]

    def units_per_usd(self, currency: str, on: date) -> Decimal | None:
        """The latest rate dated on or before `on`, else the earliest rate; USD is 1."""
        if currency == BASE_CURRENCY:
            return ONE
        dates = self._dates.get(currency)
        if not dates:
            return None
        index = bisect.bisect_right(dates, on) - 1
        return self._values[currency][max(index, 0)]


class Unconvertible(Exception):
    """A milestone amount that cannot be expressed in its commitment's target unit."""


def convert(amount: Decimal, from_unit: str, to_unit: str, on: date, rates: RateTable) -> Decimal:
    """Convert an amount into the target unit, through USD for currencies."""
    if from_unit == to_unit:
        return amount
    if not units_add_up(from_unit, to_unit):
        raise Unconvertible(f"{from_unit or 'no unit'} cannot be added to a target in {to_unit}")
    from_rate = rates.units_per_usd(from_unit, on)
    to_rate = rates.units_per_usd(to_unit, on)
    missing = [c for c, r in ((from_unit, from_rate), (to_unit, to_rate)) if r is None]
    if missing:
        raise Unconvertible(f"no exchange rate for {', '.join(missing)}")
    return amount / from_rate * to_rate


def is_counted(milestone: MilestoneFact, as_of: date) -> bool:
    return milestone.status == PUBLISHED and milestone.occurred_on <= as_of


def expected_progress(start_date: date, deadline: date, as_of: date) -> Decimal:
    """Straight-line share of the time from start to deadline that has passed, 0 to 1."""
    span = (deadline - start_date).days
    if span <= 0:
        return ONE if as_of >= deadline else ZERO
    elapsed = Decimal((as_of - start_date).days) / Decimal(span)
    return min(max(elapsed, ZERO), ONE)


def status_for(
    progress: Decimal,
    expected: Decimal,
    as_of: date,
    deadline: date,
    counted: int,
    thresholds: Thresholds = Thresholds(),
) -> str:
    """The first status rule that matches."""
    if progress >= ONE:
        return ACHIEVED
    if as_of > deadline:
        return OVERDUE
    if counted == 0:
        return NOT_STARTED
    if progress >= thresholds.on_track * expected:
        return ON_TRACK
    if progress >= thresholds.at_risk * expected:
        return AT_RISK
    return OFF_TRACK


@dataclass(frozen=True)
class Evaluation:
    """A commitment's progress on one as-of date."""

    as_of: date
    achieved_value: Decimal | None
    progress: Decimal
    expected_progress: Decimal
    status: str
    counted_milestones: int
    problems: tuple[str, ...] = field(default=())


def evaluate_series(
    terms: Terms,
    milestones: Sequence[MilestoneFact],
    rates: RateTable,
    days: Sequence[date],
    thresholds: Thresholds = Thresholds(),
) -> list[Evaluation]:
    """Apply every rule to one commitment on each of the given days (ascending).

    One pass over the milestones in date order, so a chart's history costs no more than
    the current figure.
    """
    ordered = sorted(
        (m for m in milestones if m.status == PUBLISHED), key=lambda m: (m.occurred_on, m.id)
    )
    achieved = ZERO
    included = 0
    latest_percent: Decimal | None = None
    problems: list[str] = []
    position = 0
    results = []
    for as_of in days:
        while position < len(ordered) and ordered[position].occurred_on <= as_of:
            m = ordered[position]
            position += 1
            if terms.kind == QUANTITATIVE:
                if m.amount is None:
                    problems.append(f"Milestone {m.id} has no amount, so it does not count.")
                    continue
                try:
                    achieved += convert(m.amount, m.unit, terms.target_unit, m.occurred_on, rates)
                except Unconvertible as reason:
                    problems.append(f"Milestone {m.id} is not counted: {reason}.")
                    continue
            else:
                latest_percent = m.percent_complete
            included += 1

        if terms.kind == QUANTITATIVE:
            progress = achieved / terms.target_value if terms.target_value else ZERO
            achieved_value = achieved
        else:
            progress = ZERO if latest_percent is None else Decimal(latest_percent) / 100
            achieved_value = None
        expected = expected_progress(terms.start_date, terms.deadline, as_of)
        results.append(
            Evaluation(
                as_of=as_of,
                achieved_value=achieved_value,
                progress=progress,
                expected_progress=expected,
                status=status_for(progress, expected, as_of, terms.deadline, included, thresholds),
                counted_milestones=included,
                problems=tuple(problems),
            )
        )
    return results


def evaluate(
    terms: Terms,
    milestones: Sequence[MilestoneFact],
    rates: RateTable,
    as_of: date,
    thresholds: Thresholds = Thresholds(),
) -> Evaluation:
    """A commitment's achieved value, progress, expected progress and status on one day."""
    return evaluate_series(terms, milestones, rates, [as_of], thresholds)[0]


def progress_dates(terms: Terms, milestones: Sequence[MilestoneFact], as_of: date) -> list[date]:
    """The days on which a commitment's progress can change, up to the as-of date: its start,
    each counted milestone's date, and the as-of date itself. A chart needs no other points."""
    days = {terms.start_date, as_of}
    days.update(m.occurred_on for m in milestones if is_counted(m, as_of))
    return sorted(d for d in days if d <= as_of)


@dataclass(frozen=True)
class Rollup:
    progress: Decimal
    status_counts: dict[str, int]
    commitment_count: int


def rollup(items: Iterable[tuple[int, Decimal, str]]) -> Rollup:
    """Weighted mean of (weight, progress, status) with progress capped at 1, and status counts.

    A group with no commitments (or no weight) has progress 0.
    """
    counts = dict.fromkeys(STATUSES, 0)
    total_weight = ZERO
    weighted = ZERO
    n = 0
    for weight, progress, status in items:
        weight = Decimal(weight)
        total_weight += weight
        weighted += weight * min(Decimal(progress), ONE)
        counts[status] = counts.get(status, 0) + 1
        n += 1
    progress = weighted / total_weight if total_weight else ZERO
    return Rollup(progress=progress, status_counts=counts, commitment_count=n)


def thresholds_from_settings(on_track: str | Decimal, at_risk: str | Decimal) -> Thresholds:
    return Thresholds(on_track=Decimal(str(on_track)), at_risk=Decimal(str(at_risk)))


def rates_by_currency(rates: Mapping[str, Sequence[tuple[date, Decimal]]]) -> RateTable:
    """Build a RateTable from {currency: [(date, units_per_usd), ...]} (handy in tests)."""
    return RateTable((c, d, v) for c, rows in rates.items() for d, v in rows)
