"""Pages do a fixed number of queries and are cached until the rollups change."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.public.builders import correct_and_withdraw
from tracker.commitments.models import (
    Assessment,
    Commitment,
    Correction,
    ExchangeRate,
    Meeting,
    Milestone,
    Source,
)
from tracker.progress import engine

pytestmark = pytest.mark.django_db

FUTURE = engine.today() + timedelta(days=400)


def build(n_commitments):
    """n commitments across 3 pillars and 2 meetings, half quantitative and half deliverables.

    Every quantitative commitment but the first with an index divisible by 4 is a sub-target
    of the first; every third commitment has an editors' assessment. Each commitment has two
    counted milestones, a reaffirmation, a planned event, and two milestones that must appear
    nowhere (one without a source, one dated in the future), so every relation a page shows
    grows with the data. The first commitment is also reaffirmed n // 5 times (at least
    twice), so its evidence timeline grows too, and there is a JPY rate for each of n days.
    """
    pillars = [factories.pillar() for _ in range(3)]
    agreement = factories.agreement()
    source = factories.source()
    meetings = [
        Meeting.objects.create(slug="summit", name="Summit", held_on=date(2025, 8, 29)),
        Meeting.objects.create(slug="later", name="Later meeting", date_note="Not given."),
    ]

    quantitative = {
        "kind": "quantitative",
        "target_value": Decimal(100),
        "target_unit": "USD",
        "deadline_basis": "stated",
        "deadline_words": "“within ten years”",
    }
    deliverable = {
        "kind": "deliverable",
        "deadline_basis": "assumed",
        "deadline_words": "The Joint Vision’s ten years.",
    }

    commitments = Commitment.objects.bulk_create(
        Commitment(
            slug=f"c-{i}", title=f"C {i}", pillar=pillars[i % 3], agreement=agreement,
            meeting=meetings[i % 2], start_date=date(2025, 8, 29), deadline=date(2035, 8, 29),
            is_headline=i < 3, **(deliverable if i % 2 else quantitative),
        )
        for i in range(n_commitments)
    )  # fmt: skip
    parent = commitments[0]
    children = [c for c in commitments[1:] if c.kind == "quantitative" and int(c.slug[2:]) % 4 == 0]
    for child in children:
        child.parent = parent
    Commitment.objects.bulk_update(children, ["parent"])
    Commitment.sources.through.objects.bulk_create(
        Commitment.sources.through(commitment_id=c.id, source_id=source.id) for c in commitments
    )
    Assessment.objects.bulk_create(
        Assessment(commitment=c, status="at_risk", reason="Slow.", assessed_on=date(2025, 9, 1))
        for c in commitments[::3]
    )

    def evidence(c, k):
        if c.kind == "quantitative":
            return dict(amount=k, unit="USD")
        return dict(stage=("agreed", "under_way")[k - 1])

    published = dict(status="published", published_at="2025-09-10T00:00:00Z")
    sourced = Milestone.objects.bulk_create(
        [
            *(Milestone(commitment=c, occurred_on=date(2025, 9, k), title=f"M {k}",
                        **evidence(c, k), **published)
              for c in commitments for k in (1, 2)),
            *(Milestone(commitment=c, occurred_on=date(2025, 10, 1), title="Said again",
                        kind="reaffirmed", meeting=meetings[1], **published)
              for c in commitments),
            *(Milestone(commitment=c, occurred_on=FUTURE, title="Planned", kind="planned",
                        **published)
              for c in commitments),
            *(Milestone(commitment=c, occurred_on=FUTURE, title="Not yet", **evidence(c, 1),
                        **published)
              for c in commitments),
            *(Milestone(commitment=parent, occurred_on=date(2025, 10, 2) + timedelta(days=k),
                        title=f"Said again {k}", kind="reaffirmed", meeting=meetings[0],
                        **published)
              for k in range(max(2, n_commitments // 5))),
        ]
    )  # fmt: skip
    Milestone.objects.bulk_create(
        Milestone(commitment=c, occurred_on=date(2025, 9, 3), title="Unsourced",
                  **evidence(c, 2), **published)
        for c in commitments
    )  # fmt: skip
    withdrawn = Milestone.objects.bulk_create(
        Milestone(commitment=c, occurred_on=date(2025, 9, 4), title="Withdrawn claim",
                  status="withdrawn", withdrawal_reason="Misread.", **evidence(c, 1))
        for c in commitments
    )  # fmt: skip
    Milestone.sources.through.objects.bulk_create(
        Milestone.sources.through(milestone_id=m.id, source_id=source.id)
        for m in [*sourced, *withdrawn]
    )
    Milestone.objects.refresh_sourced()  # links made in bulk send no signal to keep the flag
    corrected = [m for m in sourced if m.title == "M 1"]
    Correction.objects.bulk_create(
        [
            *(Correction(commitment_id=m.commitment_id, milestone=m, kind="withdrawal",
                         reason="Misread.")
              for m in withdrawn),
            *(Correction(commitment_id=m.commitment_id, milestone=m, kind="correction",
                         changes=[{"field": "date", "old": "31 August 2025",
                                   "new": "1 September 2025"}], reason="Typo.")
              for m in corrected),
        ]
    )  # fmt: skip
    ExchangeRate.objects.bulk_create(
        ExchangeRate(date=date(2025, 1, 1) + timedelta(days=k), currency="JPY", units_per_usd=150)
        for k in range(n_commitments)
    )
    engine.recompute()
    return {
        "milestone": next(m.pk for m in sourced if m.commitment == parent and m.title == "M 1"),
        "slug": parent.slug,
        "child": children[0].slug,
        "deliverable": commitments[1].slug,
        "pillar": parent.pillar.slug,
    }


# Every commitment's page, whatever its kind and shape (see the shapes test below).
COMMITMENT_PAGE_QUERIES = 15
# A deliverable's page reads no tree, counted evidence or rates: it converts nothing and
# its sub-targets' stages are their own.
DELIVERABLE_PAGE_QUERIES = 12

# Every public page, feed, export and API address, with the most queries it may take
# whatever the size of the data. Long lists are read a page at a time, so page 2 costs what
# page 1 does.
MAX_QUERIES = {
    "/": 5,
    "/commitments/": 5,
    "/commitments/?page=2": 5,
    "/commitments/?sort=-progress&kind=quantitative": 5,
    "/commitments/?status=at_risk&meeting=later&stage=under_way": 6,
    "/commitments/{slug}/": COMMITMENT_PAGE_QUERIES,
    "/commitments/{slug}/?page=2": COMMITMENT_PAGE_QUERIES,
    "/commitments/{child}/": COMMITMENT_PAGE_QUERIES,
    "/commitments/{deliverable}/": DELIVERABLE_PAGE_QUERIES,
    "/milestones/{milestone}/": 3,
    "/pillars/{pillar}/": 5,
    "/pillars/{pillar}/?page=2": 5,
    "/agreements/": 4,
    "/sources/": 2,
    "/methodology/": 1,
    "/corrections/": 2,
    "/corrections/?page=2": 2,
    "/sitemap.xml": 4,
    "/api/v1/commitments/": 3,
    "/api/v1/commitments/?page_size=500": 3,
    "/api/v1/commitments/{slug}/": 10,
    "/api/v1/commitments/{deliverable}/": 10,
    "/api/v1/pillars/": 1,
    "/api/v1/pillars/{pillar}/": 1,
    "/api/v1/summary/": 1,
    "/feed/milestones.atom": 2,
    "/feed/pillars/{pillar}/milestones.atom": 3,
    "/feed/corrections.atom": 1,
    # One read each; the transaction it streams in is a savepoint inside the test's own,
    # and SAVEPOINT and RELEASE count as queries here.
    "/export/commitments.csv": 3,
    "/export/milestones.csv": 3,
    "/export/exchange-rates.csv": 3,
}


@pytest.fixture
def short_pages(monkeypatch):
    """Pages of a few entries, so every paginated or shortened list is cut at both sizes."""
    from tracker.progress import selectors
    from tracker.public import corrections, views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    monkeypatch.setattr(corrections, "PAGE_SIZE", 3)
    monkeypatch.setattr(selectors, "TIMELINE_PAGE_SIZE", 3)
    monkeypatch.setattr(selectors, "INHERITED_SHOWN", 2)
    monkeypatch.setattr(selectors, "CORRECTIONS_SHOWN", 1)
    monkeypatch.setattr(selectors, "UPCOMING_SHOWN", 1)


def queries_per_page(client, names, django_assert_max_num_queries):
    """Each address's queries, uncached and within its pin, its body read to the end (an
    export reads its rows as it streams)."""
    counts = {}
    for page, most in MAX_QUERIES.items():
        url = page.format(**names)
        cache.clear()
        with django_assert_max_num_queries(most) as captured:
            response = client.get(url)
            if response.streaming:
                response.getvalue()
        assert response.status_code == (302 if url.startswith("/milestones/") else 200), url
        counts[page] = len(captured.captured_queries)
    return counts


def clear_build():
    Assessment.objects.all().delete()
    Correction.objects.all().delete()
    Milestone.objects.all().delete()
    Commitment.objects.filter(parent__isnull=False).delete()
    Commitment.objects.all().delete()
    Meeting.objects.all().delete()
    Source.objects.all().delete()
    ExchangeRate.objects.all().delete()


def test_queries_per_page_are_pinned_and_do_not_grow_with_the_data(
    client, short_pages, django_assert_max_num_queries
):
    small = queries_per_page(client, build(10), django_assert_max_num_queries)
    clear_build()
    large = queries_per_page(client, build(500), django_assert_max_num_queries)
    assert large == small


def test_the_builder_exercises_what_the_pages_show(client):
    names = build(12)
    parent = Commitment.objects.get(slug=names["slug"])
    assert parent.children.count() == 2  # c-4 and c-8
    assert parent.progress.achieved_value == 3 * 3  # its own 1 + 2 and each child's
    assert Commitment.objects.filter(progress__assessment__isnull=False).count() == 4
    deliverable = Commitment.objects.get(slug=names["deliverable"])
    assert deliverable.progress.stage == "under_way"
    html = client.get(parent.get_absolute_url()).content.decode()
    assert "Sub-targets" in html and "Planned" in html and "Assessed by the editors on" in html
    assert "Unsourced" not in html and "Not yet" not in html
    assert "Withdrawn on " in html and "<del>Withdrawn claim" in html and "Corrected on " in html


@pytest.fixture
def shapes():
    """Commitments of every shape a page can take, with the addresses of their pages and
    what each page must show to have that shape (short_pages cuts every list)."""
    pillar = factories.pillar()

    def made(**fields):
        return factories.commitment(pillar=pillar, **fields)

    def evidence(c, day, amount=10, unit="USD", **fields):
        return factories.milestone(c, occurred_on=date(2025, 9, day), amount=amount, unit=unit,
                                   **fields)  # fmt: skip

    plain = made()
    evidence(plain, 1)
    deliverable = made(kind="deliverable", target_value=None, target_unit="")
    factories.milestone(deliverable, stage="under_way")
    parent, child, grandchild = made(), made(), made()
    child.parent, grandchild.parent = parent, child
    Commitment.objects.bulk_update([child, grandchild], ["parent"])
    for day in (1, 2):
        evidence(parent, day)
        evidence(child, day)
        evidence(grandchild, day)
    deliverable_parent = made(kind="deliverable", target_value=None, target_unit="")
    made(kind="deliverable", target_value=None, target_unit="", parent=deliverable_parent)
    factories.milestone(deliverable_parent)
    converted = made()
    ExchangeRate.objects.create(date=date(2025, 1, 1), currency="JPY", units_per_usd=150)
    evidence(converted, 1, amount=15000, unit="JPY")
    assessed = made()
    evidence(assessed, 1)
    for day, status in ((1, "at_risk"), (5, "on_track")):
        Assessment.objects.create(commitment=assessed, status=status, reason="Checked.",
                                  assessed_on=date(2025, 9, day))  # fmt: skip
    corrected = made()
    correct_and_withdraw(corrected)
    correct_and_withdraw(corrected)
    planned_only = made()
    for days in (30, 60):
        factories.milestone(planned_only, kind="planned", occurred_on=FUTURE + timedelta(days))
    long = made()
    for day in range(1, 11):
        if day % 2:
            factories.milestone(long, kind="reaffirmed", occurred_on=date(2025, 9, day))
        else:
            evidence(long, day)
    engine.recompute()
    return {
        "plain": (plain.get_absolute_url(), "no editors’ assessment has been recorded"),
        "deliverable": (deliverable.get_absolute_url(), 'aria-current="step"'),
        "with sub-targets": (parent.get_absolute_url(), "The latest 2 of 4"),
        "a sub-target with its own": (child.get_absolute_url(), "Part of"),
        "a sub-target's sub-target": (grandchild.get_absolute_url(), "Part of"),
        "a deliverable with a sub-target": (deliverable_parent.get_absolute_url(), "Sub-targets"),
        "converted": (converted.get_absolute_url(), "150 JPY per US dollar"),
        "assessed": (assessed.get_absolute_url(), "Editors’ assessments"),
        "corrected": (corrected.get_absolute_url(), "The latest 1 of 4"),
        "planned only": (planned_only.get_absolute_url(), "The soonest 1 of 2"),
        "long, first page": (long.get_absolute_url(), "10 entries"),
        "long, a middle page": (long.get_absolute_url() + "?page=2", "4 to 6 shown"),
        "long, last page": (long.get_absolute_url() + "?page=4", "10 to 10 shown"),
    }


def test_a_commitment_pages_queries_depend_on_its_kind_alone(client, short_pages, shapes):
    counts, not_that_shape = {}, []
    for shape, (url, shown) in shapes.items():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, shape
        if shown not in response.content.decode():
            not_that_shape.append(shape)
        counts[shape] = len(captured.captured_queries)
    assert not_that_shape == []
    deliverables = {"deliverable", "a deliverable with a sub-target"}
    assert counts == {
        shape: DELIVERABLE_PAGE_QUERIES if shape in deliverables else COMMITMENT_PAGE_QUERIES
        for shape in shapes
    }


def test_a_page_that_lists_no_milestone_skips_only_the_query_for_their_sources(client):
    """The one query a page does not make: the sources of the milestones it lists, when the
    milestones already read are none (no evidence, planned event or counted sub-target)."""
    c = factories.commitment()
    engine.recompute([c.pk])
    with CaptureQueriesContext(connection) as captured:
        html = client.get(c.get_absolute_url()).content.decode()
    assert "No evidence yet" in html and 'id="upcoming-title"' not in html
    assert len(captured) == COMMITMENT_PAGE_QUERIES - 1


def test_cached_page_is_served_until_rollups_change(
    summit, client, django_capture_on_commit_callbacks
):
    c = Commitment.objects.filter(kind="deliverable").first()
    first = client.get(c.get_absolute_url()).content
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(c.get_absolute_url()).content == first
    assert len(ctx.captured_queries) == 0
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(c, occurred_on=date(2025, 10, 1), stage="under_way", title="Halfway")
    assert b"Halfway" in client.get(c.get_absolute_url()).content
