"""Figures in words and chart geometry: plain functions, tested by table."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from tracker.methodology import wording as figures
from tracker.methodology.rules import DEFAULT_THRESHOLDS, Thresholds
from tracker.progress.selectors import Segment
from tracker.public import charts


@pytest.mark.parametrize(
    "value, unit, human, exact",
    [
        (D("10000000000000"), "JPY", "¥10 trillion", "¥10,000,000,000,000"),
        (D("60000000000"), "JPY", "¥60 billion", "¥60,000,000,000"),
        # Three significant figures, never fewer whole digits (issue 13: sensible precision).
        (D("587152391546.16"), "JPY", "¥587 billion", "¥587,152,391,546.16"),
        (D("58715239154"), "JPY", "¥58.7 billion", "¥58,715,239,154"),
        (D("5871523915"), "JPY", "¥5.87 billion", "¥5,871,523,915"),
        (D("1234567890123"), "JPY", "¥1.23 trillion", "¥1,234,567,890,123"),
        (D("123456789"), "USD", "$123 million", "$123,456,789"),
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
    assert figures.long_date(date(2026, 1, 1)) == "1 January 2026"
    assert figures.long_date(None) == "—"


@pytest.mark.parametrize(
    "count, singular, plural_form, text",
    [
        (0, "commitment", None, "0 commitments"),
        (1, "commitment", None, "1 commitment"),
        (2, "commitment", None, "2 commitments"),
        (1000, "person", "people", "1,000 people"),
        (365, "day", None, "365 days"),
    ],
)
def test_plurals(count, singular, plural_form, text):
    assert figures.plural(count, singular, plural_form) == text


def test_deadline_phrases_say_where_the_deadline_comes_from():
    day = date(2030, 8, 29)
    assert figures.deadline_phrase(day, "stated") == "the stated deadline of 29 August 2030"
    assert figures.deadline_phrase(day, "assumed") == (
        "the deadline the tracker assumes, 29 August 2030"
    )
    assert figures.deadline_phrase(None, "none").startswith("no deadline")


# --- Status sentences -------------------------------------------------------------------

YEN = figures.Standing(
    status="no_evidence",
    kind="quantitative",
    as_of=date(2026, 1, 1),
    deadline=date(2035, 8, 29),
    deadline_basis="stated",
    progress=D("0.05"),
    expected=D("0.1"),
    start_date=date(2025, 8, 29),
    target_value=D("1e13"),
    target_unit="JPY",
    achieved_value=D("5e11"),
)
DELIVERABLE = replace(
    YEN,
    kind="deliverable",
    deadline_basis="assumed",
    progress=D("0.1"),
    expected=None,
    stage="agreed",
    target_value=None,
    target_unit="",
    achieved_value=None,
)
PATH = "a straight path from 29 August 2025 to the stated deadline of 29 August 2035"


@pytest.mark.parametrize(
    "status, start",
    [
        ("achieved", "Achieved: ¥500 billion (5% of ¥10 trillion) evidenced."),
        ("overdue", "Overdue: the stated deadline of 29 August 2035 has passed with ¥500 billion"),
        ("on_track", f"On track: ¥500 billion (5% of ¥10 trillion) evidenced, at least 90% of it: {PATH} expects 10% by 1 January 2026."),  # noqa: E501
        ("at_risk", "At risk: ¥500 billion (5% of ¥10 trillion) evidenced, at least 50% of it but less than 90%: "),  # noqa: E501
        ("off_track", "Off track: ¥500 billion (5% of ¥10 trillion) evidenced, less than 50% of it: "),  # noqa: E501
        ("no_evidence", "No evidence yet: no published, sourced milestone counts towards the target."),  # noqa: E501
        ("", "Progress has not been computed yet."),
    ],
)  # fmt: skip
def test_status_sentences_of_a_quantitative_commitment(status, start):
    sentence = figures.status_sentence(replace(YEN, status=status), DEFAULT_THRESHOLDS)
    assert sentence.startswith(start)


def test_no_evidence_shows_the_straight_path_as_information_not_a_verdict():
    sentence = figures.status_sentence(YEN)
    assert sentence.endswith(
        f"For information, not as a verdict: {PATH} would have reached 10% by 1 January 2026."
    )


def test_no_evidence_after_a_stated_deadline_says_it_passed_and_draws_no_path():
    sentence = figures.status_sentence(replace(YEN, as_of=date(2036, 1, 1), expected=D(1)))
    assert sentence.startswith("No evidence yet:")
    assert sentence.endswith("The stated deadline of 29 August 2035 has passed.")
    assert "straight path" not in sentence


def test_status_sentences_quote_the_configured_thresholds():
    strict = Thresholds(on_track=D("0.8"), at_risk=D("0.4"))
    on_track = figures.status_sentence(replace(YEN, status="on_track"), strict)
    at_risk = figures.status_sentence(replace(YEN, status="at_risk"), strict)
    off_track = figures.status_sentence(replace(YEN, status="off_track"), strict)
    assert "at least 80% of it:" in on_track
    assert "at least 40% of it but less than 80%:" in at_risk
    assert "less than 40% of it:" in off_track
    assert "90%" not in on_track + at_risk + off_track


@pytest.mark.parametrize(
    "standing, sentence",
    [
        (
            replace(DELIVERABLE, status="no_evidence", stage="announced"),
            "No evidence yet: no published, sourced milestone shows this commitment moving "
            "past the Announced stage.",
        ),
        (
            replace(DELIVERABLE, status="in_progress"),
            "In progress: the Agreed stage evidenced so far. No verdict on pace: stages are "
            "not measured against time.",
        ),
        (
            replace(DELIVERABLE, status="achieved", stage="complete"),
            "Achieved: the evidence shows it complete.",
        ),
        (
            replace(YEN, status="in_progress", deadline_basis="assumed"),
            "In progress: ¥500 billion (5% of ¥10 trillion) evidenced so far. No verdict on "
            "pace: the sources state no deadline for this target.",
        ),
    ],
)
def test_sentences_without_a_path_never_give_a_verdict_on_pace(standing, sentence):
    assert figures.status_sentence(standing) == sentence


def test_deliverable_sentences_name_the_stage_never_a_percentage():
    for status in ("no_evidence", "in_progress", "achieved"):
        assert "%" not in figures.status_sentence(replace(DELIVERABLE, status=status))


# --- Charts -----------------------------------------------------------------------------

START, END = date(2025, 8, 29), date(2035, 8, 29)


def test_chart_draws_steps_the_straight_path_and_a_table():
    chart = charts.progress_chart(
        [(START, D(0)), (date(2030, 8, 29), D("0.5")), (date(2031, 1, 1), D("0.5"))],
        START, END, date(2031, 1, 1), show_path=True, width=256, height=142,
    )  # fmt: skip
    # Margins 44 left, 12 right, 12 top, 30 bottom: a plot area of 200 × 100,
    # x from 44 to 244, y from 112 (0%) up to 12 (100%).
    assert (chart.left, chart.right, chart.top, chart.bottom) == (44, 244, 12, 112)
    assert chart.expected_points == "44.0,112.0 244.0,12.0"
    assert chart.achieved_points.split() == [
        "44.0,112.0", "144.0,112.0", "144.0,62.0", "150.8,62.0", "150.8,62.0",
    ]  # fmt: skip
    assert chart.today_x == 150.8  # 1,951 of 3,652 days
    assert chart.y_ticks == [(112.0, "0%"), (62.0, "50%"), (12.0, "100%")]
    assert chart.table == [
        ("29 August 2025", "0%"),
        ("29 August 2030", "50%"),
        ("1 January 2031", "50%"),
    ]


def test_chart_has_at_most_three_year_labels_so_it_reads_at_phone_width():
    chart = charts.progress_chart([(START, D(0))], START, END, START, show_path=True)
    assert [label for _, label in chart.x_labels] == ["2026", "2030", "2034"]


def test_chart_draws_no_path_when_asked_not_to():
    chart = charts.progress_chart([(START, D(0))], START, END, START, show_path=False)
    assert chart.expected_points is None
    assert chart.achieved_points


def test_chart_grows_its_axis_for_an_exceeded_target():
    chart = charts.progress_chart(
        [(START, D(0)), (date(2026, 1, 1), D(2))], START, END, date(2026, 1, 1), show_path=True
    )
    assert chart.y_ticks[-1][1] == "200%"
    assert chart.table[-1] == ("1 January 2026", "200%")


def test_chart_has_no_today_marker_after_the_deadline():
    chart = charts.progress_chart([(START, D(0))], START, END, date(2040, 1, 1), show_path=True)
    assert chart.today_x is None


def test_stacked_bar_shares_the_width_and_leaves_out_empty_segments():
    bars = charts.stacked_bar(
        [Segment("no_evidence", "No evidence yet", 3), Segment("achieved", "Achieved", 0),
         Segment("in_progress", "In progress", 1)]
    )  # fmt: skip
    assert [(b.key, b.label, b.count, b.x, b.width) for b in bars] == [
        ("no_evidence", "No evidence yet", 3, 0.0, 75.0),
        ("in_progress", "In progress", 1, 75.0, 25.0),
    ]


def test_stacked_bar_of_thirds_fills_the_width():
    bars = charts.stacked_bar([Segment(k, k, 1) for k in "abc"], width=300)
    assert [b.x for b in bars] == [0.0, 100.0, 200.0]
    assert sum(b.width for b in bars) == 300


def test_stacked_bar_of_nothing_is_empty():
    assert charts.stacked_bar([Segment("achieved", "Achieved", 0)]) == []
    assert charts.stacked_bar([]) == []


def test_the_straight_path_reaches_100_percent_at_the_deadline_even_when_the_axis_runs_on():
    start, deadline, as_of = date(2025, 8, 29), date(2025, 12, 31), date(2026, 11, 25)
    chart = charts.progress_chart([], start, as_of, as_of, show_path=True, deadline=deadline)
    path_end_x = float(chart.expected_points.split()[-1].split(",")[0])
    assert path_end_x < chart.right  # the deadline sits before the end of the axis
    assert chart.today_x == chart.right
