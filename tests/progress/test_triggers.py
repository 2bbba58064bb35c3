"""Saving anything that moves progress queues a recompute after the transaction commits."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from tests import factories
from tests.conftest import database_url_of
from tests.workers import shell
from tracker.commitments.models import ExchangeRate
from tracker.progress import engine
from tracker.progress.models import CommitmentProgress, OverallProgress

pytestmark = pytest.mark.django_db


def achieved(commitment):
    return CommitmentProgress.objects.get(commitment=commitment).achieved_value


def test_saving_a_milestone_recomputes_its_commitment_after_commit(
    django_capture_on_commit_callbacks,
):
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(c, amount=Decimal(250), unit="USD")
    assert achieved(c) == Decimal(250)
    assert OverallProgress.objects.get().commitment_count == 1


def test_nothing_is_queued_before_commit(django_capture_on_commit_callbacks):
    c = factories.commitment()
    with django_capture_on_commit_callbacks() as callbacks:
        factories.milestone(c, amount=Decimal(1), unit="USD")
        factories.milestone(c, amount=Decimal(2), unit="USD")
        assert not CommitmentProgress.objects.filter(commitment=c).exists()
    assert callbacks  # queued for commit time, not run inline


def test_a_rolled_back_save_queues_nothing(django_capture_on_commit_callbacks):
    c = factories.commitment()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                factories.milestone(c, amount=Decimal(1), unit="USD")
                raise RuntimeError("editor cancelled")
        except RuntimeError:
            pass
    assert not callbacks


def test_deleting_a_milestone_recomputes(django_capture_on_commit_callbacks):
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    with django_capture_on_commit_callbacks(execute=True):
        m = factories.milestone(c, amount=Decimal(250), unit="USD")
    with django_capture_on_commit_callbacks(execute=True):
        m.delete()
    assert achieved(c) == 0


def test_changing_a_rate_recomputes_commitments_in_that_currency(
    django_capture_on_commit_callbacks,
):
    c = factories.commitment(target_value=Decimal("1000000"), target_unit="JPY")
    with django_capture_on_commit_callbacks(execute=True):
        ExchangeRate.objects.create(date=date(2025, 1, 1), currency="JPY", units_per_usd=150)
        factories.milestone(c, amount=Decimal(10), unit="USD")
    assert achieved(c) == Decimal(1500)
    with django_capture_on_commit_callbacks(execute=True):
        rate = ExchangeRate.objects.get()
        rate.units_per_usd = 100
        rate.save()
    assert achieved(c) == Decimal(1000)


def test_citing_a_source_later_makes_a_milestone_count(django_capture_on_commit_callbacks):
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    with django_capture_on_commit_callbacks(execute=True):
        m = factories.milestone(c, amount=Decimal(250), unit="USD", sources=[])
    assert achieved(c) == 0
    with django_capture_on_commit_callbacks(execute=True):
        m.sources.add(factories.source())
    assert achieved(c) == Decimal(250)
    with django_capture_on_commit_callbacks(execute=True):
        m.sources.clear()
    assert achieved(c) == 0
    source = factories.source()
    with django_capture_on_commit_callbacks(execute=True):
        source.milestones.add(m)  # from the source's side
    assert achieved(c) == Decimal(250)
    with django_capture_on_commit_callbacks(execute=True):
        source.milestones.remove(m)
    assert achieved(c) == 0


@pytest.mark.django_db(transaction=True)
def test_a_source_added_after_saving_in_the_shell_counts_after_the_m2m_trigger():
    """In a shell each statement commits on its own: the save recomputes without the
    milestone, and only the m2m signal of sources.add can bring it in."""
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    engine.recompute([c.id])
    code = (
        "from tracker.commitments.models import Milestone, Source; "
        "from tracker.progress.models import CommitmentProgress as P; "
        f"m = Milestone.objects.create(commitment_id={c.id}, occurred_on='2025-09-02', "
        "title='Sourced later', amount=40, unit='USD', status='published'); "
        f"print('after save', P.objects.get(commitment_id={c.id}).achieved_value); "
        "m.sources.add(Source.objects.create(title='Report', excerpt='Forty.')); "
        f"print('after add', P.objects.get(commitment_id={c.id}).achieved_value)"
    )
    finished = shell(code, database_url_of(connection.settings_dict))
    assert finished.returncode == 0, finished.stderr
    printed = [line for line in finished.stdout.splitlines() if line.startswith("after")]
    assert [Decimal(line.rsplit(" ", 1)[1]) for line in printed] == [0, 40]
    row = CommitmentProgress.objects.get(commitment=c)
    assert row.achieved_value == Decimal(40) and row.counted_milestones == 1


def test_moving_a_sub_target_recomputes_its_old_parent(django_capture_on_commit_callbacks):
    parent = factories.commitment(target_value=Decimal(1000), target_unit="persons")
    child = factories.commitment(target_value=Decimal(100), target_unit="persons", parent=parent)
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(child, amount=Decimal(30), unit="persons")
    assert achieved(parent) == Decimal(30)
    with django_capture_on_commit_callbacks(execute=True):
        child.parent = None
        child.save()
    assert achieved(parent) == 0
    with django_capture_on_commit_callbacks(execute=True):
        child.parent = parent
        child.save()
    assert achieved(parent) == Decimal(30)


def test_moving_a_milestone_recomputes_both_commitments(django_capture_on_commit_callbacks):
    a = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    b = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    with django_capture_on_commit_callbacks(execute=True):
        m = factories.milestone(a, amount=Decimal(70), unit="USD")
    with django_capture_on_commit_callbacks(execute=True):
        m.commitment = b
        m._change_reason = "Logged against the wrong commitment"  # a public correction
        m.save()
    assert (achieved(a), achieved(b)) == (0, Decimal(70))


def test_clearing_a_sources_milestones_recomputes_them(django_capture_on_commit_callbacks):
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    source = factories.source()
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(c, amount=Decimal(5), unit="USD", sources=[source])
    assert achieved(c) == Decimal(5)
    with django_capture_on_commit_callbacks(execute=True):
        source.milestones.clear()
    assert achieved(c) == 0


def test_deleting_a_milestones_only_source_recomputes_it(django_capture_on_commit_callbacks):
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    source = factories.source()
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(c, amount=Decimal(5), unit="USD", sources=[source])
    with django_capture_on_commit_callbacks(execute=True):
        source.delete()
    assert achieved(c) == 0
