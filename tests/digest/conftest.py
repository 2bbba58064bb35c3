from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests import factories
from tracker.digest.models import Subscriber

# The week of 8 to 14 September 2025, a fortnight after the summit.
AS_OF = date(2025, 9, 14)
IN_WINDOW = datetime(2025, 9, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def digest_settings(settings):
    settings.SITE_URL = "https://tracker.example"
    settings.DIGEST_SEND_EMPTY = False
    settings.DIGEST_MAX_ATTEMPTS = 3
    settings.DIGEST_SUBSCRIBE_LIMIT = 5
    return settings


@pytest.fixture(autouse=True)
def no_rate_limit_left_over():
    """Subscribe requests counted in one test must not throttle the next."""
    cache.clear()
    yield
    cache.clear()


def subscriber(email, *pillars, confirmed=True):
    created = Subscriber.objects.create(
        email=email, confirmed_at=timezone.now() if confirmed else None
    )
    created.pillars.set(pillars)
    return created


@pytest.fixture
def two_pillars(db):
    """Two pillars, each with one quantitative commitment already under way."""
    mobility = factories.pillar(name="Mobility", slug="mobility")
    health = factories.pillar(name="Health", slug="health")
    workers = factories.commitment(
        pillar=mobility, title="Skilled workers to Japan", target_value=1000, target_unit="persons"
    )
    clinics = factories.commitment(pillar=health, title="Joint clinics", target_value=1000)
    before = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    factories.milestone(
        workers, title="First cohort", amount=100, unit="persons", published_at=before
    )
    factories.milestone(clinics, title="First clinic", amount=100, unit="USD", published_at=before)
    return {"mobility": mobility, "health": health, "workers": workers, "clinics": clinics}
