"""Editors preview this week's digest and read the send log."""

import re
from datetime import UTC, datetime
from unittest import mock

import pytest

from tests import factories
from tracker.digest.models import DigestSend

from .conftest import AS_OF, IN_WINDOW, subscriber

pytestmark = pytest.mark.django_db
PREVIEW = "/admin/digest/digestsend/preview/"


def test_editors_preview_the_digest_for_all_pillars(editor_client, two_pillars):
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    response = editor_client.get(PREVIEW, {"as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "8–14 September 2025" in html
    assert "Second cohort" in html  # in the subject, the HTML part and the text part
    assert "<iframe" in html and "<pre>" in html


def test_the_preview_follows_the_chosen_pillars(editor_client, two_pillars):
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    response = editor_client.get(
        PREVIEW, {"as_of": AS_OF.isoformat(), "pillars": [two_pillars["health"].pk]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Second cohort" not in html
    assert "these readers get no email this week" in html


def test_the_preview_opens_on_the_last_complete_week_without_parameters(editor_client, two_pillars):
    sunday_evening = datetime(2025, 9, 21, 20, 0, tzinfo=UTC)  # the week to the 21st is not over
    with mock.patch("django.utils.timezone.now", return_value=sunday_evening):
        response = editor_client.get(PREVIEW)
    assert response.status_code == 200
    assert "<h2>8–14 September 2025</h2>" in response.content.decode()


def test_the_html_part_is_framed_from_its_own_address(editor_client, two_pillars):
    """The email's inline styles are allowed in that one response, which only the admin's
    own pages may frame; the preview page itself keeps the strict policy."""
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    page = editor_client.get(PREVIEW, {"as_of": AS_OF.isoformat()})
    src = re.search(r'<iframe[^>]* src="([^"]+)"', page.content.decode()).group(1)
    part = editor_client.get(src.replace("&amp;", "&"))
    assert part.status_code == 200 and part["Content-Type"].startswith("text/html")
    assert "Second cohort" in part.content.decode() and 'style="' in part.content.decode()
    assert "style-src 'self' 'unsafe-inline'" in part["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in part["Content-Security-Policy"]
    assert part["X-Frame-Options"] == "SAMEORIGIN"
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_the_preview_of_any_day_shows_the_week_that_ended_by_then(editor_client, two_pillars):
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    html = editor_client.get(PREVIEW, {"as_of": "2025-09-20"}).content.decode()
    assert "<h2>8–14 September 2025</h2>" in html and "Second cohort" in html


def test_the_preview_is_for_staff_only(client, two_pillars):
    assert client.get(PREVIEW).status_code == 302


def test_the_send_log_lists_every_send(editor_client, two_pillars):
    reader = subscriber("reader@example.org")
    DigestSend.objects.create(
        subscriber=reader, week=AS_OF, status="failed", attempts=2, error="SMTP said no"
    )
    response = editor_client.get("/admin/digest/digestsend/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "reader@example.org" in html and "SMTP said no" in html
    assert PREVIEW in html


def test_the_send_log_is_read_only(editor_client, two_pillars):
    row = DigestSend.objects.create(subscriber=subscriber("reader@example.org"), week=AS_OF)
    response = editor_client.post(f"/admin/digest/digestsend/{row.pk}/change/", {"status": "sent"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == "pending"


def test_the_subscriber_list_renders(editor_client, two_pillars):
    subscriber("reader@example.org", two_pillars["health"])
    response = editor_client.get("/admin/digest/subscriber/", {"state": "receiving"})
    assert response.status_code == 200
    assert "reader@example.org" in response.content.decode()
