"""Saving anything that moves progress queues a recompute after the transaction commits."""

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction

from tests import factories
from tests.conftest import database_url_of
from tracker.commitments.models import ExchangeRate, Milestone
from tracker.progress import engine
from tracker.progress.models import CommitmentProgress, OverallProgress
from tracker.progress.tasks import recompute_stale

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


@pytest.mark.django_db(transaction=True)
def test_broker_outage_keeps_the_save_and_marks_the_rollup_stale():
    """A shell session whose REDIS_URL points at a closed port still saves the milestone."""
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    factories.milestone(c, amount=Decimal(1), unit="USD")
    engine.recompute([c.id])
    code = (
        "from tracker.commitments.models import Milestone; "
        f"Milestone.objects.create(commitment_id={c.id}, occurred_on='2025-09-02', "
        "title='Saved while Redis is down', amount=5, unit='USD', status='published')"
    )
    env = dict(
        os.environ,
        DATABASE_URL=database_url_of(connection.settings_dict),
        REDIS_URL="redis://127.0.0.1:9/0",  # nothing listens on the discard port
    )
    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert "marked stale" in finished.stderr
    assert Milestone.objects.filter(title="Saved while Redis is down").exists()
    assert CommitmentProgress.objects.get(commitment=c).stale

    recompute_stale()  # what the beat's catch-up runs once the broker is back
    row = CommitmentProgress.objects.get(commitment=c)
    assert not row.stale and row.achieved_value == Decimal(6)
