"""A real Celery worker on Redis turns saved milestones into rollups, with no manual step."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories
from tests.conftest import wait_for
from tracker.commitments.models import Assessment, Commitment, ExchangeRate, Milestone

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def api_commitment(client, slug):
    return client.get(f"/api/v1/commitments/{slug}/").json()


def api_achieved(client, slug):
    value = api_commitment(client, slug)["achieved_value"]
    return Decimal(value) if value is not None else None


@pytest.fixture
def yen_target(summit):
    return Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13"))


def test_milestone_saved_in_the_admin_reaches_the_api(
    celery_worker_process, yen_target, admin_client, client, settings
):
    settings.EDITORIAL_SINGLE_PERSON = True  # the admin publishes what it drafts
    before = api_achieved(client, yen_target.slug)
    source = factories.source(title="Investment report")
    response = admin_client.post(
        reverse("admin:commitments_milestone_add"),
        {
            "commitment": yen_target.pk,
            "kind": "evidence",
            "occurred_on": "2025-09-15",
            "title": "Investment announced",
            "amount": "250000000000",
            "unit": "JPY",
            "stage": "",
            "status": "published",
            "sources": [source.pk],
        },
    )
    assert response.status_code == 302
    expected = before + Decimal("250000000000")
    wait_for(lambda: api_achieved(client, yen_target.slug) == expected)


def test_milestone_created_in_the_shell_reaches_the_api(celery_worker_process, yen_target, client):
    # No rate is seeded: an editor enters the one the conversion needs.
    ExchangeRate.objects.create(date=date(2025, 9, 1), currency="JPY", units_per_usd=147)
    before = api_achieved(client, yen_target.slug)
    milestone = Milestone.objects.create(
        commitment=yen_target,
        occurred_on="2025-09-20",
        title="From the shell",
        amount=Decimal("1000000000"),
        unit="USD",
        status="published",
    )
    milestone.sources.add(factories.source())  # a second statement, as typed in a shell
    # $1bn at the rate on or before 20 Sep 2025.
    expected = before + Decimal("1000000000") * 147
    wait_for(lambda: api_achieved(client, yen_target.slug) == expected)


def test_an_assessment_reaches_the_api(celery_worker_process, yen_target, client):
    Assessment.objects.create(
        commitment=yen_target, status="stalled", reason="No tranche reported."
    )

    def assessed():
        data = api_commitment(client, yen_target.slug)
        return data["status"] == "stalled" and data["assessment"]

    assessment = wait_for(assessed)
    assert assessment["reason"] == "No tranche reported."
    assert api_commitment(client, yen_target.slug)["computed_status"] == "no_evidence"
