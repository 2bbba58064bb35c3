"""Long lists are read a page at a time (a pillar's commitments, a commitment's evidence) or
shortened with their count, so a page's queries and time do not grow with the data."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import factories
from tests.public.builders import correct_and_withdraw, html_of, section
from tracker.commitments.models import Milestone
from tracker.progress import engine
from tracker.progress.selectors import INHERITED_SHOWN, TIMELINE_PAGE_SIZE, UPCOMING_SHOWN
from tracker.public.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded_pillar(db):
    """A pillar with two commitments more than a page holds."""
    pillar, agreement = factories.pillar(), factories.agreement()
    for i in range(PAGE_SIZE + 2):
        factories.commitment(pillar=pillar, agreement=agreement, title=f"Commitment {i:02}")
    return pillar


@pytest.fixture
def long_timeline(db):
    """A commitment with three milestones more than a page of its timeline holds (one of
    them withdrawn), the oldest first in time."""
    commitment = factories.commitment()
    start = date(2025, 9, 1)
    milestones = [
        factories.milestone(
            commitment,
            occurred_on=start + timedelta(days=k),
            title=f"Tranche {k:02}",
            amount=1,
            unit="USD",
        )  # fmt: skip
        for k in range(TIMELINE_PAGE_SIZE + 3)
    ]
    oldest = milestones[0]
    oldest.status = "withdrawn"
    oldest.withdrawal_reason = "Counted twice."
    oldest.save()
    engine.recompute([commitment.pk])
    return commitment, milestones


def test_a_pillar_lists_its_commitments_a_page_at_a_time(client, crowded_pillar):
    first = html_of(client, crowded_pillar.get_absolute_url())
    assert first.count('class="commitment card"') == PAGE_SIZE
    assert f"{PAGE_SIZE + 2} commitments, 1 to {PAGE_SIZE} shown." in first
    assert '<nav aria-label="Pages of commitments" class="pagination">' in first
    assert '<a href="?page=2#commitments-title" rel="next">Next</a>' in first
    assert 'rel="prev"' not in first
    second = html_of(client, f"{crowded_pillar.get_absolute_url()}?page=2")
    assert second.count('class="commitment card"') == 2
    assert "Commitment 26" in second and "Commitment 00" not in second
    assert '<a href="?page=1#commitments-title" rel="prev">Previous</a>' in second
    assert 'rel="next"' not in second


def test_a_short_pillar_has_no_page_navigation(client):
    pillar = factories.commitment().pillar
    html = html_of(client, pillar.get_absolute_url())
    assert 'class="pagination"' not in html and " shown." not in html


def test_a_commitment_lists_its_evidence_newest_first_a_page_at_a_time(client, long_timeline):
    commitment, milestones = long_timeline
    first = section(html_of(client, commitment.get_absolute_url()), "milestones-title")
    newest = milestones[-TIMELINE_PAGE_SIZE:]
    assert first.count('class="timeline-item') == TIMELINE_PAGE_SIZE
    assert all(f'id="milestone-{m.pk}"' in first for m in newest)
    assert first.index(newest[-1].title) < first.index(newest[0].title)
    assert f"{TIMELINE_PAGE_SIZE + 3} entries, newest first; 1 to {TIMELINE_PAGE_SIZE} shown." in (
        first
    )
    assert '<nav aria-label="Pages of evidence" class="pagination">' in first
    assert '<a href="?page=2#milestones-title" rel="next">Next</a>' in first

    second = section(html_of(client, f"{commitment.get_absolute_url()}?page=2"), "milestones-title")
    assert second.count('class="timeline-item') == 3
    assert "<del>Tranche 00" in second and "Withdrawn on " in second  # the note in its place
    assert '<a href="?page=1#milestones-title" rel="prev">Previous</a>' in second


def test_last_updated_counts_evidence_on_every_page_of_the_timeline(client, long_timeline):
    commitment, milestones = long_timeline
    on_page_two = milestones[1]
    Milestone.objects.filter(commitment=commitment).update(
        updated_at=datetime(2025, 10, 1, tzinfo=UTC)
    )
    Milestone.objects.filter(pk=on_page_two.pk).update(
        updated_at=datetime(2026, 3, 2, 12, tzinfo=UTC)
    )
    commitment.corrections.update(made_at=datetime(2025, 10, 1, tzinfo=UTC))
    type(commitment).objects.filter(pk=commitment.pk).update(
        updated_at=datetime(2025, 10, 1, tzinfo=UTC)
    )
    assert "Last updated 2 March 2026." in html_of(client, commitment.get_absolute_url())


# Not named `page`: that is pytest-playwright's fixture, and asking for it would make these
# browser tests, run among the transactional ones, which empty the tables after them.
@pytest.mark.parametrize("number", ["abc", "0", "-1", "1.5", "1e3", "٣", ""])
def test_a_malformed_page_number_is_a_400_with_a_message(client, long_timeline, number):
    commitment, _ = long_timeline
    for path in (commitment.get_absolute_url(), commitment.pillar.get_absolute_url()):
        response = client.get(path, {"page": number})
        assert response.status_code == 400, path
        assert b"<h1>Bad Request</h1>" in response.content


@pytest.mark.parametrize("number", ["3", "99999999999999999999999"])
def test_a_page_past_the_end_is_a_404(client, long_timeline, number):
    commitment, _ = long_timeline
    for path in (commitment.get_absolute_url(), commitment.pillar.get_absolute_url()):
        assert client.get(path, {"page": number}).status_code == 404, path


def test_a_milestones_lasting_link_finds_the_page_that_lists_it(client, long_timeline):
    commitment, milestones = long_timeline
    newest, older, withdrawn = milestones[-1], milestones[2], milestones[0]
    url = commitment.get_absolute_url()
    assert client.get(f"/milestones/{newest.pk}/").url == f"{url}#milestone-{newest.pk}"
    assert client.get(f"/milestones/{older.pk}/").url == f"{url}?page=2#milestone-{older.pk}"
    assert client.get(f"/milestones/{withdrawn.pk}/").url == (
        f"{url}?page=2#milestone-{withdrawn.pk}"
    )
    assert f'id="milestone-{older.pk}"' in html_of(client, f"{url}?page=2")


def test_a_milestone_no_timeline_lists_has_no_lasting_link(client, long_timeline):
    commitment, _ = long_timeline
    draft = factories.milestone(commitment, status="draft", amount=1, unit="USD")
    unsourced = factories.milestone(commitment, sources=[], amount=1, unit="USD")
    for pk in (draft.pk, unsourced.pk, 10**9):
        assert client.get(f"/milestones/{pk}/").status_code == 404, pk


def test_feeds_and_the_corrections_log_link_milestones_by_their_lasting_link(client, long_timeline):
    commitment, milestones = long_timeline
    feed = client.get("/feed/milestones.atom").content.decode()
    assert f"/milestones/{milestones[-1].pk}/" in feed
    corrections = html_of(client, "/corrections/")
    assert f'href="/milestones/{milestones[0].pk}/"' in corrections


def test_a_parent_shows_the_latest_evidence_counted_from_its_sub_targets(client):
    parent = factories.commitment(title="The whole")
    child = factories.commitment(title="A part", parent=parent, pillar=parent.pillar)
    for k in range(INHERITED_SHOWN + 2):
        factories.milestone(
            child, occurred_on=date(2025, 9, 1) + timedelta(days=k), title=f"Part {k:02}",
            amount=1, unit="USD",
        )  # fmt: skip
    engine.recompute()
    evidence = section(html_of(client, parent.get_absolute_url()), "milestones-title")
    shown = evidence.split("Counted from sub-targets")[1]
    assert shown.count('class="timeline-item') == INHERITED_SHOWN
    assert f"Part {INHERITED_SHOWN + 1:02}" in shown and "Part 01" not in shown
    assert f"The latest {INHERITED_SHOWN} of {INHERITED_SHOWN + 2}; the rest are on" in shown


def test_a_commitment_shows_its_soonest_planned_events_and_how_many_there_are(client):
    commitment = factories.commitment()
    soon = engine.today() + timedelta(days=10)
    for k in range(UPCOMING_SHOWN + 2):
        factories.milestone(
            commitment, kind="planned", occurred_on=soon + timedelta(days=k), title=f"Plan {k:02}"
        )
    planned = section(html_of(client, commitment.get_absolute_url()), "upcoming-title")
    assert planned.count('class="timeline-item') == UPCOMING_SHOWN
    assert "Plan 00" in planned and f"Plan {UPCOMING_SHOWN:02}" not in planned
    assert f"The soonest {UPCOMING_SHOWN} of {UPCOMING_SHOWN + 2};" in planned
    assert f'<a href="/api/v1/commitments/{commitment.slug}/">' in planned
    api = client.get(f"/api/v1/commitments/{commitment.slug}/").json()
    assert len(api["upcoming"]) == UPCOMING_SHOWN + 2


def test_a_commitment_shows_its_latest_corrections_and_how_many_there_are(client, monkeypatch):
    from tracker.progress import selectors

    monkeypatch.setattr(selectors, "CORRECTIONS_SHOWN", 1)
    commitment = factories.commitment()
    corrected, withdrawn = correct_and_withdraw(commitment)
    html = html_of(client, commitment.get_absolute_url())
    assert '<a href="#corrections-title">2 corrections</a> to published evidence.' in html
    log = section(html, "corrections-title")
    assert log.count('<li class="correction ') == 1 and withdrawn.title in log
    assert "The latest 1 of 2; the" in log
    evidence = section(html, "milestones-title")  # each note still stands on its milestone
    assert "Corrected on " in evidence and "Withdrawn on " in evidence
    api = client.get(f"/api/v1/commitments/{commitment.slug}/").json()
    assert len(api["corrections"]) == 2


def test_the_home_page_shows_at_most_nine_headlines_and_says_there_are_more(client):
    from tracker.public.views import HEADLINES_ON_HOME

    for i in range(HEADLINES_ON_HOME + 1):
        factories.commitment(is_headline=True, title=f"Headline {i:02}")
    html = html_of(client, "/")
    shown = set(re.findall(r"Headline \d\d", section(html, "headlines-title")))
    assert len(shown) == HEADLINES_ON_HOME
    assert "More headline commitments are in" in html


def test_the_home_page_lists_every_headline_when_there_are_few(client):
    for i in range(3):
        factories.commitment(is_headline=True, title=f"Headline {i:02}")
    html = html_of(client, "/")
    assert len(set(re.findall(r"Headline \d\d", section(html, "headlines-title")))) == 3
    assert "More headline commitments" not in html
