"""Figures in words and chart geometry: plain functions, tested by table."""

from datetime import date
from decimal import Decimal as D

import pytest

from tracker.public import charts, figures


@pytest.mark.parametrize(
    "value, unit, human, exact",
    [
        (D("10000000000000"), "JPY", "¥10 trillion", "¥10,000,000,000,000"),
        (D("60000000000"), "JPY", "¥60 billion", "¥60,000,000,000"),
        (D("105000000000"), "INR", "₹10,500 crore", "₹1,05,00,00,00,000"),
        (D("250000"), "INR", "₹2.5 lakh", "₹2,50,000"),
        (D("13000000000"), "USD", "$13 billion", "$13,000,000,000"),
        (D("67500000000"), "USD", "$67.5 billion", "$67,500,000,000"),
        (D("999"), "USD", "$999", "$999"),
        (D("500000"), "persons", "500,000 people", "500,000 people"),
        (D("1"), "persons", "1 person", "1 person"),
        (D("1234.5"), "tonnes", "1,234.5 tonnes", "1,234.5 tonnes"),
        (None, "JPY", "—", "—"),
    ],
)
def test_amounts_in_words_and_exact(value, unit, human, exact):
    assert figures.human_amount(value, unit) == human
    assert figures.exact_amount(value, unit) == exact


@pytest.mark.parametrize(
    "value, text", [(D("0.1234"), "12%"), (D("1.5"), "150%"), (D(0), "0%"), (None, "—")]
)
def test_percent(value, text):
    assert figures.percent(value) == text


def test_dates_in_words():
    assert figures.long_date(date(2035, 8, 29)) == "29 August 2035"


@pytest.mark.parametrize(
    "status, start",
    [
        ("achieved", "Achieved: 120%"),
        ("overdue", "Overdue: the deadline of 29 August 2035 has passed"),
        ("not_started", "Not started: no published milestone"),
        ("on_track", "On track: 120% done, against 10% expected"),
        ("at_risk", "At risk: 120% done, behind the 10% expected"),
        ("off_track", "Off track: 120% done"),
        ("", "Progress has not been computed yet."),
    ],
)
def test_status_sentences(status, start):
    sentence = figures.status_sentence(
        status, D("1.2"), D("0.1"), date(2035, 8, 29), date(2026, 1, 1)
    )
    assert sentence.startswith(start)


START, END = date(2025, 8, 29), date(2035, 8, 29)


def test_chart_draws_steps_and_the_straight_path():
    chart = charts.progress_chart(
        [(START, D(0)), (date(2030, 8, 29), D("0.5")), (date(2031, 1, 1), D("0.5"))],
        START, END, date(2031, 1, 1), width=240, height=140, margin=20,
    )  # fmt: skip
    # Plot area 200 × 100: x from 20 to 220, y from 120 (0%) up to 20 (100%).
    assert chart.expected_points == "20.0,120.0 220.0,20.0"
    assert chart.achieved_points.split() == [
        "20.0,120.0", "120.0,120.0", "120.0,70.0", "126.8,70.0", "126.8,70.0",
    ]  # fmt: skip
    assert chart.today_x == 126.8  # 1,951 of 3,652 days
    assert chart.y_ticks[0] == (120.0, "0%") and chart.y_ticks[-1] == (20.0, "100%")


def test_chart_grows_its_axis_for_an_exceeded_target():
    chart = charts.progress_chart(
        [(START, D(0)), (date(2026, 1, 1), D(2))], START, END, date(2026, 1, 1)
    )
    assert chart.y_max_label == "200%"


def test_chart_has_no_today_marker_after_the_deadline():
    assert charts.progress_chart([(START, D(0))], START, END, date(2040, 1, 1)).today_x is None
