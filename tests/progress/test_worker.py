"""A real Celery worker on Redis turns saved milestones into rollups, with no manual step."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.conftest import wait_for
from tracker.commitments.models import Commitment, Milestone

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def api_achieved(client, slug):
    value = client.get(f"/api/v1/commitments/{slug}/").json()["achieved_value"]
    return Decimal(value) if value is not None else None


@pytest.fixture
def yen_target(summit):
    return Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13"))


def test_milestone_saved_in_the_admin_reaches_the_api(
    celery_worker_process, yen_target, admin_client, client
):
    before = api_achieved(client, yen_target.slug)
    response = admin_client.post(
        reverse("admin:commitments_milestone_add"),
        {
            "commitment": yen_target.pk,
            "occurred_on": "2025-09-15",
            "title": "Investment announced",
            "amount": "250000000000",
            "unit": "JPY",
            "status": "published",
        },
    )
    assert response.status_code == 302
    expected = before + Decimal("250000000000")
    wait_for(lambda: api_achieved(client, yen_target.slug) == expected)


def test_milestone_created_in_the_shell_reaches_the_api(celery_worker_process, yen_target, client):
    before = api_achieved(client, yen_target.slug)
    Milestone.objects.create(
        commitment=yen_target,
        occurred_on="2025-09-20",
        title="From the shell",
        amount=Decimal("1000000000"),
        unit="USD",
        status="published",
    )
    # $1bn at the seed rate on or before 20 Sep 2025.
    from tracker.commitments.models import ExchangeRate

    rate = (
        ExchangeRate.objects.filter(currency="JPY", date__lte="2025-09-20")
        .order_by("-date")
        .first()
    )
    expected = before + Decimal("1000000000") * rate.units_per_usd
    wait_for(lambda: api_achieved(client, yen_target.slug) == expected)
