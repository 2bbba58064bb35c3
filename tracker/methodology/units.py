"""Units and the conversion rule: which amounts add up, and how currencies convert."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext

from babel.numbers import list_currencies

CURRENCY_CODES = frozenset(list_currencies())
BASE_CURRENCY = "USD"
ONE = Decimal(1)
ONE_DAY = timedelta(days=1)


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
class Rate:
    currency: str
    on: date
    units_per_usd: Decimal
    is_reference: bool = False


class RateTable:
    """Units per US dollar by currency and date, answering the conversion rule's look-ups."""

    def __init__(self, rates: Iterable[tuple] = ()):
        by_currency: dict[str, list[Rate]] = {}
        for row in rates:
            rate = row if isinstance(row, Rate) else Rate(row[0], row[1], Decimal(row[2]), *row[3:])
            by_currency.setdefault(rate.currency, []).append(rate)
        self._dates: dict[str, list[date]] = {}
        self._rates: dict[str, list[Rate]] = {}
        for currency, rows in by_currency.items():
            rows.sort(key=lambda r: r.on)
            self._dates[currency] = [r.on for r in rows]
            self._rates[currency] = rows

    def rate(self, currency: str, on: date) -> Rate | None:
        """The latest rate dated on or before `on`, else the earliest rate; USD is 1."""
        if currency == BASE_CURRENCY:
            return Rate(BASE_CURRENCY, on, ONE)
        dates = self._dates.get(currency)
        if not dates:
            return None
        index = bisect.bisect_right(dates, on) - 1
        return self._rates[currency][max(index, 0)]

    def daily(self, until: date) -> Iterator[tuple[str, date, Decimal]]:
        """(currency, day, units per USD) for every day from each currency's first rate to
        `until`: the rate the rule uses that day. Before the first rate the rule uses the
        first; earliest() gives those."""
        for currency, dates in self._dates.items():
            day = dates[0]
            while day <= until:
                yield currency, day, self.rate(currency, day).units_per_usd
                day += ONE_DAY

    def currencies(self) -> set[str]:
        """The currencies it converts: those with rates, and USD."""
        return {*self._rates, BASE_CURRENCY}

    def earliest(self) -> Iterator[Rate]:
        return (rows[0] for rows in self._rates.values())

    def factors(self, to_units: Iterable[str], until: date) -> list[tuple[str, str, date, Decimal]]:
        """What an amount is multiplied by to convert it: (from, to, day, factor) for each
        currency with rates (and USD) into each of `to_units` with rates, on every day from
        the earliest rate to `until`. Before that day every currency is at its first rate,
        so an earlier day's factor is the first day's.

        The rule divides by one rate and multiplies by the other; a factor is that quotient
        to 40 digits, so multiplying by it agrees with the rule far below the cent.
        """
        known = sorted(self.currencies())
        pairs = [(a, b) for b in dict.fromkeys(to_units) if b in known for a in known if a != b]
        if not pairs or not self._dates:
            return []
        day = min(dates[0] for dates in self._dates.values())
        found = []
        with localcontext() as context:
            context.prec = 40
            while day <= until:
                rate = {currency: self.units_per_usd(currency, day) for currency in known}
                found.extend((a, b, day, rate[b] / rate[a]) for a, b in pairs)
                day += ONE_DAY
        return found

    def units_per_usd(self, currency: str, on: date) -> Decimal | None:
        rate = self.rate(currency, on)
        return None if rate is None else rate.units_per_usd


class Unconvertible(Exception):
    """A milestone amount that cannot be expressed in its commitment's target unit."""


@dataclass(frozen=True)
class Conversion:
    """How one amount was turned into the target unit, for the page that shows it."""

    amount: Decimal
    unit: str
    value: Decimal
    target_unit: str
    rates: tuple[Rate, ...] = ()

    @property
    def converted(self) -> bool:
        return self.unit != self.target_unit


def conversion(
    amount: Decimal, from_unit: str, to_unit: str, on: date, rates: RateTable
) -> Conversion:
    """Convert an amount into the target unit, through USD for currencies."""
    if from_unit == to_unit:
        return Conversion(amount, from_unit, amount, to_unit)
    if not units_add_up(from_unit, to_unit):
        raise Unconvertible(f"{from_unit or 'no unit'} cannot be added to a target in {to_unit}")
    from_rate, to_rate = rates.rate(from_unit, on), rates.rate(to_unit, on)
    missing = [c for c, r in ((from_unit, from_rate), (to_unit, to_rate)) if r is None]
    if missing:
        raise Unconvertible(f"no exchange rate for {', '.join(missing)}")
    value = amount / from_rate.units_per_usd * to_rate.units_per_usd
    used = tuple(r for r in (from_rate, to_rate) if r.currency != BASE_CURRENCY)
    return Conversion(amount, from_unit, value, to_unit, used)


def convert(amount: Decimal, from_unit: str, to_unit: str, on: date, rates: RateTable) -> Decimal:
    return conversion(amount, from_unit, to_unit, on, rates).value


def rates_by_currency(rates: Mapping[str, Sequence[tuple[date, Decimal]]]) -> RateTable:
    """Build a RateTable from {currency: [(date, units_per_usd), ...]} (handy in tests)."""
    return RateTable((c, d, v) for c, rows in rates.items() for d, v in rows)
