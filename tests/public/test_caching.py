"""The page cache drops only the pages whose content a recompute changed."""

import logging
from decimal import Decimal

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests import factories
from tracker.commitments.models import Commitment, Milestone
from tracker.progress import engine, triggers
from tracker.progress.engine import rollups_changed


@pytest.fixture
def two_pillars(db, django_capture_on_commit_callbacks):
    """Commitment A and commitment B, in pillars of their own, each with one milestone,
    their rollups computed as a save computes them."""
    with django_capture_on_commit_callbacks(execute=True):
        a = factories.commitment(title="Rail corridor")
        b = factories.commitment(title="Ocean survey")
        for commitment, title in ((a, "Rail survey finished"), (b, "Survey ship chartered")):
            factories.milestone(commitment, title=title, amount=Decimal("100"), unit="USD")
    return a, b


def sub_target(parent, capture):
    with capture(execute=True):
        return factories.commitment(title="Freight spur", parent=parent, pillar=parent.pillar)


def pages(a, b):
    """The pages a change to A must drop, and those it must leave cached."""
    dropped = [a.get_absolute_url(), a.pillar.get_absolute_url(), "/"]
    kept = [b.get_absolute_url(), b.pillar.get_absolute_url()]
    return dropped, kept


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


BOTH_RETITLED = {
    "Rail survey finished": "Rail survey signed off",
    "Survey ship chartered": "Ship renamed",
}


def retitle_milestones_unseen(**titles):
    """Change milestone titles without a signal, as if behind the cache's back."""
    for old, new in titles.items():
        assert Milestone.objects.filter(title=old).update(title=new) == 1


def test_a_milestone_saved_drops_the_pages_it_changed_and_keeps_the_others(
    client, two_pillars, django_capture_on_commit_callbacks, django_assert_num_queries
):
    a, b = two_pillars
    dropped, kept = pages(a, b)
    before = {url: html(client, url) for url in dropped + kept}
    retitle_milestones_unseen(**{"Survey ship chartered": "Survey ship renamed"})

    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(a, title="Bridge opened", amount=Decimal("50"), unit="USD")

    for url in dropped:
        assert "Bridge opened" not in before[url]
        assert "Bridge opened" in html(client, url), url
    for url in kept:
        with django_assert_num_queries(0):
            assert html(client, url) == before[url], url


def test_a_milestone_on_a_sub_target_drops_the_page_of_what_it_is_part_of(
    client, two_pillars, django_capture_on_commit_callbacks
):
    parent, _ = two_pillars
    child = sub_target(parent, django_capture_on_commit_callbacks)
    assert "Spur laid" not in html(client, parent.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(child, title="Spur laid", amount=Decimal("10"), unit="USD")

    assert "Spur laid" in html(client, parent.get_absolute_url())


def test_a_change_to_a_commitment_drops_its_sub_targets_pages(
    client, two_pillars, django_capture_on_commit_callbacks
):
    parent, _ = two_pillars
    child = sub_target(parent, django_capture_on_commit_callbacks)
    assert "Rail corridor" in html(client, child.get_absolute_url())
    Commitment.objects.filter(pk=parent.pk).update(title="High-speed rail corridor")

    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(parent, title="Bridge opened", amount=Decimal("50"), unit="USD")

    assert "High-speed rail corridor" in html(client, child.get_absolute_url())


def test_a_signal_naming_commitments_drops_only_the_pages_that_show_them(
    client, two_pillars, django_assert_num_queries
):
    a, b = two_pillars
    dropped, kept = pages(a, b)
    before = {url: html(client, url) for url in dropped + kept}
    retitle_milestones_unseen(**BOTH_RETITLED)

    with django_assert_num_queries(1):  # which pages show them, resolved once
        rollups_changed.send(sender=engine.recompute, commitment_ids={a.pk})

    for url in dropped:
        assert "Rail survey signed off" in html(client, url), url
    for url in kept:
        with django_assert_num_queries(0):
            assert html(client, url) == before[url], url


@pytest.mark.parametrize("names", [{}, {"commitment_ids": None}], ids=["no ids", "None"])
def test_a_signal_without_commitments_drops_every_page(client, two_pillars, names):
    a, b = two_pillars
    dropped, kept = pages(a, b)
    for url in dropped + kept:
        html(client, url)
    retitle_milestones_unseen(**BOTH_RETITLED)

    rollups_changed.send(sender=engine.recompute, **names)

    for url in (a.get_absolute_url(), a.pillar.get_absolute_url(), "/"):
        assert "Rail survey signed off" in html(client, url), url
    for url in kept:
        assert "Ship renamed" in html(client, url), url


@pytest.fixture
def no_recompute(monkeypatch):
    """Saves queue no recompute, so only the page cache's own receivers drop pages."""
    monkeypatch.setattr(triggers, "enqueue", lambda commitment_ids: None)


def test_a_renamed_commitment_leaves_no_page_at_its_old_address(
    client, two_pillars, no_recompute, django_capture_on_commit_callbacks
):
    a, _ = two_pillars
    old = a.get_absolute_url()
    html(client, old)

    with django_capture_on_commit_callbacks(execute=True):
        a.slug = "rail-corridor-phase-one"
        a.save()

    assert client.get(old).status_code == 404


def test_a_commitment_moved_to_another_pillar_leaves_its_old_pillars_page(
    client, two_pillars, no_recompute, django_capture_on_commit_callbacks
):
    a, b = two_pillars
    old_pillar = a.pillar.get_absolute_url()
    assert "Rail corridor" in html(client, old_pillar)

    with django_capture_on_commit_callbacks(execute=True):
        a.pillar = b.pillar
        a.save()

    assert "Rail corridor" not in html(client, old_pillar)


def test_a_deleted_commitment_leaves_its_page_and_its_pillars(
    client, two_pillars, no_recompute, django_capture_on_commit_callbacks
):
    a, _ = two_pillars
    gone = factories.commitment(title="Cancelled corridor", pillar=a.pillar)
    url = gone.get_absolute_url()
    html(client, url)
    assert "Cancelled corridor" in html(client, a.pillar.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        gone.delete()

    assert client.get(url).status_code == 404
    assert "Cancelled corridor" not in html(client, a.pillar.get_absolute_url())


CACHED_PAGES = [
    "/",
    "/commitments/",
    "/agreements/",
    "/sources/",
    "/methodology/",
    "/corrections/",
    "pillar",
    "commitment",
]


@pytest.mark.parametrize("address", CACHED_PAGES)
def test_a_cached_page_is_served_without_a_query(
    client, two_pillars, address, django_assert_num_queries
):
    a, _ = two_pillars
    own = {"pillar": a.pillar.get_absolute_url(), "commitment": a.get_absolute_url()}
    url = own.get(address, address)
    first = html(client, url)
    with django_assert_num_queries(0):
        assert html(client, url) == first


def test_only_a_successful_page_is_cached(client, two_pillars):
    url = "/commitments/?status=no-such-status"
    assert client.get(url).status_code == 400
    with CaptureQueriesContext(connection) as rendered_again:
        assert client.get(url).status_code == 400
    assert rendered_again.captured_queries


class BrokenCache(BaseCache):
    """A cache whose server is down: every call raises."""

    def __init__(self, location, params):
        super().__init__(params)

    def down(self, *args, **kwargs):
        raise ConnectionError("the cache server is down")

    get = set = add = delete = get_many = set_many = touch = has_key = incr = down

    def clear(self):
        pass


@override_settings(CACHES={"default": {"BACKEND": "tests.public.test_caching.BrokenCache"}})
def test_pages_render_while_the_cache_is_down(client, two_pillars, caplog):
    a, b = two_pillars
    dropped, kept = pages(a, b)
    with caplog.at_level(logging.WARNING, logger="tracker.public.caching"):
        for url in dropped + kept:
            assert "survey" in html(client, url).lower()
            assert "survey" in html(client, url).lower()
        rollups_changed.send(sender=engine.recompute, commitment_ids={a.pk})
        rollups_changed.send(sender=engine.recompute)
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("page cache unavailable") == 2 * len(dropped + kept)
    assert messages.count("could not drop cached pages") == 2


def test_every_process_drops_cached_pages_after_a_recompute():
    """A worker never loads the URLconf: the receivers must be connected at start-up."""
    import subprocess
    import sys

    code = (
        "import django; django.setup()\n"
        "from tracker.progress.engine import rollups_changed\n"
        "print(len(rollups_changed.receivers))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert int(out.strip()) >= 1


@pytest.mark.parametrize("scope", ["pillar", "commitment"])
def test_a_long_address_makes_no_long_cache_key(scope):
    """Any slug may arrive in an address (the hostile tests send 100 KB); the version keys
    it makes stay within what every cache accepts, and differ by slug."""
    from tracker.public.caching import version_key

    long, other = version_key(scope, "x" * 5000), version_key(scope, "x" * 4999)
    assert len(long) < 250 and long != other
