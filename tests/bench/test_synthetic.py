"""The benchmark's synthetic data: reproducible by seed, realistic in its mix, and valid."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from tracker.commitments import services
from tracker.commitments.models import (
    Agreement,
    Assessment,
    Commitment,
    ExchangeRate,
    Milestone,
    Source,
)
from tracker.digest.models import Subscriber
from tracker.methodology import vocabulary as v
from tracker.ops import synthetic
from tracker.ops.synthetic import mix
from tracker.progress import engine
from tracker.progress.models import CommitmentProgress

TINY = {"commitments": 5, "milestones": 200, "subscribers": 20}


@pytest.fixture
def tiny(db):
    synthetic.generate(**TINY, seed=3)


def generated_rows() -> dict:
    """Every generated row by what it says, without ids or creation times."""
    return {
        "commitments": sorted(
            Commitment.objects.values_list(
                "slug", "title", "kind", "target_value", "target_unit", "start_date",
                "deadline", "deadline_basis", "weight", "pillar__slug", "parent__slug",
                "agreement__slug", "meeting__slug", "promised_by", "is_headline",
            )
        ),
        "milestones": sorted(
            Milestone.objects.annotate(n=Count("sources")).values_list(
                "commitment__slug", "kind", "status", "occurred_on", "title", "amount", "unit",
                "stage", "meeting__slug", "published_at", "withdrawal_reason", "n",
            )
        ),
        "rates": sorted(ExchangeRate.objects.values_list("currency", "date", "units_per_usd")),
        "assessments": sorted(
            Assessment.objects.values_list("commitment__slug", "status", "assessed_on")
        ),
        "subscribers": sorted(
            Subscriber.objects.values_list("email", "confirmed_at", "pillars__slug"),
            key=repr,
        ),
    }  # fmt: skip


def rows_rolled_back(seed: int) -> dict:
    """The rows one seed generates, then undone (ids are not reused, so rows are compared
    by what they say)."""
    with transaction.atomic():
        synthetic.generate(**TINY, seed=seed)
        rows = generated_rows()
        transaction.set_rollback(True)
    return rows


def test_the_same_seed_writes_the_same_rows(db):
    first = rows_rolled_back(7)
    synthetic.generate(**TINY, seed=7)
    assert generated_rows() == first


def test_another_seed_writes_other_rows(db):
    assert rows_rolled_back(7)["milestones"] != rows_rolled_back(8)["milestones"]


def test_the_counts_are_the_ones_asked_for(tiny):
    assert Commitment.objects.count() == 5
    assert Milestone.objects.count() == 200
    assert Subscriber.objects.receiving().count() == 20


def test_every_kind_status_currency_and_unit_is_in_the_mix(tiny):
    assert set(Milestone.objects.values_list("kind", "status").distinct()) == set(mix.MILESTONE_MIX)
    targets = set(Commitment.objects.values_list("kind", "target_unit"))
    assert targets == {(v.QUANTITATIVE, u) for u in ("JPY", "INR", "USD", "persons")} | {
        (v.DELIVERABLE, "")
    }
    units = set(Milestone.objects.exclude(unit="").values_list("unit", flat=True))
    assert {"JPY", "INR", "USD", "persons"} <= units
    assert Milestone.objects.exclude(stage="").filter(commitment__kind=v.DELIVERABLE).exists()


def test_there_are_sub_targets_assessments_and_readers_of_some_pillars(tiny):
    assert Commitment.objects.filter(parent__isnull=False).exists()
    assert Assessment.objects.exists()
    following = Subscriber.objects.annotate(n=Count("pillars"))
    assert following.filter(n=0).exists() and following.filter(n__gt=0).exists()


def test_a_sample_of_rows_passes_the_models_checks(tiny):
    for model in (Commitment, Milestone, Assessment, ExchangeRate, Source, Agreement, Subscriber):
        for row in list(model.objects.all())[::7]:
            row.full_clean()


def test_published_and_withdrawn_milestones_met_the_rules_for_publishing(tiny):
    shown = Milestone.objects.exclude(status=v.DRAFT).annotate(n=Count("sources"))
    for m in shown:
        assert m.published_at is not None
        errors = services.evidence_errors(occurred_on=m.occurred_on, kind=m.kind, has_source=m.n)
        assert errors == {}
    assert all(m.withdrawal_reason for m in shown if m.status == v.WITHDRAWN)


def test_daily_rates_cover_the_whole_span_in_both_currencies(tiny):
    days = (mix.RATES_UNTIL - mix.RATES_FROM).days + 1
    for currency in ("JPY", "INR"):
        dates = list(ExchangeRate.objects.filter(currency=currency).values_list("date", flat=True))
        assert sorted(dates) == [mix.RATES_FROM + timedelta(days=n) for n in range(days)]


def test_every_commitment_computes_without_a_problem(tiny):
    engine.recompute()
    assert CommitmentProgress.objects.count() == 5
    assert [p for p in CommitmentProgress.objects.values_list("problems", flat=True) if p] == []


def test_the_command_generates_and_computes_the_rollups(db):
    out = StringIO()
    call_command(
        "generate_synthetic", "--commitments=5", "--milestones=50", "--subscribers=3", stdout=out
    )
    assert "50 commitments.Milestone" in out.getvalue()
    assert CommitmentProgress.objects.count() == 5


def test_the_command_refuses_a_database_that_holds_data(tiny):
    with pytest.raises(CommandError, match="empty"):
        call_command("generate_synthetic", "--commitments=5", stdout=StringIO())
