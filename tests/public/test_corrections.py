"""Issue 14 on the public side: withdrawals and corrections are on record for everyone to
see, on /corrections/, in its feed and on the commitment page, and withdrawn evidence
never counts or shows as having happened."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from tests import factories
from tests.conftest import require_service
from tests.public.builders import correct_and_withdraw, html_of, section
from tests.summit import YEN
from tracker.commitments.models import Assessment, Commitment, Correction, Milestone
from tracker.methodology.wording import long_date
from tracker.progress.models import CommitmentProgress
from tracker.public import corrections as corrections_view

pytestmark = pytest.mark.django_db

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
REASON = "The article described a plan, not a disbursement."


def entry(html, correction):
    """One entry of the corrections log, as HTML."""
    start = html.index(f'id="correction-{correction.pk}"')
    return html[start : html.index("</li>\n", start)]


def parsed_feed(client, path="/feed/corrections.atom"):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def withdraw(milestone, reason=REASON):
    milestone.status = "withdrawn"
    milestone.withdrawal_reason = reason
    milestone.save()
    return milestone.corrections.get(kind="withdrawal")


@pytest.fixture
def yen(summit):
    return Commitment.objects.get(slug=YEN)


@pytest.fixture
def published(yen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return factories.milestone(
            yen,
            occurred_on=date(2025, 10, 1),
            amount=Decimal("5e11"),
            unit="JPY",
            title="First tranche disbursed",
        )


@pytest.fixture
def withdrawal(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return withdraw(published)


# --- Withdrawals --------------------------------------------------------------------------


def test_withdrawing_a_published_milestone_removes_it_from_progress_at_once(
    yen, published, django_capture_on_commit_callbacks
):
    counted = CommitmentProgress.objects.get(commitment=yen)
    assert counted.achieved_value == Decimal("5e11") and counted.counted_milestones == 1
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(published)
    progress = CommitmentProgress.objects.get(commitment=yen)
    assert progress.achieved_value == 0 and progress.counted_milestones == 0
    assert progress.status == "no_evidence"


def test_a_withdrawn_milestone_stands_in_its_place_as_a_correction_note(client, yen, withdrawal):
    evidence = section(html_of(client, yen.get_absolute_url()), "milestones-title")
    note = f"Withdrawn on {long_date(withdrawal.made_at)}: {escape(REASON)}"
    assert note in evidence
    assert f'id="milestone-{withdrawal.milestone_id}"' in evidence
    assert "<del>First tranche disbursed" in evidence
    assert f'href="/corrections/{withdrawal.pk}/"' in evidence
    assert "No evidence yet" not in evidence


def test_the_corrections_link_of_a_note_reaches_its_entry(client, withdrawal):
    response = client.get(f"/corrections/{withdrawal.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/corrections/#correction-{withdrawal.pk}"
    assert f'id="correction-{withdrawal.pk}"' in html_of(client, "/corrections/")


def public_surfaces(client, commitment):
    """Every public surface that lists evidence, beside the commitment's own page."""
    pillar = commitment.pillar
    return {
        "home latest": section(html_of(client, "/"), "latest-title"),
        "pillar page": html_of(client, pillar.get_absolute_url()),
        "feed": client.get("/feed/milestones.atom").content.decode(),
        "pillar feed": client.get(f"/feed/pillars/{pillar.slug}/milestones.atom").content.decode(),
        "API milestones": json.dumps(
            client.get(f"/api/v1/commitments/{commitment.slug}/").json()["milestones"]
        ),
        "milestones.csv": client.get("/export/milestones.csv").getvalue().decode(),
    }


def test_a_withdrawn_milestone_is_nowhere_shown_as_evidence(
    client, yen, published, django_capture_on_commit_callbacks
):
    excerpt = escape(published.sources.get().excerpt)
    for surface, text in public_surfaces(client, yen).items():
        assert "First tranche disbursed" in text, surface  # the control
    assert excerpt in html_of(client, "/sources/")
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(published)
    for surface, text in public_surfaces(client, yen).items():
        assert "First tranche disbursed" not in text, surface
    assert excerpt not in html_of(client, "/sources/")


def test_the_corrections_page_lists_a_withdrawal_with_its_date_commitment_and_reason(
    client, yen, withdrawal
):
    html = html_of(client, "/corrections/")
    item = entry(html, withdrawal)
    assert "Withdrawal" in item
    assert f'<time datetime="{withdrawal.made_at:%Y-%m-%d}">{long_date(withdrawal.made_at)}' in item
    assert f'<a href="{yen.get_absolute_url()}">{escape(yen.title)}</a>' in item
    assert "First tranche disbursed" in item
    assert escape(REASON) in item


def test_the_corrections_feed_has_the_withdrawal_published_at_its_time(client, withdrawal):
    feed = parsed_feed(client)
    assert feed.feed.title == "India–Japan Commitment Tracker: corrections"
    [item] = feed.entries
    assert item.title.startswith("Withdrawal of “First tranche disbursed”")
    assert item.link.endswith(f"/corrections/{withdrawal.pk}/")
    assert item.id.endswith(f"/corrections/{withdrawal.pk}/")
    published = datetime(*item.published_parsed[:6], tzinfo=UTC)
    assert published == withdrawal.made_at.replace(microsecond=0)
    assert REASON in item.summary


# --- Corrections of a published figure --------------------------------------------------


@pytest.fixture
def corrected(published, django_capture_on_commit_callbacks):
    published.amount = Decimal("4.5e11")
    published._change_reason = "The release gave ¥450 billion; we misread the table."
    with django_capture_on_commit_callbacks(execute=True):
        published.save()
    return published.corrections.get()


def test_a_correction_shows_what_changed_from_what_to_what_and_why(client, corrected):
    item = entry(html_of(client, "/corrections/"), corrected)
    assert "Correction" in item
    assert "Amount changed from <del>¥500 billion</del> to <ins>¥450 billion</ins>" in item
    assert escape("The release gave ¥450 billion; we misread the table.") in item


def test_a_corrected_milestone_counts_with_its_new_figure_and_says_when_it_was_corrected(
    client, yen, corrected
):
    assert CommitmentProgress.objects.get(commitment=yen).achieved_value == Decimal("4.5e11")
    page = html_of(client, yen.get_absolute_url())
    evidence = section(page, "milestones-title")
    link = f'<a href="/corrections/{corrected.pk}/">Corrected on {long_date(corrected.made_at)}</a>'
    assert link in evidence
    assert "amount was ¥500 billion" in evidence
    assert "First tranche disbursed" in evidence and "Withdrawn" not in evidence
    assert f'id="correction-{corrected.pk}"' in section(page, "corrections-title")


def test_the_corrections_feed_carries_the_old_and_new_values(client, corrected):
    [item] = parsed_feed(client).entries
    assert item.title.startswith("Correction of “First tranche disbursed”")
    assert "Amount changed from ¥500 billion to ¥450 billion" in item.summary


def test_a_change_of_date_reads_as_dates(client, published):
    published.occurred_on = date(2025, 9, 30)
    published._change_reason = "The release is dated the day before."
    published.save()
    item = entry(html_of(client, "/corrections/"), published.corrections.get())
    assert "Date changed from <del>1 October 2025</del> to <ins>30 September 2025</ins>" in item


def test_the_corrections_log_is_newest_first(client, yen, corrected, withdrawal):
    html = html_of(client, "/corrections/")
    assert html.index(f'id="correction-{withdrawal.pk}"') < html.index(
        f'id="correction-{corrected.pk}"'
    )
    assert [e.id.rstrip("/").rsplit("/", 1)[1] for e in parsed_feed(client).entries] == [
        str(withdrawal.pk),
        str(corrected.pk),
    ]
    page = html_of(client, yen.get_absolute_url())
    assert "2 corrections</a>" in page
    corrections = section(page, "corrections-title")
    assert corrections.index(f"correction-{withdrawal.pk}") < corrections.index(
        f"correction-{corrected.pk}"
    )


# --- Drafts -------------------------------------------------------------------------------


def test_drafts_never_produce_a_correction(client, yen):
    draft = factories.milestone(
        yen, status="draft", amount=Decimal("5e11"), unit="JPY", title="Draft tranche"
    )
    draft.amount = Decimal("4e11")
    draft.save()
    draft.status = "withdrawn"
    draft.withdrawal_reason = "Never mind."
    draft.save()
    assert Correction.objects.count() == 0
    assert "No corrections yet" in html_of(client, "/corrections/")
    assert parsed_feed(client).entries == []
    page = html_of(client, yen.get_absolute_url())
    assert "Draft tranche" not in page and 'id="corrections-title"' not in page


def test_a_page_without_corrections_has_no_corrections_section(client, yen):
    page = html_of(client, yen.get_absolute_url())
    assert 'id="corrections-title"' not in page and "Corrected on" not in page


# --- Last updated ------------------------------------------------------------------------


@pytest.mark.parametrize("latest", ["commitment", "milestone", "correction", "assessment"])
def test_last_updated_is_the_latest_change_to_what_the_page_shows(client, latest):
    c = factories.commitment()
    counted, withdrawn = correct_and_withdraw(c)
    Assessment.objects.create(commitment=c, status="at_risk", reason="Slow.")
    draft = factories.milestone(c, status="draft", amount=1, unit="USD")
    old = datetime(2025, 9, 1, tzinfo=UTC)
    new = datetime(2025, 12, 24, 12, tzinfo=UTC)
    times = {
        "commitment": (Commitment.objects.filter(pk=c.pk), "updated_at"),
        "milestone": (Milestone.objects.filter(pk__in=[counted.pk, withdrawn.pk]), "updated_at"),
        "correction": (Correction.objects.filter(commitment=c), "made_at"),
        "assessment": (Assessment.objects.filter(commitment=c), "created_at"),
    }
    for rows, name in times.values():
        rows.update(**{name: old})
    rows, name = times[latest]
    rows.update(**{name: new})
    # The draft changed last of all, but readers never saw it.
    Milestone.objects.filter(pk=draft.pk).update(updated_at=new + timedelta(days=30))
    assert "Last updated 24 December 2025." in html_of(client, c.get_absolute_url())


# --- Pages, links and queries ----------------------------------------------------------


def test_the_corrections_page_says_what_a_correction_is_and_links_its_feed(db, client):
    html = html_of(client, "/corrections/")
    assert "<h1>Corrections</h1>" in html
    assert "A correction is the public note" in html
    assert 'type="application/atom+xml" title="Corrections" href="/feed/corrections.atom"' in html


@pytest.mark.parametrize("path", ["/", "/corrections/", "/methodology/"])
def test_the_footer_links_the_corrections_and_their_feed(db, client, path):
    footer = html_of(client, path).split('<footer class="site-footer">')[1]
    assert '<a href="/corrections/">Corrections</a>' in footer
    assert '<a href="/feed/corrections.atom">Corrections feed</a>' in footer


def test_the_methodology_page_explains_corrections(db, client):
    html = html_of(client, "/methodology/")
    assert 'id="corrections"' in html and 'href="/corrections/"' in html


def test_the_sitemap_lists_the_corrections_page(db, client):
    assert b"/corrections/</loc>" in client.get("/sitemap.xml").content


def make_corrections(n):
    """n corrections across a few commitments, as the editors leave them."""
    commitments = [factories.commitment() for _ in range(3)]
    milestones = [
        factories.milestone(commitments[i % 3], amount=i + 1, unit="USD", title=f"M {i}")
        for i in range(n)
    ]
    for i, m in enumerate(milestones):
        if i % 2:
            m.status, m.withdrawal_reason = "withdrawn", f"Withdrawn {i}."
        else:
            m.amount, m._change_reason = i + 2, f"Corrected {i}."
        m.save()
    return Correction.objects.order_by("-made_at", "-id")


def test_the_corrections_page_is_paginated(client, monkeypatch):
    monkeypatch.setattr(corrections_view, "PAGE_SIZE", 4)
    log = list(make_corrections(6))
    first, second = html_of(client, "/corrections/"), html_of(client, "/corrections/?page=2")
    assert [f'id="correction-{c.pk}"' in first for c in log] == [True] * 4 + [False] * 2
    assert [f'id="correction-{c.pk}"' in second for c in log] == [False] * 4 + [True] * 2
    assert "Page 1 of 2" in first and 'rel="next"' in first


def test_a_corrections_lasting_link_finds_its_page(client, monkeypatch):
    monkeypatch.setattr(corrections_view, "PAGE_SIZE", 4)
    log = list(make_corrections(6))
    assert client.get(f"/corrections/{log[3].pk}/")["Location"] == (
        f"/corrections/#correction-{log[3].pk}"
    )
    assert client.get(f"/corrections/{log[4].pk}/")["Location"] == (
        f"/corrections/?page=2#correction-{log[4].pk}"
    )
    assert client.get("/corrections/999999/").status_code == 404


@pytest.mark.parametrize("n", [3, 120])
def test_the_corrections_page_and_feed_take_a_fixed_number_of_queries(
    client, django_assert_num_queries, n
):
    make_corrections(n)
    cache.clear()
    with django_assert_num_queries(2):  # the count for the pages, and one page of entries
        assert client.get("/corrections/?page=2").status_code == 200
    with django_assert_num_queries(1):
        feed = parsed_feed(client)
    assert len(feed.entries) == min(n, corrections_view.FEED_SIZE)


def test_the_commitment_page_query_count_does_not_grow_with_corrections(
    client, django_assert_num_queries
):
    c = factories.commitment()
    correct_and_withdraw(c)
    cache.clear()
    with CaptureQueriesContext(connection) as one:
        client.get(c.get_absolute_url())
    for _ in range(5):
        correct_and_withdraw(c)
    cache.clear()
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(c.get_absolute_url()).content.decode()
    assert page.count("Withdrawn on ") == 6 and page.count("Corrected on ") == 6


# --- In the browser ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.browser_context_args(bypass_csp=True)  # or the policy blocks the injected axe
@pytest.mark.django_db(transaction=True)
def test_the_corrections_pages_pass_an_axe_wcag_aa_audit(summit, live_server, page):
    require_service("axe-core (npm ci)", AXE.exists())
    yen = Commitment.objects.get(slug=YEN)
    correct_and_withdraw(yen)
    failures = {}
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        for path in ["/corrections/", yen.get_absolute_url()]:
            page.goto(live_server.url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width} px"
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "async () => await axe.run(document, "
                "{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
            )
            if result["violations"]:
                failures[f"{path} at {width}"] = [
                    (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                    for v in result["violations"]
                ]
    assert failures == {}, json.dumps(failures, indent=1)


def test_the_api_carries_a_commitments_corrections_and_when_it_last_changed(client, withdrawal):
    detail = client.get(f"/api/v1/commitments/{withdrawal.commitment.slug}/").json()
    assert [(c["kind"], c["milestone"], c["reason"]) for c in detail["corrections"]] == [
        ("withdrawal", "First tranche disbursed", REASON)
    ]
    assert detail["last_updated"] >= withdrawal.made_at.isoformat()[:19]
    assert "First tranche disbursed" not in [m["title"] for m in detail["milestones"]]
