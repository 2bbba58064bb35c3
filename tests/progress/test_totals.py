"""The SQL totals (tracker/progress/totals.py) against the rules they stand in for.

The engine computes the day's figures from SQL sums on PostgreSQL and from the rules
milestone by milestone when it rebuilds the chart history; both must store the same current
figures for every commitment, whatever the evidence holds.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.conftest import require_service
from tracker.commitments.models import Commitment, ExchangeRate, Milestone
from tracker.methodology import rules
from tracker.ops.synthetic import generate
from tracker.progress import engine, totals
from tracker.progress.models import (
    CommitmentProgress,
    CommitmentProgressHistory,
    OverallProgress,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
AS_OF = date(2026, 11, 25)
FIELDS = (
    "achieved_value", "progress", "stage", "expected_progress", "computed_status",
    "counted_milestones", "last_evidence_on", "problems",
)  # fmt: skip


@pytest.fixture(autouse=True)
def on_postgresql(db):
    require_service("PostgreSQL (DATABASE_URL)", totals.supported())


def figures(computation):
    return {
        row.commitment_id: {name: getattr(row, name) for name in FIELDS}
        for row in computation.current
    }


def stored_history():
    return set(
        CommitmentProgressHistory.objects.values_list(
            "commitment_id",
            "as_of",
            "achieved_value",
            "progress",
            "stage",
            "expected_progress",
            "status",
        )  # fmt: skip
    )


def stored_figures():
    return {
        row["commitment_id"]: row
        for row in CommitmentProgress.objects.values("commitment_id", *FIELDS, "status")
    }


def assert_sql_agrees_with_rules(as_of=AS_OF):
    """The day's figures and every chart point, by SQL and by the rules: as the daily run
    computes them, and as a rebuild stores them (its SQL writes the history as it stores)."""
    by_rules = engine.compute(None, as_of, rebuild_history=True, by_rules=True)
    daily = engine.compute(None, as_of, rebuild_history=False)
    assert daily.current and len(daily.current) == Commitment.objects.count()
    assert figures(daily) == figures(by_rules)
    engine.recompute(None, as_of, by_rules=True)
    current, history = stored_figures(), stored_history()
    CommitmentProgress.objects.all().delete()
    CommitmentProgressHistory.objects.all().delete()
    engine.recompute(None, as_of)
    assert stored_figures() == current
    assert stored_history() == history
    return figures(daily)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_data_sums_to_the_rules_figures(seed):
    generate(commitments=40, milestones=1_500, subscribers=0, seed=seed)
    found = assert_sql_agrees_with_rules()
    # The data exercises what the SQL does: conversions, sub-targets, stages.
    assert any(f["achieved_value"] for f in found.values())
    assert any(f["stage"] not in ("", "announced") for f in found.values())
    assert Milestone.objects.exclude(unit="").exclude(unit=F("commitment__target_unit")).exists()


def yen_target(**fields):
    return factories.commitment(
        target_value=Decimal("1000000"), target_unit="JPY", start_date=date(2025, 8, 29),
        deadline=date(2030, 8, 29), **fields,
    )  # fmt: skip


def rate(currency, on, value):
    ExchangeRate.objects.create(currency=currency, date=on, units_per_usd=Decimal(value))


def test_rates_are_taken_as_the_rules_take_them():
    """The latest rate on or before the day, else the earliest; USD is 1; a day between two
    rates takes the older; a day after the last takes the last."""
    rate("JPY", date(2025, 9, 1), "147.5")
    rate("JPY", date(2025, 10, 1), "150.25")
    rate("INR", date(2025, 9, 15), "83.1")
    target = yen_target()
    for day, amount, unit in [
        (date(2025, 8, 30), "100", "USD"),  # before every rate: the earliest JPY rate
        (date(2025, 9, 1), "1000", "INR"),  # before INR's first rate
        (date(2025, 9, 20), "333.33", "INR"),  # between JPY's two rates
        (date(2026, 3, 1), "7", "USD"),  # after the last rate
        (date(2026, 3, 2), "500", "JPY"),
    ]:
        factories.milestone(target, occurred_on=day, amount=Decimal(amount), unit=unit)
    found = assert_sql_agrees_with_rules()
    assert found[target.pk]["counted_milestones"] == 5
    assert found[target.pk]["problems"] == []


def test_commitments_with_problems_are_worded_by_the_rules():
    rate("JPY", date(2025, 9, 1), "150")
    no_amount, wrong_unit, no_rate = (yen_target() for _ in range(3))
    factories.milestone(no_amount, amount=None, unit="JPY")
    factories.milestone(no_amount, amount=Decimal(5), unit="JPY")
    factories.milestone(wrong_unit, amount=Decimal(5), unit="persons")
    factories.milestone(no_rate, amount=Decimal(5), unit="EUR")
    plan = factories.commitment(kind="deliverable", target_value=None, target_unit="")
    factories.milestone(plan, stage="", amount=None, unit="")
    factories.milestone(plan, stage="under_way", amount=None, unit="")
    found = assert_sql_agrees_with_rules()
    assert found[no_amount.pk]["counted_milestones"] == 1
    assert "has no amount" in found[no_amount.pk]["problems"][0]
    assert "cannot be added" in found[wrong_unit.pk]["problems"][0]
    assert "no exchange rate for EUR" in found[no_rate.pk]["problems"][0]
    assert found[plan.pk]["stage"] == "under_way"
    assert "names no stage" in found[plan.pk]["problems"][0]


def test_sub_targets_count_towards_their_parent_when_the_units_add_up():
    rate("JPY", date(2025, 9, 1), "150")
    parent = yen_target()
    in_dollars = factories.commitment(
        parent=parent, target_value=Decimal(100), target_unit="USD", pillar=parent.pillar
    )
    people = factories.commitment(
        parent=in_dollars, target_value=Decimal(10), target_unit="persons", pillar=parent.pillar
    )
    stages = factories.commitment(
        parent=parent, kind="deliverable", target_value=None, target_unit="", pillar=parent.pillar
    )
    factories.milestone(in_dollars, amount=Decimal(40), unit="USD")
    factories.milestone(people, amount=Decimal(3), unit="persons")  # never adds to money
    factories.milestone(people, amount=None, unit="persons")  # a problem of `people` only
    factories.milestone(stages, stage="complete", amount=None, unit="")
    found = assert_sql_agrees_with_rules()
    assert found[parent.pk]["achieved_value"] == Decimal(6000)
    assert found[parent.pk]["counted_milestones"] == 1
    assert found[parent.pk]["problems"] == []
    assert found[people.pk]["problems"]


def test_only_counted_evidence_is_summed():
    """Drafts, withdrawals, reaffirmations, planned events, unsourced and future milestones
    move nothing, in SQL as in the rules."""
    target = yen_target()
    counted = factories.milestone(target, amount=Decimal(10), unit="JPY")
    factories.milestone(target, amount=Decimal(1), unit="JPY", status="draft")
    factories.milestone(target, kind="reaffirmed")  # neither may carry an amount
    factories.milestone(target, kind="planned", occurred_on=AS_OF - timedelta(days=1))
    factories.milestone(target, amount=Decimal(1), unit="JPY", sources=[])
    factories.milestone(
        target, amount=Decimal(1), unit="JPY", occurred_on=AS_OF + timedelta(days=1)
    )
    found = assert_sql_agrees_with_rules()
    assert found[target.pk]["achieved_value"] == Decimal(10)
    assert found[target.pk]["last_evidence_on"] == counted.occurred_on


def test_the_milestones_are_read_in_one_query():
    yen_target()
    tree, rates = engine.CommitmentTree(), engine.load_rates()
    units = dict(Commitment.objects.values_list("id", "target_unit"))
    with CaptureQueriesContext(connection) as queries:
        totals.totals_by_commitment(AS_OF, tree, units, rates, everything=True)
    reads = [q["sql"] for q in queries if '"commitments_milestone"' in q["sql"]]
    assert len(reads) == 1


def test_groups_added_up_in_sql_roll_up_as_the_rules_do():
    generate(commitments=40, milestones=1_500, subscribers=0, seed=4)
    engine.recompute(None, AS_OF, rebuild_history=False)
    items = [
        rules.RollupItem(weight, progress, status, kind, stage)
        for weight, progress, status, kind, stage in CommitmentProgress.objects.values_list(
            "commitment__weight", "progress", "status", "commitment__kind", "stage"
        )
    ]
    parts = engine.rollup_parts()
    assert len(parts) < len(items)  # added up, not one per commitment
    assert rules.rollup_parts(part for _, part in parts) == rules.rollup(items)
    overall = OverallProgress.objects.get()
    assert overall.commitment_count == len(items)
    assert overall.progress == round(rules.rollup(items).progress, 6)


def test_chart_points_on_every_edge_of_the_status_rules():
    """Every chart point the SQL writes equals the rules' series, on the edges of the path,
    the status ladder and rounding."""
    start = date(2025, 9, 1)

    def persons(**terms):
        return factories.commitment(target_unit="persons", **terms)

    # A one-day path (the database holds no shorter one), with evidence before its start.
    same_day = persons(start_date=start, deadline=start + timedelta(1))
    factories.milestone(same_day, occurred_on=start - timedelta(3), amount=1, unit="persons")
    # Ties at the seventh digit, which Python rounds to even and round() away from zero:
    # progress 1 / 2,000,000 = 0.0000005 and expected 1 / 128 = 0.0078125.
    ties = persons(target_value=2_000_000, start_date=start, deadline=start + timedelta(128))
    factories.milestone(ties, occurred_on=start + timedelta(1), amount=1, unit="persons")
    # On the thresholds exactly: 90% and 50% of the expected progress.
    for share in ("0.9", "0.5", "0.4999"):
        on_edge = persons(target_value=1000, start_date=start, deadline=start + timedelta(100))
        amount = Decimal(share) * 1000 * 50 / 100  # expected is 0.5 on day 50
        factories.milestone(
            on_edge, occurred_on=start + timedelta(50), amount=amount, unit="persons"
        )
    # Exactly half of a repeating 2/3 expected: at risk, compared as fractions.
    thirds = persons(target_value=3, start_date=start, deadline=start + timedelta(3))
    factories.milestone(thirds, occurred_on=start + timedelta(2), amount=1, unit="persons")
    # No path: an assumed deadline, no start, a start still to come, no target value.
    persons(deadline_basis="assumed")
    no_start = persons(start_date=None)
    factories.milestone(no_start, occurred_on=start, amount=5, unit="persons")
    persons(start_date=AS_OF + timedelta(days=10))
    done = persons(target_value=10, deadline=start + timedelta(30))  # achieved, then overdue
    factories.milestone(done, occurred_on=start, amount=4, unit="persons")
    factories.milestone(done, occurred_on=start + timedelta(60), amount=6, unit="persons")
    # A sub-target in a unit that does not add up marks days on its parent's chart; a
    # deliverable's stages never count above it.
    parent = persons()
    child = factories.commitment(target_unit="students", parent=parent)
    factories.milestone(child, occurred_on=start + timedelta(7), amount=3, unit="students")
    plan = factories.commitment(kind="deliverable", target_value=None, target_unit="")
    sub_plan = factories.commitment(
        kind="deliverable", target_value=None, target_unit="", parent=plan
    )
    factories.milestone(plan, occurred_on=start, stage="agreed", amount=None, unit="")
    factories.milestone(
        sub_plan, occurred_on=start + timedelta(9), stage="complete", amount=None, unit=""
    )
    factories.milestone(
        plan, occurred_on=start + timedelta(20), stage="complete", amount=None, unit=""
    )
    assert_sql_agrees_with_rules()
    points = CommitmentProgressHistory.objects
    assert points.get(commitment=ties, as_of=start + timedelta(1)).progress == Decimal("0")
    assert points.get(commitment=ties, as_of=start + timedelta(1)).expected_progress == Decimal(
        "0.007812"
    )
    assert set(points.filter(commitment=parent).values_list("as_of", flat=True)) >= {
        start + timedelta(7)
    }
    assert points.get(commitment=same_day, as_of=AS_OF).status == "overdue"
    assert points.get(commitment=thirds, as_of=start + timedelta(2)).status == "at_risk"
    statuses = points.filter(as_of=start + timedelta(50)).values_list("status", flat=True)
    assert {"on_track", "at_risk", "off_track"} <= set(statuses)


def test_a_recompute_of_some_commitments_by_sql_agrees_with_the_rules():
    """A recompute of enough commitments to go to the database, though not all of them:
    only theirs (and what their sub-targets add) is read, written and deleted."""
    generate(commitments=60, milestones=2_000, subscribers=0, seed=6)
    engine.recompute(None, AS_OF, by_rules=True)
    current, history = stored_figures(), stored_history()
    some = list(Commitment.objects.filter(parent__isnull=True).values_list("id", flat=True))
    some = some[: engine.SQL_FROM_COMMITMENTS + 5]
    targets = engine.CommitmentTree().with_ancestors(some)
    assert engine.SQL_FROM_COMMITMENTS <= len(targets) < Commitment.objects.count()
    assert engine.compute(some, AS_OF).deferred  # done by the database
    CommitmentProgress.objects.filter(commitment_id__in=targets).delete()
    CommitmentProgressHistory.objects.filter(commitment_id__in=targets).update(status="stale")
    engine.recompute(some, AS_OF)
    assert stored_figures() == current
    assert stored_history() == history
