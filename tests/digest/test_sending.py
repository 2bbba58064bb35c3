"""The weekly send: what each reader gets, once, and what happens when an address fails."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tracker.digest import sending
from tracker.digest.models import DigestSend, Subscriber
from tracker.digest.tasks import send_weekly_digest
from tracker.progress import engine
from tracker.progress.models import CommitmentProgress

from . import mail_backends
from .conftest import AS_OF, IN_WINDOW, subscriber

pytestmark = pytest.mark.django_db
NEXT_WEEK = AS_OF + timedelta(days=7)


def send(as_of=AS_OF):
    call_command("send_weekly_digest", "--as-of", as_of.isoformat(), stdout=io.StringIO())


def html_of(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


@pytest.fixture
def refusing_backend(settings):
    settings.EMAIL_BACKEND = "tests.digest.mail_backends.RefusingBackend"
    yield mail_backends.REFUSED
    mail_backends.REFUSED.clear()


def test_subscribe_confirm_digest_rerun_unsubscribe_end_to_end(summit, client, mailoutbox):
    subscribe = client.post("/subscribe/", {"email": "Reporter@Example.org"})
    assert subscribe.status_code == 302
    assert len(mailoutbox) == 1
    confirm_path = re.search(
        r"https://tracker\.example(/subscribe/confirm/\S+/)", mailoutbox[0].body
    )
    assert client.get(confirm_path.group(1)).status_code == 200
    assert not Subscriber.objects.get().is_receiving  # opening the link only asks
    assert client.post(confirm_path.group(1)).status_code == 200

    commitment = factories.commitment(title="Tokyo–Ahmedabad trainees", target_unit="persons")
    factories.milestone(
        commitment, title="First 200 trainees arrive", amount=200, unit="persons",
        occurred_on=date(2025, 9, 9), published_at=IN_WINDOW,
    )  # fmt: skip
    send()
    assert len(mailoutbox) == 2
    digest = mailoutbox[1]
    assert digest.to == ["reporter@example.org"]
    assert "First 200 trainees arrive" in digest.body
    assert "First 200 trainees arrive" in html_of(digest)
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = re.fullmatch(r"<(https://[^>]+)>", digest.extra_headers["List-Unsubscribe"])
    assert unsubscribe_url.group(1) in digest.body

    send()
    assert len(mailoutbox) == 2

    one_click = Client(enforce_csrf_checks=True).post(
        unsubscribe_url.group(1).removeprefix("https://tracker.example"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    factories.milestone(commitment, title="More trainees", amount=100, unit="persons",
                        published_at=IN_WINDOW + timedelta(days=7))  # fmt: skip
    send(NEXT_WEEK)
    assert len(mailoutbox) == 2


def test_an_unconfirmed_address_gets_only_its_confirmation(two_pillars, client, mailoutbox):
    client.post("/subscribe/", {"email": "reader@example.org"})
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    send()
    assert len(mailoutbox) == 1
    assert "/subscribe/confirm/" in mailoutbox[0].body


def test_a_reader_of_one_pillar_does_not_get_another_pillars_milestone(two_pillars, mailoutbox):
    subscriber("mobility@example.org", two_pillars["mobility"])
    subscriber("health@example.org", two_pillars["health"])
    subscriber("all@example.org")
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    send()
    assert sorted(m.to[0] for m in mailoutbox) == ["all@example.org", "mobility@example.org"]
    assert all("Second cohort" in m.body for m in mailoutbox)


def test_with_send_empty_a_quiet_week_gets_a_short_note(two_pillars, mailoutbox, settings):
    settings.DIGEST_SEND_EMPTY = True
    subscriber("health@example.org", two_pillars["health"])
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    send()
    (note,) = mailoutbox
    assert "No new milestones" in note.subject
    assert "Second cohort" not in note.body
    assert "No new milestones were published in your pillars" in note.body


def test_the_digest_links_to_the_pages_with_absolute_urls(two_pillars, mailoutbox):
    subscriber("reader@example.org")
    milestone = factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    send()
    workers = two_pillars["workers"].get_absolute_url()
    assert f"https://tracker.example{workers}#milestone-{milestone.pk}" in mailoutbox[0].body
    assert f'href="https://tracker.example{workers}#milestone-{milestone.pk}"' in html_of(
        mailoutbox[0]
    )
    assert "https://tracker.example/subscribe/manage/" in mailoutbox[0].body


def test_milestone_descriptions_are_sanitized_html_and_plain_text(two_pillars, mailoutbox):
    subscriber("reader@example.org")
    factories.milestone(
        two_pillars["workers"], title="News", published_at=IN_WINDOW,
        description="**Signed** in Tokyo.<script>alert(1)</script>",
    )  # fmt: skip
    send()
    html = html_of(mailoutbox[0])
    assert "<strong>Signed</strong> in Tokyo." in html
    assert "<script>" not in html
    assert "**Signed** in Tokyo." in mailoutbox[0].body


def test_a_rerun_for_the_same_week_sends_nothing_more(two_pillars, mailoutbox):
    subscriber("reader@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    send()
    send()
    assert len(mailoutbox) == 1
    send_row = DigestSend.objects.get()
    assert (send_row.week, send_row.status, send_row.attempts) == (AS_OF, "sent", 1)
    assert send_row.sent_at is not None


def test_a_digest_claimed_by_another_sender_is_not_sent_again(two_pillars, mailoutbox):
    reader = subscriber("reader@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    DigestSend.objects.create(subscriber=reader, week=AS_OF, status="pending", attempts=1)
    send()
    assert mailoutbox == []


def test_one_failing_address_does_not_stop_the_others(two_pillars, mailoutbox, refusing_backend):
    subscriber("first@example.org")
    subscriber("bounces@example.org")
    subscriber("last@example.org")
    refusing_backend.add("bounces@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    send()
    assert sorted(m.to[0] for m in mailoutbox) == ["first@example.org", "last@example.org"]
    failed = DigestSend.objects.get(status="failed")
    assert failed.subscriber.email == "bounces@example.org"
    assert "SMTPRecipientsRefused" in failed.error


def test_a_failed_address_is_retried_on_the_next_run(two_pillars, mailoutbox, refusing_backend):
    subscriber("reader@example.org")
    refusing_backend.add("reader@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    send()
    refusing_backend.clear()
    send()
    assert len(mailoutbox) == 1
    row = DigestSend.objects.get()
    assert (row.status, row.attempts, row.error) == ("sent", 2, "")


def test_a_failing_address_is_tried_at_most_max_attempts(
    two_pillars, mailoutbox, refusing_backend, settings
):
    subscriber("reader@example.org")
    refusing_backend.add("reader@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    for _ in range(settings.DIGEST_MAX_ATTEMPTS + 2):
        send()
    row = DigestSend.objects.get()
    assert (row.status, row.attempts) == ("failed", settings.DIGEST_MAX_ATTEMPTS)


def test_the_task_reruns_the_week_while_a_failed_address_has_attempts_left(
    two_pillars, refusing_backend, settings
):
    subscriber("reader@example.org")
    refusing_backend.add("reader@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    send_weekly_digest.delay(AS_OF.isoformat())
    assert DigestSend.objects.get().attempts == settings.DIGEST_MAX_ATTEMPTS


def test_the_beat_sends_the_digest_on_monday_morning_utc(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-weekly-digest"]
    assert entry["task"] == send_weekly_digest.name
    assert entry["schedule"].day_of_week == {1}
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({1}, {30})
    assert settings.CELERY_TIMEZONE == "UTC"


def test_a_send_on_each_day_of_the_next_week_sends_each_reader_one_digest(two_pillars, mailoutbox):
    subscriber("mobility@example.org", two_pillars["mobility"])
    subscriber("all@example.org")
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    monday = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    factories.milestone(two_pillars["workers"], title="Third cohort", published_at=monday)
    for day in range(7):  # Sunday 14 to Saturday 20 September
        send(AS_OF + timedelta(days=day))
    assert sorted(m.to[0] for m in mailoutbox) == ["all@example.org", "mobility@example.org"]
    for message in mailoutbox:
        assert "8–14 September 2025" in message.subject
        assert "Second cohort" in message.body and "Third cohort" not in message.body
    assert set(DigestSend.objects.values_list("week", "status")) == {(AS_OF, "sent")}


def test_a_plain_run_on_monday_after_the_beat_sends_nothing_twice(two_pillars, mailoutbox):
    subscriber("reader@example.org")
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    beat_time = datetime(2025, 9, 15, 1, 30, tzinfo=UTC)  # Monday 15 September
    with mock.patch("django.utils.timezone.now", return_value=beat_time):
        assert send_weekly_digest.delay().get() == 1
        call_command("send_weekly_digest", stdout=io.StringIO())
    assert len(mailoutbox) == 1
    assert DigestSend.objects.get().week == AS_OF


def preview_label(editor_client, **params):
    html = editor_client.get("/admin/digest/digestsend/preview/", params).content.decode()
    return re.search(r"<h2>([^<]+)</h2>", html).group(1)


@pytest.mark.parametrize("days_after", range(7))
def test_the_task_the_command_and_the_preview_agree_on_the_week(
    two_pillars, editor_client, mailoutbox, days_after
):
    subscriber("reader@example.org")
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    as_of = (AS_OF + timedelta(days=days_after)).isoformat()
    assert send_weekly_digest.delay(as_of).get() == 1
    out = io.StringIO()
    call_command("send_weekly_digest", "--as-of", as_of, stdout=out)
    assert out.getvalue().startswith("Digest for 8–14 September 2025: 0 sent")
    assert preview_label(editor_client, as_of=as_of) == "8–14 September 2025"
    assert DigestSend.objects.get().week == AS_OF
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "now",
    [
        datetime(2025, 9, 17, 12, 0, tzinfo=UTC),  # Wednesday
        datetime(2025, 9, 21, 23, 0, tzinfo=UTC),  # Sunday: its own week is not over yet
    ],
)
def test_by_default_the_task_the_command_and_the_preview_read_the_last_complete_week(
    two_pillars, editor_client, mailoutbox, now
):
    subscriber("reader@example.org")
    factories.milestone(two_pillars["workers"], title="Second cohort", published_at=IN_WINDOW)
    with mock.patch("django.utils.timezone.now", return_value=now):
        assert send_weekly_digest.delay().get() == 1
        out = io.StringIO()
        call_command("send_weekly_digest", stdout=out)
        assert preview_label(editor_client) == "8–14 September 2025"
    assert out.getvalue().startswith("Digest for 8–14 September 2025: 0 sent")
    assert DigestSend.objects.get().week == AS_OF
    assert len(mailoutbox) == 1


def test_window_includes_both_ends_by_utc_date(two_pillars, mailoutbox):
    subscriber("reader@example.org")
    start = datetime(2025, 9, 8, tzinfo=UTC)
    for title, published_at in [
        ("Just before", start - timedelta(seconds=1)),
        ("First moment", start),
        ("Last moment", start + timedelta(days=7, seconds=-1)),
        ("Just after", start + timedelta(days=7)),
    ]:
        factories.milestone(two_pillars["workers"], title=title, published_at=published_at)
    send()
    body = mailoutbox[0].body
    assert "First moment" in body and "Last moment" in body
    assert "Just before" not in body and "Just after" not in body


def test_only_sourced_evidence_dated_by_the_window_end_reaches_the_digest(two_pillars, mailoutbox):
    subscriber("reader@example.org")
    workers = two_pillars["workers"]
    factories.milestone(workers, title="Sourced cohort", amount=100, unit="persons",
                        occurred_on=IN_WINDOW.date(), published_at=IN_WINDOW)  # fmt: skip
    factories.milestone(workers, sources=[], title="Unsourced cohort", amount=100,
                        unit="persons", occurred_on=IN_WINDOW.date(),
                        published_at=IN_WINDOW)  # fmt: skip
    factories.milestone(workers, kind="planned", title="Planned cohort",
                        occurred_on=IN_WINDOW.date(), published_at=IN_WINDOW)  # fmt: skip
    factories.milestone(workers, title="Future cohort", amount=100, unit="persons",
                        occurred_on=NEXT_WEEK, published_at=IN_WINDOW)  # fmt: skip
    send()
    body = mailoutbox[0].body
    assert "NEW MILESTONES (1)" in body and "Sourced cohort" in body
    for hidden in ("Unsourced cohort", "Planned cohort", "Future cohort"):
        assert hidden not in body and hidden not in html_of(mailoutbox[0])
    # 100 persons before the window and 100 in it, of 1,000: only the sourced one counts.
    assert "Mobility: 10% → 20% (up 10 points)" in body


def test_a_sub_targets_amounts_move_its_parents_status_in_the_digest_as_in_the_engine(
    two_pillars, mailoutbox
):
    subscriber("reader@example.org")
    mobility = two_pillars["mobility"]
    exchange = factories.commitment(pillar=mobility, title="People exchange",
                                    target_value=500_000, target_unit="persons")  # fmt: skip
    skilled = factories.commitment(pillar=mobility, title="Skilled Indian workers",
                                   target_value=50_000, target_unit="persons",
                                   parent=exchange)  # fmt: skip
    factories.milestone(skilled, title="20,000 workers", amount=20_000, unit="persons",
                        occurred_on=IN_WINDOW.date(), published_at=IN_WINDOW)  # fmt: skip
    send()
    body = mailoutbox[0].body
    assert "People exchange: No evidence yet → On track" in body
    assert "Skilled Indian workers: No evidence yet → On track" in body
    assert body.count("20,000 workers") == 1  # listed under its own commitment only

    engine.recompute(as_of=AS_OF)
    stored = CommitmentProgress.objects.get(commitment=exchange)
    assert (stored.computed_status, stored.achieved_value) == ("on_track", 20_000)


def build_queries(readers: int, pillars) -> int:
    selections = [(), (pillars["mobility"],), (pillars["health"],), tuple(pillars.values())]
    Subscriber.objects.all().delete()
    for n in range(readers):
        subscriber(f"reader{n}@example.org", *selections[n % len(selections)])
    with CaptureQueriesContext(connection) as queries:
        batch = sending.prepare_week(AS_OF)
        messages = list(batch.messages())
    assert len(messages) == readers
    return len(queries)


def test_building_the_digests_takes_the_same_queries_for_3_and_30_readers(two_pillars):
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    factories.milestone(two_pillars["clinics"], title="More news", published_at=IN_WINDOW)
    pillars = {"mobility": two_pillars["mobility"], "health": two_pillars["health"]}
    assert build_queries(3, pillars) == build_queries(30, pillars)


def test_each_send_adds_only_its_claim_and_its_record(two_pillars, django_assert_num_queries):
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    for n in range(10):
        subscriber(f"reader{n}@example.org")
    with CaptureQueriesContext(connection) as build:
        list(sending.prepare_week(AS_OF).messages())
    DigestSend.objects.all().delete()
    with django_assert_num_queries(len(build) + 1 + 2 * 10):
        sending.send_weekly_digest(AS_OF)
