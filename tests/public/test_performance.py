"""Pages do a fixed number of queries and are cached until the rollups change."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tracker.commitments.models import Commitment, Milestone, Source
from tracker.progress import engine

pytestmark = pytest.mark.django_db


def build(n_commitments):
    """n commitments across 3 pillars, each with a source and two published milestones."""
    pillars = [factories.pillar() for _ in range(3)]
    agreement = factories.agreement()
    source = factories.source()
    commitments = Commitment.objects.bulk_create(
        Commitment(
            slug=f"c-{i}", title=f"C {i}", pillar=pillars[i % 3], agreement=agreement,
            kind="quantitative", target_value=Decimal(100), target_unit="USD",
            start_date=date(2025, 8, 29), deadline=date(2035, 8, 29), is_headline=i < 3,
        )
        for i in range(n_commitments)
    )  # fmt: skip
    Commitment.sources.through.objects.bulk_create(
        Commitment.sources.through(commitment_id=c.id, source_id=source.id) for c in commitments
    )
    milestones = Milestone.objects.bulk_create(
        Milestone(commitment=c, occurred_on=date(2025, 9, k), title=f"M {k}", amount=k, unit="USD",
                  status="published", published_at="2025-09-10T00:00:00Z")
        for c in commitments for k in (1, 2)
    )  # fmt: skip
    Milestone.sources.through.objects.bulk_create(
        Milestone.sources.through(milestone_id=m.id, source_id=source.id) for m in milestones
    )
    engine.recompute()
    return commitments[0]


PAGES = [
    "/",
    "/commitments/",
    "/commitments/?sort=-progress&kind=quantitative",
    "/commitments/{slug}/",
    "/pillars/{pillar}/",
    "/api/v1/commitments/?page_size=500",
    "/api/v1/commitments/{slug}/",
    "/api/v1/pillars/",
    "/feed/milestones.atom",
    "/export/commitments.csv",
    "/export/milestones.csv",
]


def queries_per_page(client, n):
    first = build(n)
    counts = {}
    for page in PAGES:
        url = page.format(slug=first.slug, pillar=first.pillar.slug)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        counts[page] = len(ctx.captured_queries)
    return counts


def test_queries_per_page_do_not_grow_with_the_data(client, django_db_blocker):
    small = queries_per_page(client, 10)
    Milestone.objects.all().delete()
    Commitment.objects.all().delete()
    Source.objects.all().delete()
    large = queries_per_page(client, 500)
    assert large == small


def test_cached_page_is_served_until_rollups_change(
    summit, client, django_capture_on_commit_callbacks
):
    c = Commitment.objects.filter(kind="milestone").first()
    first = client.get(c.get_absolute_url()).content
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(c.get_absolute_url()).content == first
    assert len(ctx.captured_queries) == 0
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(
            c, occurred_on=date(2025, 10, 1), percent_complete=Decimal(55), title="Halfway"
        )
    assert b"Halfway" in client.get(c.get_absolute_url()).content
