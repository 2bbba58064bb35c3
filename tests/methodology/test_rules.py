"""The methodology's rules, table by table, and the promise that good news never hurts
(checked on generated cases). No database."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.methodology import rules
from tracker.methodology import vocabulary as v
from tracker.methodology.rules import MilestoneFact as M
from tracker.methodology.rules import Terms
from tracker.methodology.units import RateTable

START, DEADLINE = date(2025, 8, 29), date(2035, 8, 29)
TODAY = date(2026, 11, 25)
YEN = Terms(v.QUANTITATIVE, D("10000000000000"), "JPY", START, DEADLINE, v.STATED)
PEOPLE = Terms(v.QUANTITATIVE, D(500000), "persons", START, date(2030, 8, 29), v.STATED)
DELIVERABLE = Terms(v.DELIVERABLE, None, "", START, DEADLINE, v.ASSUMED)
RATES = RateTable(
    [
        ("JPY", date(2025, 1, 1), D("150")),
        ("JPY", date(2026, 1, 1), D("100")),
        ("INR", date(2025, 1, 1), D("80")),
    ]
)
T = rules.Thresholds(D("0.9"), D("0.5"))


def yen(mid, on, amount, unit="JPY", **fields):
    return M(mid, on, amount=D(amount), unit=unit, **fields)


def stage(mid, on, name, **fields):
    return M(mid, on, stage=name, **fields)


# --- Which evidence counts --------------------------------------------------------------


@pytest.mark.parametrize(
    "fact, on_record, counted, upcoming",
    [
        (M(1, date(2025, 9, 1)), True, True, False),
        (M(1, date(2025, 9, 1), status=v.DRAFT), False, False, False),
        (M(1, date(2025, 9, 1), sourced=False), False, False, False),  # no source
        (M(1, TODAY + timedelta(days=1)), False, False, False),  # dated after the as-of day
        (M(1, TODAY), True, True, False),  # the as-of day itself
        (M(1, date(2025, 9, 1), kind=v.REAFFIRMED), True, False, False),
        (M(1, date(2099, 1, 1), kind=v.PLANNED), False, False, True),
        (M(1, date(2099, 1, 1), kind=v.PLANNED, sourced=False), False, False, False),
        (M(1, date(2025, 9, 1), status="withdrawn"), False, False, False),
    ],
)
def test_evidence_rules(fact, on_record, counted, upcoming):
    assert rules.is_on_record(fact, TODAY) is on_record
    assert rules.is_counted(fact, TODAY) is counted
    assert rules.is_upcoming(fact) is upcoming


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


# --- Status -----------------------------------------------------------------------------

ASSUMED_YEN = Terms(v.QUANTITATIVE, D(100), "JPY", START, DEADLINE, v.ASSUMED)
NO_DEADLINE = Terms(v.QUANTITATIVE, D(100), "JPY", None, None, v.NO_DEADLINE)
YEAR_2025 = Terms(v.DELIVERABLE, None, "", START, date(2025, 12, 31), v.STATED)
LATE = date(2036, 1, 1)


@pytest.mark.parametrize(
    "terms, progress, stage_name, evidence, expected, as_of, status",
    [
        (YEN, D(0), "", 0, D("0.12"), TODAY, v.NO_EVIDENCE),  # a path, but no evidence
        (YEN, D(0), "", 0, D(1), LATE, v.NO_EVIDENCE),  # silence is not proof of failure
        (YEN, D("1.2"), "", 1, D("0.1"), TODAY, v.ACHIEVED),
        (YEN, D(1), "", 1, D(1), LATE, v.ACHIEVED),  # achieved beats overdue
        (YEN, D("0.99"), "", 1, D(1), LATE, v.OVERDUE),
        (YEN, D("0.09"), "", 1, D("0.1"), TODAY, v.ON_TRACK),  # exactly 0.9 × expected
        (YEN, D("0.0899"), "", 1, D("0.1"), TODAY, v.AT_RISK),
        (YEN, D("0.05"), "", 1, D("0.1"), TODAY, v.AT_RISK),  # exactly 0.5 × expected
        (YEN, D("0.0499"), "", 1, D("0.1"), TODAY, v.OFF_TRACK),
        (YEN, D(0), "", 1, D(0), START, v.ON_TRACK),  # counted 0 on day one
        (ASSUMED_YEN, D("0.01"), "", 1, D("0.5"), TODAY, v.IN_PROGRESS),  # no verdict
        (ASSUMED_YEN, D("0.01"), "", 1, D(1), LATE, v.IN_PROGRESS),  # never overdue
        (NO_DEADLINE, D("0.01"), "", 1, None, TODAY, v.IN_PROGRESS),
        (DELIVERABLE, D(0), v.ANNOUNCED, 0, None, TODAY, v.NO_EVIDENCE),
        (DELIVERABLE, D("0.1"), v.AGREED, 1, None, TODAY, v.IN_PROGRESS),
        (DELIVERABLE, D(1), v.COMPLETE, 1, None, TODAY, v.ACHIEVED),
        (YEAR_2025, D(0), v.ANNOUNCED, 0, None, TODAY, v.NO_EVIDENCE),
        (YEAR_2025, D("0.3"), v.UNDER_WAY, 1, None, TODAY, v.OVERDUE),
        (YEAR_2025, D("0.3"), v.UNDER_WAY, 1, None, date(2025, 10, 1), v.IN_PROGRESS),
    ],
)
def test_status(terms, progress, stage_name, evidence, expected, as_of, status):
    assert rules.status_for(terms, progress, stage_name, evidence, expected, as_of, T) == status


def test_a_threshold_met_exactly_is_met_whatever_the_decimals():
    """1 of 3 achieved two days into a three-day path: exactly half the expected 2/3, so at
    risk. In 28-digit decimals half of 0.6666…7 rounds above 0.3333…3, which read off track."""
    start = date(2026, 1, 1)
    three = Terms(v.QUANTITATIVE, D(3), "persons", start, start + timedelta(3), v.STATED)
    thresholds = rules.thresholds_from_settings("0.9", "0.5")
    found = rules.standing(three, start + timedelta(2), D(1), "", 1, start, thresholds=thresholds)
    assert found.status == v.AT_RISK
    decimals = rules.status_for(
        three, found.progress, "", 1, found.expected_progress, start + timedelta(2), thresholds
    )
    assert decimals == v.OFF_TRACK  # what comparing the stored decimals would have said


def test_thresholds_come_from_settings_not_the_rule():
    strict = rules.thresholds_from_settings("1.0", "0.8")
    assert rules.status_for(YEN, D("0.09"), "", 1, D("0.1"), TODAY, strict) == v.AT_RISK
    assert rules.status_for(YEN, D("0.09"), "", 1, D("0.1"), TODAY, T) == v.ON_TRACK


@pytest.mark.parametrize(
    "computed, assessed, shown",
    [(v.IN_PROGRESS, None, v.IN_PROGRESS), (v.IN_PROGRESS, v.STALLED, v.STALLED)],
)
def test_an_assessment_is_what_the_public_sees(computed, assessed, shown):
    assert rules.shown_status(computed, assessed) == shown


@pytest.mark.parametrize(
    "last_evidence, assessed_on, newer",
    [
        (date(2026, 3, 1), date(2026, 2, 1), True),
        (date(2026, 2, 1), date(2026, 2, 1), False),
        (None, date(2026, 2, 1), False),
        (date(2026, 3, 1), None, False),
    ],
)
def test_newer_evidence_than_the_assessment(last_evidence, assessed_on, newer):
    assert rules.has_newer_evidence(last_evidence, assessed_on) is newer


@pytest.mark.parametrize(
    "last_evidence, start, days, quiet",
    [
        (None, START, 365, True),  # 453 days since it was made, nothing since
        (date(2026, 1, 1), START, 365, False),
        (date(2025, 11, 24), START, 365, True),  # 366 days
        (date(2025, 11, 25), START, 365, False),  # exactly 365
        (None, None, 365, False),  # no date to count from: no claim
        (None, START, 500, False),
    ],
)
def test_quiet_commitments(last_evidence, start, days, quiet):
    assert rules.is_quiet(last_evidence, start, TODAY, days) is quiet


# --- Evaluation -------------------------------------------------------------------------


def test_quantitative_sums_converted_counted_amounts_only():
    milestones = [
        yen(1, date(2025, 9, 1), "1000000000000"),
        yen(2, date(2025, 9, 1), "1000000000", "USD"),  # ¥150bn at 150
        yen(3, date(2026, 2, 1), "8000000000", "INR"),  # $100m → ¥10bn at 100
        yen(4, date(2025, 9, 1), "9000000000000", status=v.DRAFT),
        yen(5, date(2027, 1, 1), "9000000000000"),  # after the as-of day
        yen(6, date(2025, 9, 1), "9000000000000", sourced=False),
        M(7, date(2025, 9, 2), kind=v.REAFFIRMED),
        M(8, date(2026, 1, 1), kind=v.PLANNED),
    ]
    result = rules.evaluate(YEN, milestones, RATES, date(2026, 6, 1))
    assert result.achieved_value == D("1160000000000")
    assert result.progress == D("0.116")
    assert result.evidence_count == 3
    assert result.last_evidence_on == date(2026, 2, 1)
    assert result.problems == ()
    assert set(result.conversions) == {1, 2, 3}
    assert result.conversions[3].value == D("10000000000")


def test_an_announced_loan_is_agreed_not_achieved():
    loan = [stage(39, START, v.AGREED)]
    result = rules.evaluate(DELIVERABLE, loan, RATES, TODAY)
    assert (result.stage, result.status, result.progress) == (v.AGREED, v.IN_PROGRESS, D("0.1"))
    assert result.achieved_value is None


@pytest.mark.parametrize(
    "milestones, expected_stage",
    [
        ([], v.ANNOUNCED),
        ([stage(1, date(2025, 9, 1), v.AGREED)], v.AGREED),
        (
            [
                stage(1, date(2025, 9, 1), v.UNDER_WAY),
                stage(2, date(2025, 10, 1), v.AGREED),  # a later, lower stage does not undo
            ],
            v.UNDER_WAY,
        ),
        ([stage(1, date(2025, 9, 1), v.COMPLETE, status=v.DRAFT)], v.ANNOUNCED),
        ([stage(1, date(2025, 9, 1), v.COMPLETE, sourced=False)], v.ANNOUNCED),
        ([stage(1, date(2025, 9, 1), v.COMPLETE, inherited=True)], v.ANNOUNCED),
    ],
)
def test_a_deliverable_is_at_the_highest_stage_evidenced(milestones, expected_stage):
    result = rules.evaluate(DELIVERABLE, milestones, RATES, TODAY)
    assert result.stage == expected_stage
    assert result.progress == v.STAGE_FRACTIONS[expected_stage]


def test_a_deliverable_milestone_without_a_stage_is_flagged_not_counted():
    result = rules.evaluate(DELIVERABLE, [M(4, START)], RATES, TODAY)
    assert result.status == v.NO_EVIDENCE and "Milestone 4" in result.problems[0]


def test_exceeded_target_is_not_capped():
    target = Terms(v.QUANTITATIVE, D(100), "persons", START, DEADLINE, v.STATED)
    result = rules.evaluate(target, [yen(1, START, 150, "persons")], RATES, START)
    assert result.progress == D("1.5") and result.status == v.ACHIEVED


def test_unconvertible_milestones_are_not_counted_and_flagged():
    target = Terms(v.QUANTITATIVE, D(100), "persons", START, DEADLINE, v.STATED)
    milestones = [yen(1, START, 10, "persons"), yen(2, START, 10, "JPY")]
    result = rules.evaluate(target, milestones, RATES, TODAY)
    assert result.achieved_value == D(10) and result.evidence_count == 1
    assert len(result.problems) == 1 and "Milestone 2" in result.problems[0]


def test_missing_rate_flags_the_milestone_and_leaves_no_evidence():
    result = rules.evaluate(YEN, [yen(7, START, 5, "EUR")], RATES, TODAY)
    assert result.achieved_value == 0 and result.status == v.NO_EVIDENCE
    assert "no exchange rate for EUR" in result.problems[0]


def test_sub_target_amounts_count_towards_the_parent_once():
    workers = [yen(1, date(2026, 4, 1), 20000, "persons", inherited=True)]
    own = [yen(2, date(2026, 5, 1), 1000, "persons")]
    twice = workers + workers  # the same milestone handed over twice still counts once
    result = rules.evaluate(PEOPLE, own + twice, RATES, TODAY)
    assert result.achieved_value == D(21000) and result.evidence_count == 2


def test_a_sub_target_in_a_unit_that_does_not_add_up_is_left_out_silently():
    other = [yen(1, date(2026, 4, 1), 5, "tonnes", inherited=True)]
    result = rules.evaluate(PEOPLE, other, RATES, TODAY)
    assert result.achieved_value == 0 and result.problems == ()


def test_no_start_date_draws_no_path():
    result = rules.evaluate(NO_DEADLINE, [yen(1, START, 10)], RATES, TODAY)
    assert result.expected_progress is None and result.status == v.IN_PROGRESS


def test_series_matches_evaluating_each_day():
    milestones = [yen(1, date(2025, 9, 1), "100000000000"), yen(2, date(2026, 3, 1), 2e9, "USD")]
    days = rules.progress_dates(YEN, milestones, date(2026, 6, 1))
    assert days == [START, date(2025, 9, 1), date(2026, 3, 1), date(2026, 6, 1)]
    series = rules.evaluate_series(YEN, milestones, RATES, days)
    assert series == [rules.evaluate(YEN, milestones, RATES, day) for day in days]


# --- Good news never makes a commitment look worse --------------------------------------

days = st.integers(min_value=0, max_value=365 * 12).map(lambda n: START + timedelta(days=n))
amounts = st.integers(min_value=1, max_value=2 * 10**12)
existing = st.lists(
    st.tuples(days, st.integers(min_value=0, max_value=10**12), st.sampled_from(["JPY", "USD"])),
    max_size=6,
)


@given(
    existing=existing,
    added_on=days,
    added=amounts,
    as_of=days,
    basis=st.sampled_from(list(v.DEADLINE_BASES)),
)
def test_adding_a_positive_amount_never_lowers_the_status(existing, added_on, added, as_of, basis):
    terms = Terms(
        v.QUANTITATIVE,
        D(10**12),
        "JPY",
        START if basis != v.NO_DEADLINE else None,
        DEADLINE if basis != v.NO_DEADLINE else None,
        basis,
    )
    before = [yen(i, on, amount, unit) for i, (on, amount, unit) in enumerate(existing)]
    after = [*before, yen(99, added_on, added)]
    old = rules.evaluate(terms, before, RATES, as_of, T)
    new = rules.evaluate(terms, after, RATES, as_of, T)
    assert v.STATUS_RANK[new.status] >= v.STATUS_RANK[old.status], (old.status, new.status)
    assert new.progress >= old.progress


@given(
    existing=st.lists(st.tuples(days, st.sampled_from(v.EVIDENCED_STAGES)), max_size=5),
    added=st.tuples(days, st.sampled_from(v.EVIDENCED_STAGES)),
    as_of=days,
)
def test_adding_evidence_to_a_deliverable_never_lowers_its_stage_or_status(existing, added, as_of):
    terms = Terms(v.DELIVERABLE, None, "", START, date(2026, 12, 31), v.STATED)
    before = [stage(i, on, name) for i, (on, name) in enumerate(existing)]
    after = [*before, stage(99, *added)]
    old = rules.evaluate(terms, before, RATES, as_of, T)
    new = rules.evaluate(terms, after, RATES, as_of, T)
    assert v.STAGES.index(new.stage) >= v.STAGES.index(old.stage)
    assert v.STATUS_RANK[new.status] >= v.STATUS_RANK[old.status]


# --- Rollups ----------------------------------------------------------------------------


def item(weight, progress, status, kind=v.QUANTITATIVE, stage_name=""):
    return rules.RollupItem(weight, D(progress), status, kind, stage_name)


@pytest.mark.parametrize(
    "items, progress, statuses, stages",
    [
        ([], D(0), {}, {}),
        (
            [item(1, "0.5", v.ON_TRACK), item(1, "0.1", v.OFF_TRACK)],
            D("0.3"),
            {v.ON_TRACK: 1, v.OFF_TRACK: 1},
            {},
        ),
        (
            [item(1, 3, v.ACHIEVED), item(1, 0, v.NO_EVIDENCE)],
            D("0.5"),
            {v.ACHIEVED: 1, v.NO_EVIDENCE: 1},
            {},
        ),
        (
            [
                item(3, "0.1", v.IN_PROGRESS, v.DELIVERABLE, v.AGREED),
                item(1, 0, v.NO_EVIDENCE, v.DELIVERABLE, v.ANNOUNCED),
            ],
            D("0.075"),
            {v.IN_PROGRESS: 1, v.NO_EVIDENCE: 1},
            {v.AGREED: 1, v.ANNOUNCED: 1},
        ),
    ],
)
def test_rollup_is_a_weighted_mean_capped_at_one_with_counts(items, progress, statuses, stages):
    result = rules.rollup(items)
    assert result.progress == progress
    assert result.commitment_count == len(items)
    assert set(result.status_counts) == set(v.STATUSES)
    assert set(result.stage_counts) == set(v.STAGES)
    assert {k: n for k, n in result.status_counts.items() if n} == statuses
    assert {k: n for k, n in result.stage_counts.items() if n} == stages
