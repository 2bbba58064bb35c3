"""Build the week's digests in a fixed number of queries, then send each reader theirs once.

Every subscriber's digest for a week has one DigestSend row, unique per (subscriber, week),
the week named by its Sunday whatever day the sender ran.
A row is queued (pending, no attempt yet), claimed with up to CLAIM_BATCH others by one
conditional UPDATE just before their emails go out, then marked sent or failed, a batch at a
time. A rerun, a retried task or a second beat can only claim queued rows and failed rows
with attempts left, so nobody gets a week twice.
A row left pending after an attempt means a sender was killed mid-batch: the email may have
left, so it is not sent again (at most once), and the send log shows it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from tracker.commitments.models import Assessment, Commitment, Milestone, Pillar
from tracker.progress.engine import today
from tracker.progress.inputs import (
    FACT_FIELDS,
    TERMS_FIELDS,
    CommitmentTree,
    fact_from,
    load_rates,
    terms_from,
    thresholds,
)

from . import content, emails
from .models import DigestSend, Subscriber

logger = logging.getLogger(__name__)

# The readers claimed at once. A run killed outright, with no chance to give rows back,
# leaves at most this many digests in flight, which are not sent again: some may have left.
CLAIM_BATCH = 100


def default_as_of() -> date:
    """Yesterday in UTC, the last complete day: the default of the beat, the command and the
    preview alike. On a Sunday it names the week before, never the week still running."""
    return today() - timedelta(days=1)


def load_week(window: content.Window) -> content.WeekNews:
    """Load plain values for the rules, in seven queries whatever the data.

    "Then" and "now" are what the rules compute from the milestones published by each day
    (see content), which no stored figure holds: the stored rollups and chart history count
    every milestone published by the day they were computed, whenever that was. So the
    evidence counted by the window's end is read as the rules' plain values only, with the
    day each was published; titles and descriptions, which only the week's new milestones
    show, come with those alone, found by the index on (status, published_at).
    """
    site = settings.SITE_URL
    pillars = [
        content.PillarInfo(
            id=p["id"],
            name=p["name"],
            url=site + reverse("public:pillar", args=[p["slug"]]),
            order=p["order"],
        )
        for p in Pillar.objects.values("id", "slug", "name", "order")
    ]
    tree = CommitmentTree()
    assessments = defaultdict(list)
    for cid, assessed_on, status in Assessment.objects.order_by("assessed_on", "id").values_list(
        "commitment_id", "assessed_on", "status"
    ):
        assessments[cid].append((assessed_on, status))
    commitments = [
        content.CommitmentInfo(
            id=c["id"],
            pillar_id=c["pillar_id"],
            title=c["title"],
            url=site + reverse("public:commitment", args=[c["slug"]]),
            weight=c["weight"],
            terms=terms_from(c),
            descendants=tuple(tree.descendants(c["id"])),
            assessments=tuple(assessments[c["id"]]),
        )
        for c in Commitment.objects.values(
            "id", "pillar_id", "title", "slug", "weight", *TERMS_FIELDS
        )
    ]
    start_of_window = datetime.combine(window.start, time.min, tzinfo=UTC)
    end_of_window = datetime.combine(window.end + timedelta(days=1), time.min, tzinfo=UTC)
    published_on = TruncDate("published_at", tzinfo=UTC)
    # Unsourced, draft and withdrawn milestones never count nor appear: they are not loaded.
    counted = (
        Milestone.objects.counted(window.end)
        .filter(published_at__lt=end_of_window)
        .annotate(published_on=published_on)
        .order_by()
        .values(*FACT_FIELDS, "published_on")
    )
    milestones = {m["id"]: published_milestone(m) for m in counted}
    new = (
        Milestone.objects.on_record(window.end)
        .filter(published_at__gte=start_of_window, published_at__lt=end_of_window)
        .annotate(published_on=published_on)
        .order_by()
        .values(*FACT_FIELDS, "published_on", "title", "description")
    )
    for m in new:
        milestones[m["id"]] = published_milestone(m)
    return content.week_news(
        window, pillars, commitments, list(milestones.values()), load_rates(), thresholds()
    )


def published_milestone(row: dict) -> content.PublishedMilestone:
    return content.PublishedMilestone(
        fact=fact_from(row),
        commitment_id=row["commitment_id"],
        published_on=row["published_on"],
        title=row.get("title", ""),
        description=row.get("description", ""),
    )


@dataclass(frozen=True)
class Recipient:
    subscriber_id: int
    email: str


@dataclass
class WeekBatch:
    """The week's digests, one per distinct pillar selection, and who gets each."""

    week: date
    digests: list[tuple[emails.RenderedDigest, list[Recipient]]]
    settled: int = 0
    nothing_new: int = 0

    def due(self) -> list[tuple[Recipient, emails.RenderedDigest]]:
        """Every reader due a digest, with theirs."""
        return [(r, rendered) for rendered, recipients in self.digests for r in recipients]


def reader_message(rendered: emails.RenderedDigest, recipient: Recipient) -> EmailMultiAlternatives:
    """One reader's email: only their links are rendered here, and no query is made."""
    return emails.digest_message(
        rendered,
        recipient.email,
        emails.manage_url(recipient.subscriber_id),
        emails.unsubscribe_url(recipient.subscriber_id),
    )


def receiving_subscriptions() -> list[tuple[Recipient, frozenset[int]]]:
    """Confirmed, subscribed readers with the pillars they follow, in two queries."""
    receiving = Subscriber.objects.receiving()
    pillars: dict[int, set[int]] = {}
    for subscriber_id, pillar_id in Subscriber.pillars.through.objects.filter(
        subscriber__in=receiving
    ).values_list("subscriber_id", "pillar_id"):
        pillars.setdefault(subscriber_id, set()).add(pillar_id)
    return [
        (Recipient(pk, email), frozenset(pillars.get(pk, ())))
        for pk, email in receiving.order_by("id").values_list("id", "email")
    ]


def claimable() -> Q:
    """Rows a sender may take: queued and never tried, or failed with attempts left."""
    return Q(status=DigestSend.Status.PENDING, attempts=0) | Q(
        status=DigestSend.Status.FAILED, attempts__lt=settings.DIGEST_MAX_ATTEMPTS
    )


def settled(week: date) -> set[int]:
    """Subscribers whose digest for the week is sent, in flight, or out of attempts."""
    return set(
        DigestSend.objects.filter(week=week)
        .exclude(claimable())
        .values_list("subscriber_id", flat=True)
    )


def prepare_week(as_of: date) -> WeekBatch:
    """Build and render each distinct digest once, for readers still due one for the week
    `as_of` falls in (see `content.window_for`)."""
    window = content.window_for(as_of)
    news = load_week(window)
    done = settled(window.end)
    batch = WeekBatch(week=window.end, digests=[])
    due = []
    for recipient, pillar_ids in receiving_subscriptions():
        if recipient.subscriber_id in done:
            batch.settled += 1
        else:
            due.append((recipient, pillar_ids))
    by_selection = content.group_by_pillars(due)
    for pillar_ids, recipients in by_selection.items():
        digest = content.build_digest(pillar_ids, news)
        if digest.is_empty and not settings.DIGEST_SEND_EMPTY:
            batch.nothing_new += len(recipients)
            continue
        batch.digests.append((emails.render_digest(digest), recipients))
    return batch


def preview(as_of: date, pillar_ids: frozenset[int]):
    """The digest readers of these pillars would get, and its email with placeholder links."""
    digest = content.build_digest(pillar_ids, load_week(content.window_for(as_of)))
    placeholder = emails.absolute(reverse("digest:subscribe"))
    message = emails.digest_message(
        emails.render_digest(digest), "reader@example.org", placeholder, placeholder
    )
    return digest, message


@dataclass
class SendReport:
    week: date
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    nothing_new: int = 0
    retryable: int = 0
    errors: list[str] = field(default_factory=list)


def queue(week: date, recipients: list[Recipient]) -> None:
    """One pending row per reader due a digest; rows that exist already are left alone."""
    DigestSend.objects.bulk_create(
        [DigestSend(subscriber_id=r.subscriber_id, week=week) for r in recipients],
        batch_size=1000,
        ignore_conflicts=True,
    )


def claim(week: date, subscriber_ids: list[int]) -> dict[int, int]:
    """Take the week's rows of these readers that nobody has taken and that have attempts
    left, in one conditional UPDATE; return the attempt each row taken is on, by reader.

    Where the database locks rows (PostgreSQL), they are locked in id order and rows another
    sender is taking at that moment are skipped, so two senders neither take a row twice
    nor wait on each other; SQLite runs one write at a time, each seeing the claims before.
    """
    free = (
        DigestSend.objects.filter(claimable(), week=week, subscriber_id__in=subscriber_ids)
        .order_by("id")
        .values("id")
    )
    connection = connections[free.db]
    sql, params = free.query.get_compiler(connection=connection).as_sql()
    if connection.features.has_select_for_update_skip_locked:
        sql += " " + connection.ops.for_update_sql(skip_locked=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DigestSend._meta.db_table} SET status = %s, attempts = attempts + 1 "
            f"WHERE id IN ({sql}) RETURNING subscriber_id, attempts",
            [DigestSend.Status.PENDING, *params],
        )
        return dict(cursor.fetchall())


def record(week: date, sent: list[int], failed: dict[int, str]) -> None:
    """Mark a batch's rows sent, and failed with each one's error: one UPDATE for each."""
    rows = DigestSend.objects.filter(week=week)
    if sent:
        rows.filter(subscriber_id__in=sent).update(
            status=DigestSend.Status.SENT, sent_at=timezone.now(), error=""
        )
    if failed:
        errors = [When(subscriber_id=pk, then=Value(error)) for pk, error in failed.items()]
        rows.filter(subscriber_id__in=failed).update(
            status=DigestSend.Status.FAILED,
            error=Case(*errors, default=F("error"), output_field=TextField()),
        )


def release(week: date, subscriber_ids: set[int]) -> None:
    """Give back rows claimed by a run that stopped before trying them, as they were before:
    queued when this was their first attempt, failed otherwise."""
    DigestSend.objects.filter(
        week=week, subscriber_id__in=subscriber_ids, status=DigestSend.Status.PENDING
    ).update(
        attempts=F("attempts") - 1,
        status=Case(
            When(attempts=1, then=Value(DigestSend.Status.PENDING)),
            default=Value(DigestSend.Status.FAILED),
        ),
    )


def send_batch(
    week: date,
    due: list[tuple[Recipient, emails.RenderedDigest]],
    connection,
    report: SendReport,
) -> None:
    """Claim these readers' rows, email each reader whose row this run took, then record
    the outcomes. If the run is stopped, what was sent is still recorded and the rows not
    yet tried are given back; the one being sent stays in flight, as it may have left."""
    claimed = claim(week, [recipient.subscriber_id for recipient, _ in due])
    report.skipped += len(due) - len(claimed)
    sent: list[int] = []
    failed: dict[int, str] = {}
    in_flight = None
    try:
        for recipient, rendered in due:
            if recipient.subscriber_id not in claimed:
                continue
            message = reader_message(rendered, recipient)
            message.connection = connection
            in_flight = recipient.subscriber_id
            try:
                message.send()
            except Exception as error:
                logger.warning("digest to subscriber %s failed", in_flight)
                failed[in_flight] = f"{type(error).__name__}: {error}"
                report.errors.append(f"{recipient.email}: {failed[in_flight]}")
                if claimed[in_flight] < settings.DIGEST_MAX_ATTEMPTS:
                    report.retryable += 1
                connection.close()
            else:
                sent.append(in_flight)
            in_flight = None
    finally:
        record(week, sent, failed)
        untried = claimed.keys() - set(sent) - failed.keys() - {in_flight}
        if untried:
            release(week, untried)
    report.sent += len(sent)
    report.failed += len(failed)


def send_weekly_digest(as_of: date) -> SendReport:
    """Send every confirmed reader the digest of the latest complete Monday-to-Sunday week
    on or before `as_of`, once: the send log is keyed on that week's Sunday."""
    batch = prepare_week(as_of)
    report = SendReport(week=batch.week, skipped=batch.settled, nothing_new=batch.nothing_new)
    due = batch.due()
    queue(batch.week, [recipient for recipient, _ in due])
    # One connection for the run; a failure closes it and the next message opens a new one.
    with get_connection() as connection:
        for start in range(0, len(due), CLAIM_BATCH):
            send_batch(batch.week, due[start : start + CLAIM_BATCH], connection, report)
    logger.info(
        "digest for the week to %s: %d sent, %d failed, %d skipped, %d with nothing new",
        batch.week, report.sent, report.failed, report.skipped, report.nothing_new,
    )  # fmt: skip
    return report
