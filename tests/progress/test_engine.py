"""The engine against the real database: stored rollups follow the rules."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from tests import factories
from tracker.commitments.models import Commitment, ExchangeRate, Milestone, Pillar
from tracker.progress import engine
from tracker.progress.models import (
    CommitmentProgress,
    CommitmentProgressHistory,
    OverallProgress,
    PillarProgress,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2027, 2, 15)


def clamp_share(start, deadline, as_of):
    share = Decimal((as_of - start).days) / Decimal((deadline - start).days)
    return min(max(share, Decimal(0)), Decimal(1))


def test_recompute_as_of_follows_the_rules_for_every_commitment(summit):
    call_command("recompute_progress", "--as-of", AS_OF.isoformat())
    rows = CommitmentProgress.objects.select_related("commitment")
    assert rows.count() == Commitment.objects.count()
    for row in rows:
        c = row.commitment
        assert row.as_of == AS_OF
        assert row.expected_progress == round(clamp_share(c.start_date, c.deadline, AS_OF), 6)
        counted = Milestone.objects.filter(commitment=c).counted(AS_OF)
        if row.progress >= 1:
            assert row.status == "achieved"
        elif AS_OF > c.deadline:
            assert row.status == "overdue"
        elif not counted.exists():
            assert row.status == "not_started"
        elif row.progress >= Decimal("0.9") * row.expected_progress:
            assert row.status == "on_track"
        elif row.progress >= Decimal("0.5") * row.expected_progress:
            assert row.status == "at_risk"
        else:
            assert row.status == "off_track"


def weighted_mean(rows):
    total = sum(r.commitment.weight for r in rows)
    if not total:
        return Decimal(0)
    return sum(r.commitment.weight * min(r.progress, 1) for r in rows) / total


def test_pillar_and_overall_progress_are_weighted_means(summit):
    c = Commitment.objects.filter(kind="milestone").first()
    c.weight = 3
    c.save()
    factories.milestone(c, occurred_on=date(2026, 1, 1), percent_complete=Decimal(70))
    call_command("recompute_progress", "--as-of", AS_OF.isoformat())
    everything = list(CommitmentProgress.objects.select_related("commitment"))
    for pillar in Pillar.objects.all():
        mine = [r for r in everything if r.commitment.pillar_id == pillar.id]
        stored = PillarProgress.objects.get(pillar=pillar)
        assert stored.progress == round(weighted_mean(mine), 6)
        assert stored.commitment_count == len(mine)
        assert sum(stored.status_counts.values()) == len(mine)
    overall = OverallProgress.objects.get()
    assert overall.progress == round(weighted_mean(everything), 6)
    assert overall.commitment_count == len(everything)


def test_recompute_twice_gives_the_same_rows(summit):
    def snapshot():
        return (
            list(CommitmentProgress.objects.values_list("commitment", "progress", "status")),
            list(CommitmentProgressHistory.objects.values_list("commitment", "as_of", "progress")),
            list(PillarProgress.objects.values_list("pillar", "progress", "status_counts")),
        )

    engine.recompute(as_of=AS_OF)
    first = snapshot()
    engine.recompute(as_of=AS_OF)
    assert snapshot() == first


def test_history_has_one_row_per_change_day_up_to_as_of():
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    factories.milestone(c, occurred_on=date(2025, 10, 1), amount=Decimal(100), unit="USD")
    factories.milestone(c, occurred_on=date(2026, 3, 1), amount=Decimal(200), unit="USD")
    factories.milestone(
        c, occurred_on=date(2026, 4, 1), amount=Decimal(999), unit="USD", status="draft"
    )
    engine.recompute([c.id], as_of=date(2026, 6, 1))
    history = list(
        CommitmentProgressHistory.objects.filter(commitment=c).values_list("as_of", "progress")
    )
    assert history == [
        (date(2025, 8, 29), Decimal(0)),
        (date(2025, 10, 1), Decimal("0.1")),
        (date(2026, 3, 1), Decimal("0.3")),
        (date(2026, 6, 1), Decimal("0.3")),
    ]


def test_unconvertible_milestone_is_flagged_on_the_rollup():
    c = factories.commitment(target_value=Decimal(500000), target_unit="persons")
    m = factories.milestone(c, amount=Decimal(5), unit="persons")
    bad = Milestone.objects.create(
        commitment=c,
        occurred_on=date(2025, 9, 1),
        title="x",
        amount=5,
        unit="JPY",
        status="published",
    )
    engine.recompute([c.id], as_of=date(2026, 1, 1))
    row = CommitmentProgress.objects.get(commitment=c)
    assert row.achieved_value == m.amount
    assert row.problems == [
        f"Milestone {bad.id} is not counted: JPY cannot be added to a target in persons."
    ]


def test_rate_changes_move_converted_values():
    c = factories.commitment(target_value=Decimal("1000000"), target_unit="JPY")
    factories.milestone(c, occurred_on=date(2025, 9, 1), amount=Decimal(100), unit="USD")
    ExchangeRate.objects.create(date=date(2025, 1, 1), currency="JPY", units_per_usd=150)
    engine.recompute([c.id], as_of=date(2026, 1, 1))
    assert CommitmentProgress.objects.get(commitment=c).achieved_value == Decimal(15000)
    ExchangeRate.objects.create(date=date(2025, 8, 1), currency="JPY", units_per_usd=140)
    engine.recompute([c.id], as_of=date(2026, 1, 1))
    assert CommitmentProgress.objects.get(commitment=c).achieved_value == Decimal(14000)


def test_recompute_command_rejects_a_bad_date_and_unknown_slug(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("recompute_progress", "--as-of", "2026-13-01")
    with pytest.raises(CommandError, match="No commitment"):
        call_command("recompute_progress", "--commitment", "nope")


def test_daily_run_adds_todays_point_and_keeps_the_history():
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    factories.milestone(c, occurred_on=date(2025, 10, 1), amount=Decimal(100), unit="USD")
    engine.recompute([c.id], as_of=date(2026, 1, 1))
    before = list(
        CommitmentProgressHistory.objects.filter(commitment=c).values_list("as_of", flat=True)
    )
    engine.recompute(as_of=date(2026, 1, 2), rebuild_history=False)
    after = list(
        CommitmentProgressHistory.objects.filter(commitment=c).values_list("as_of", flat=True)
    )
    assert after == [*before, date(2026, 1, 2)]
    engine.recompute(as_of=date(2026, 1, 2), rebuild_history=False)  # a second beat that day
    assert CommitmentProgressHistory.objects.filter(commitment=c).count() == len(after)
