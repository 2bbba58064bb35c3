"""The weekly send: what each reader gets, once, and what happens when an address fails."""

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.conftest import require_service
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


@pytest.fixture
def stopping_backend(settings):
    settings.EMAIL_BACKEND = "tests.digest.mail_backends.StoppingBackend"
    yield mail_backends.StoppingBackend.STOP_AT
    mail_backends.StoppingBackend.STOP_AT.clear()


def test_a_run_stopped_mid_batch_gives_back_the_digests_it_had_not_tried(
    two_pillars, mailoutbox, stopping_backend
):
    for n in range(5):
        subscriber(f"reader{n}@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    stopping_backend.add("reader2@example.org")
    with pytest.raises(SystemExit):
        send()
    rows = DigestSend.objects.order_by("subscriber__email")
    assert list(rows.values_list("subscriber__email", "status", "attempts")) == [
        ("reader0@example.org", "sent", 1),
        ("reader1@example.org", "sent", 1),
        ("reader2@example.org", "pending", 1),  # in flight when it stopped: it may have left
        ("reader3@example.org", "pending", 0),
        ("reader4@example.org", "pending", 0),
    ]
    stopping_backend.clear()
    send()
    assert [m.to[0] for m in mailoutbox] == [
        "reader0@example.org", "reader1@example.org", "reader3@example.org", "reader4@example.org"
    ]  # fmt: skip


def test_a_failed_digest_given_back_by_a_stopped_run_keeps_its_attempts(
    two_pillars, mailoutbox, stopping_backend
):
    first, second = subscriber("first@example.org"), subscriber("second@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    DigestSend.objects.create(subscriber=second, week=AS_OF, status="failed", attempts=1)
    stopping_backend.add(first.email)
    with pytest.raises(SystemExit):
        send()
    row = DigestSend.objects.get(subscriber=second)
    assert (row.status, row.attempts) == ("failed", 1)


def on_its_own_connection(run):
    """Run a callable in a thread of its own, closing the connection Django opened for it."""
    try:
        return run()
    finally:
        connection.close()


def at_once(*runs):
    """Run each callable in its own thread with its own database connection."""
    with ThreadPoolExecutor(len(runs)) as pool:
        futures = [pool.submit(on_its_own_connection, run) for run in runs]
        return [future.result() for future in futures]


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_reader_one_digest(two_pillars, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.digest.mail_backends.MeetingBackend"
    mail_backends.MeetingBackend.meeting = threading.Barrier(2)
    readers = sending.CLAIM_BATCH + 20  # two batches: one for each sender
    with transaction.atomic():
        for n in range(readers):
            subscriber(f"reader{n}@example.org")
    factories.milestone(two_pillars["workers"], title="News", published_at=IN_WINDOW)
    try:
        first, second = at_once(*[lambda: sending.send_weekly_digest(AS_OF)] * 2)
    finally:
        mail_backends.MeetingBackend.meeting = None
    assert first.sent and second.sent  # both sent, while the other was sending
    assert (first.sent + second.sent, first.skipped + second.skipped) == (readers, readers)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        f"reader{n}@example.org" for n in range(readers)
    )
    assert set(DigestSend.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db(transaction=True)
def test_two_claims_of_the_same_rows_at_once_take_each_row_once(two_pillars):
    with transaction.atomic():
        readers = [sending.Recipient(subscriber(f"r{n}@example.org").pk, "") for n in range(50)]
    ids = [r.subscriber_id for r in readers]
    for weeks in range(20):
        week = AS_OF + timedelta(weeks=weeks)
        sending.queue(week, readers)
        start = threading.Barrier(2)

        def claim(week=week, start=start):
            start.wait(timeout=30)
            return sending.claim(week, ids)

        first, second = at_once(claim, claim)
        assert not first.keys() & second.keys()
        assert first.keys() | second.keys() == set(ids)
        assert set(first.values()) | set(second.values()) == {1}


@pytest.mark.postgres  # row locks are PostgreSQL's; SQLite runs one write at a time
@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_the_rows_another_sender_holds_without_waiting(two_pillars):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    readers = [sending.Recipient(subscriber(f"r{n}@example.org").pk, "") for n in range(4)]
    ids = [r.subscriber_id for r in readers]
    sending.queue(AS_OF, readers)
    with ThreadPoolExecutor(1) as pool, transaction.atomic():
        # Another sender, mid-claim, holds the first two rows.
        list(DigestSend.objects.select_for_update().filter(subscriber_id__in=ids[:2]))
        taken = pool.submit(on_its_own_connection, lambda: sending.claim(AS_OF, ids))
        assert taken.result(timeout=10).keys() == set(ids[2:])


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


# Seven to load the week, one for the send log, two for the readers, one to queue every
# 1,000 readers, and for each batch of up to CLAIM_BATCH: claim them, record what was sent.
SEND_QUERIES = 13
PREVIEW_QUERIES = 7


def readers_of_every_selection(readers: int, pillars) -> None:
    mobility, health = pillars["mobility"], pillars["health"]
    selections = [(), (mobility,), (health,), (mobility, health)]
    for n in range(readers):
        subscriber(f"reader{n}@example.org", *selections[n % len(selections)])


@pytest.fixture
def busy_week(two_pillars):
    """News in both pillars, on more commitments than the digest lists."""
    for pillar, commitment in [("mobility", "workers"), ("health", "clinics")]:
        factories.milestone(two_pillars[commitment], title="News", published_at=IN_WINDOW)
        for n in range(12):
            other = factories.commitment(pillar=two_pillars[pillar], title=f"{pillar} {n}")
            factories.milestone(other, title=f"{pillar} {n} news", amount=5, unit="USD",
                                published_at=IN_WINDOW)  # fmt: skip
    return two_pillars


@pytest.mark.parametrize("readers", [10, 100])
def test_sending_takes_the_same_queries_for_10_and_100_readers(
    busy_week, readers, django_assert_max_num_queries, mailoutbox
):
    readers_of_every_selection(readers, busy_week)
    with django_assert_max_num_queries(SEND_QUERIES) as queries:
        report = sending.send_weekly_digest(AS_OF)
    assert report.sent == readers == len(mailoutbox)
    assert len(queries) == SEND_QUERIES


def test_each_further_batch_of_readers_adds_a_claim_and_a_record(
    busy_week, django_assert_max_num_queries, mailoutbox
):
    readers_of_every_selection(sending.CLAIM_BATCH + 1, busy_week)
    with django_assert_max_num_queries(SEND_QUERIES + 2):
        sending.send_weekly_digest(AS_OF)
    assert len(mailoutbox) == sending.CLAIM_BATCH + 1


def test_failures_add_one_query_per_batch(
    busy_week, django_assert_max_num_queries, mailoutbox, refusing_backend
):
    readers_of_every_selection(10, busy_week)
    refusing_backend.update({"reader1@example.org", "reader2@example.org"})
    with django_assert_max_num_queries(SEND_QUERIES + 1):
        report = sending.send_weekly_digest(AS_OF)
    assert (report.sent, report.failed, report.retryable) == (8, 2, 2)
    errors = dict(
        DigestSend.objects.filter(status="failed").values_list("subscriber__email", "error")
    )
    assert set(errors) == {"reader1@example.org", "reader2@example.org"}
    for email, error in errors.items():  # each row keeps its own error
        assert error.startswith("SMTPRecipientsRefused") and email in error


def test_the_preview_takes_a_fixed_number_of_queries(busy_week, django_assert_max_num_queries):
    with django_assert_max_num_queries(PREVIEW_QUERIES):
        digest, message = sending.preview(AS_OF, frozenset())
    assert len(digest.milestones) == 26
    assert "And 5 more new milestones in Mobility" in message.body  # 8 of 13 listed
    assert "And 6 more new milestones in Health" in message.body  # 7 of 13


def test_building_the_digests_takes_the_same_queries_for_3_and_30_readers(busy_week):
    def build_queries(readers):
        Subscriber.objects.all().delete()
        readers_of_every_selection(readers, busy_week)
        with CaptureQueriesContext(connection) as queries:
            batch = sending.prepare_week(AS_OF)
            messages = [sending.reader_message(r, who) for who, r in batch.due()]
        assert len(messages) == readers
        return len(queries)

    assert build_queries(3) == build_queries(30)
