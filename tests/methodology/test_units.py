"""The conversion rule, table by table (no database)."""

from datetime import date
from decimal import Decimal as D

import pytest

from tracker.methodology import units
from tracker.methodology.units import RateTable

RATES = RateTable(
    [
        ("JPY", date(2025, 1, 1), D("150")),
        ("JPY", date(2026, 1, 1), D("100"), True),
        ("INR", date(2025, 1, 1), D("80")),
    ]
)


@pytest.mark.parametrize(
    "currency, on, expected",
    [
        ("USD", date(2020, 1, 1), D(1)),
        ("JPY", date(2025, 6, 1), D(150)),  # latest on or before
        ("JPY", date(2026, 1, 1), D(100)),  # a rate dated that very day
        ("JPY", date(2027, 1, 1), D(100)),
        ("JPY", date(2024, 1, 1), D(150)),  # older than every rate: the earliest
        ("EUR", date(2025, 6, 1), None),
    ],
)
def test_rate_lookup(currency, on, expected):
    assert RATES.units_per_usd(currency, on) == expected


@pytest.mark.parametrize(
    "amount, unit, target, on, expected",
    [
        (D(100), "JPY", "JPY", date(2025, 6, 1), D(100)),
        (D(1), "USD", "JPY", date(2025, 6, 1), D(150)),
        (D(150), "JPY", "USD", date(2025, 6, 1), D(1)),
        (D(80), "INR", "JPY", date(2025, 6, 1), D(150)),  # through USD
        (D(80), "INR", "JPY", date(2026, 6, 1), D(100)),  # each at its rate on the day
        (D(5), "persons", "persons", date(2025, 6, 1), D(5)),
    ],
)
def test_convert(amount, unit, target, on, expected):
    assert units.convert(amount, unit, target, on, RATES) == expected


def test_conversion_names_the_rates_it_used_and_whether_they_are_reference_rates():
    used = units.conversion(D(80), "INR", "JPY", date(2026, 6, 1), RATES)
    assert used.converted
    assert [(r.currency, r.on, r.is_reference) for r in used.rates] == [
        ("INR", date(2025, 1, 1), False),
        ("JPY", date(2026, 1, 1), True),
    ]
    same = units.conversion(D(5), "JPY", "JPY", date(2026, 6, 1), RATES)
    assert not same.converted and same.rates == ()


@pytest.mark.parametrize(
    "unit, target",
    [("persons", "JPY"), ("JPY", "persons"), ("EUR", "JPY"), ("", "USD"), ("tonnes", "persons")],
)
def test_unconvertible(unit, target):
    with pytest.raises(units.Unconvertible):
        units.convert(D(1), unit, target, date(2025, 6, 1), RATES)


@pytest.mark.parametrize(
    "unit, normalized", [("jpy", "JPY"), (" INR ", "INR"), ("Persons", "persons"), ("", "")]
)
def test_normalize_unit(unit, normalized):
    assert units.normalize_unit(unit) == normalized


def test_factors_multiply_to_what_the_rule_converts_on_every_day():
    rates = RateTable(
        [
            ("JPY", date(2025, 1, 3), D("147.123")),
            ("JPY", date(2025, 1, 5), D("151.9")),
            ("INR", date(2025, 1, 4), D("83.2")),  # starts a day after the yen
        ]
    )
    until = date(2025, 1, 7)
    factors = rates.factors(["JPY", "USD", "persons"], until)
    # Into each target currency, from every currency with rates and USD; never into a count.
    assert {(a, b) for a, b, _, _ in factors} == {
        ("INR", "JPY"), ("USD", "JPY"), ("JPY", "USD"), ("INR", "USD"),
    }  # fmt: skip
    assert {day for _, _, day, _ in factors} == {date(2025, 1, d) for d in range(3, 8)}
    amount = D("123456789.1234")
    for a, b, day, factor in factors:
        assert round(amount * factor, 10) == round(units.convert(amount, a, b, day, rates), 10)
        if day == date(2025, 1, 3):  # before it, every currency is at its first rate too
            earlier = units.convert(amount, a, b, date(2024, 12, 1), rates)
            assert round(amount * factor, 10) == round(earlier, 10)


def test_no_factors_without_rates_or_a_currency_target():
    assert RateTable().factors(["JPY"], date(2025, 1, 1)) == []
    assert RATES.factors(["persons"], date(2025, 1, 1)) == []
