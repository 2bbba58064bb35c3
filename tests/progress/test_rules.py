"""The progress rules, table by table (no database)."""

from datetime import date
from decimal import Decimal as D

import pytest

from tracker.progress import rules
from tracker.progress.rules import MilestoneFact as M
from tracker.progress.rules import RateTable, Terms

START, DEADLINE = date(2025, 8, 29), date(2035, 8, 29)
YEN = Terms("quantitative", D("10000000000000"), "JPY", START, DEADLINE)
RATES = RateTable(
    [
        ("JPY", date(2025, 1, 1), D("150")),
        ("JPY", date(2026, 1, 1), D("100")),
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
    assert rules.convert(amount, unit, target, on, RATES) == expected


@pytest.mark.parametrize(
    "unit, target",
    [("persons", "JPY"), ("JPY", "persons"), ("EUR", "JPY"), ("", "USD"), ("tonnes", "persons")],
)
def test_unconvertible(unit, target):
    with pytest.raises(rules.Unconvertible):
        rules.convert(D(1), unit, target, date(2025, 6, 1), RATES)


@pytest.mark.parametrize(
    "status, occurred_on, as_of, counted",
    [
        ("published", date(2025, 9, 1), date(2025, 9, 1), True),
        ("published", date(2025, 9, 2), date(2025, 9, 1), False),
        ("draft", date(2025, 9, 1), date(2026, 1, 1), False),
        ("withdrawn", date(2025, 9, 1), date(2026, 1, 1), False),
    ],
)
def test_is_counted(status, occurred_on, as_of, counted):
    assert rules.is_counted(M(1, occurred_on, status), as_of) is counted


@pytest.mark.parametrize(
    "as_of, expected",
    [
        (date(2024, 1, 1), D(0)),  # before the start
        (START, D(0)),
        (date(2030, 8, 29), D(1826) / D(3652)),  # 2028 and 2032 are leap years
        (DEADLINE, D(1)),
        (date(2040, 1, 1), D(1)),  # after the deadline
    ],
)
def test_expected_progress(as_of, expected):
    assert rules.expected_progress(START, DEADLINE, as_of) == expected


T = rules.Thresholds(D("0.9"), D("0.5"))


@pytest.mark.parametrize(
    "progress, expected, as_of, counted, status",
    [
        (D("1.2"), D("0.1"), date(2026, 1, 1), 1, "achieved"),  # exceeded
        (D(1), D(1), date(2040, 1, 1), 1, "achieved"),  # achieved beats overdue
        (D("0.99"), D(1), date(2035, 8, 30), 1, "overdue"),
        (D(0), D(1), date(2035, 8, 30), 0, "overdue"),  # overdue beats not started
        (D(0), D("0.1"), date(2026, 1, 1), 0, "not_started"),
        (D("0.09"), D("0.1"), date(2026, 1, 1), 1, "on_track"),  # exactly 0.9 × expected
        (D("0.0899"), D("0.1"), date(2026, 1, 1), 1, "at_risk"),
        (D("0.05"), D("0.1"), date(2026, 1, 1), 1, "at_risk"),  # exactly 0.5 × expected
        (D("0.0499"), D("0.1"), date(2026, 1, 1), 1, "off_track"),
        (D(0), D(0), date(2025, 8, 29), 1, "on_track"),  # counted 0% on day one
    ],
)
def test_status(progress, expected, as_of, counted, status):
    assert rules.status_for(progress, expected, as_of, DEADLINE, counted, T) == status


def test_thresholds_are_settings():
    strict = rules.Thresholds(D("1.0"), D("0.8"))
    assert rules.status_for(D("0.09"), D("0.1"), date(2026, 1, 1), DEADLINE, 1, strict) == "at_risk"


def test_quantitative_sums_converted_counted_amounts():
    milestones = [
        M(1, date(2025, 9, 1), "published", D("1000000000000"), "JPY"),
        M(2, date(2025, 9, 1), "published", D("1000000000"), "USD"),  # ¥150bn at 150
        M(3, date(2026, 2, 1), "published", D("8000000000"), "INR"),  # $100m → ¥10bn at 100
        M(4, date(2025, 9, 1), "draft", D("9000000000000"), "JPY"),
        M(5, date(2027, 1, 1), "published", D("9000000000000"), "JPY"),  # after as_of
    ]
    result = rules.evaluate(YEN, milestones, RATES, date(2026, 6, 1))
    assert result.achieved_value == D("1160000000000")
    assert result.progress == D("0.116")
    assert result.counted_milestones == 3
    assert result.problems == ()


def test_exceeded_target_is_not_capped():
    target = Terms("quantitative", D(100), "persons", START, DEADLINE)
    result = rules.evaluate(target, [M(1, START, "published", D(150), "persons")], RATES, START)
    assert result.progress == D("1.5") and result.status == "achieved"


def test_unconvertible_milestones_are_not_counted_and_flagged():
    target = Terms("quantitative", D(100), "persons", START, DEADLINE)
    milestones = [
        M(1, START, "published", D(10), "persons"),
        M(2, START, "published", D(10), "JPY"),
    ]
    result = rules.evaluate(target, milestones, RATES, date(2026, 1, 1))
    assert result.achieved_value == D(10)
    assert result.counted_milestones == 1
    assert len(result.problems) == 1 and "Milestone 2" in result.problems[0]


def test_missing_rate_flags_the_milestone():
    result = rules.evaluate(YEN, [M(7, START, "published", D(5), "EUR")], RATES, date(2026, 1, 1))
    assert result.achieved_value == 0 and result.status == "not_started"
    assert "no exchange rate for EUR" in result.problems[0]


MILESTONE_TERMS = Terms("milestone", None, "", START, DEADLINE)


@pytest.mark.parametrize(
    "milestones, progress",
    [
        ([], D(0)),
        ([M(1, date(2025, 9, 1), "published", percent_complete=D(10))], D("0.1")),
        (
            [
                M(1, date(2025, 9, 1), "published", percent_complete=D(40)),
                M(2, date(2025, 10, 1), "published", percent_complete=D(25)),  # latest wins
            ],
            D("0.25"),
        ),
        (
            [
                M(9, date(2025, 9, 1), "published", percent_complete=D(40)),
                M(3, date(2025, 9, 1), "published", percent_complete=D(60)),  # same day: id
            ],
            D("0.4"),
        ),
        ([M(1, date(2025, 9, 1), "draft", percent_complete=D(90))], D(0)),
    ],
)
def test_milestone_commitment_progress(milestones, progress):
    result = rules.evaluate(MILESTONE_TERMS, milestones, RATES, date(2026, 1, 1))
    assert result.progress == progress
    assert result.achieved_value is None


def test_series_matches_evaluating_each_day():
    milestones = [
        M(1, date(2025, 9, 1), "published", D("100000000000"), "JPY"),
        M(2, date(2026, 3, 1), "published", D("2000000000"), "USD"),
    ]
    days = rules.progress_dates(YEN, milestones, date(2026, 6, 1))
    assert days == [START, date(2025, 9, 1), date(2026, 3, 1), date(2026, 6, 1)]
    series = rules.evaluate_series(YEN, milestones, RATES, days)
    assert series == [rules.evaluate(YEN, milestones, RATES, day) for day in days]


@pytest.mark.parametrize(
    "items, progress, counts",
    [
        ([], D(0), {}),
        ([(1, D("0.5"), "on_track"), (1, D("0.1"), "off_track")], D("0.3"), {"on_track": 1}),
        ([(1, D("3"), "achieved"), (1, D(0), "not_started")], D("0.5"), {"achieved": 1}),  # cap
        ([(3, D("0.2"), "at_risk"), (1, D("0.6"), "on_track")], D("0.3"), {"at_risk": 1}),
    ],
)
def test_rollup_is_weighted_mean_capped_at_one(items, progress, counts):
    result = rules.rollup(items)
    assert result.progress == progress
    assert result.commitment_count == len(items)
    assert set(result.status_counts) == set(rules.STATUSES)
    for status, n in counts.items():
        assert result.status_counts[status] == n


@pytest.mark.parametrize(
    "unit, normalized", [("jpy", "JPY"), (" INR ", "INR"), ("Persons", "persons"), ("", "")]
)
def test_normalize_unit(unit, normalized):
    assert rules.normalize_unit(unit) == normalized
