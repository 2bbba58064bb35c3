"""Build the week's digests in a fixed number of queries, then send each reader theirs once.

Every subscriber's digest for a week has one DigestSend row, unique per (subscriber, week),
the week named by its Sunday whatever day the sender ran.
A row is queued (pending, no attempt yet), claimed by a conditional update just before its
email goes out, then marked sent or failed. A rerun, a retried task or a second beat can
only claim queued rows and failed rows with attempts left, so nobody gets a week twice.
A row left pending after an attempt means a sender stopped mid-send: the email may have
left, so it is not sent again (at most once), and the send log shows it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
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


def default_as_of() -> date:
    """Yesterday in UTC, the last complete day: the default of the beat, the command and the
    preview alike. On a Sunday it names the week before, never the week still running."""
    return today() - timedelta(days=1)


def load_week(window: content.Window) -> content.WeekNews:
    """Load plain values for the rules, in six queries whatever the data."""
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
    end_of_window = datetime.combine(window.end + timedelta(days=1), time.min, tzinfo=UTC)
    # Unsourced milestones never count nor appear, so they are not loaded at all.
    published_by_then = (
        Milestone.objects.published().sourced().filter(published_at__lt=end_of_window)
    )
    milestones = [
        content.PublishedMilestone(
            fact=fact_from(m),
            commitment_id=m["commitment_id"],
            published_on=m["published_at"].astimezone(UTC).date(),
            title=m["title"],
            description=m["description"],
        )
        for m in published_by_then.values(*FACT_FIELDS, "published_at", "title", "description")
    ]
    return content.week_news(window, pillars, commitments, milestones, load_rates(), thresholds())


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

    @property
    def recipients(self) -> list[Recipient]:
        return [r for _, recipients in self.digests for r in recipients]

    def messages(self) -> Iterator[tuple[Recipient, EmailMultiAlternatives]]:
        """Each reader's email: only their links are rendered here, and no query is made."""
        for rendered, recipients in self.digests:
            for r in recipients:
                yield (
                    r,
                    emails.digest_message(
                        rendered,
                        r.email,
                        emails.manage_url(r.subscriber_id),
                        emails.unsubscribe_url(r.subscriber_id),
                    ),
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


def claim(subscriber_id: int, week: date) -> bool:
    """Take the week's row for this reader, if nobody has and it has attempts left."""
    return bool(
        DigestSend.objects.filter(claimable(), subscriber_id=subscriber_id, week=week).update(
            status=DigestSend.Status.PENDING, attempts=F("attempts") + 1, error=""
        )
    )


def send_weekly_digest(as_of: date) -> SendReport:
    """Send every confirmed reader the digest of the latest complete Monday-to-Sunday week
    on or before `as_of`, once: the send log is keyed on that week's Sunday."""
    batch = prepare_week(as_of)
    report = SendReport(week=batch.week, skipped=batch.settled, nothing_new=batch.nothing_new)
    queue(batch.week, batch.recipients)
    rows = DigestSend.objects.filter(week=batch.week)
    # One connection for the run; a failure closes it and the next message opens a new one.
    with get_connection() as connection:
        for recipient, message in batch.messages():
            if not claim(recipient.subscriber_id, batch.week):
                report.skipped += 1
                continue
            row = rows.filter(subscriber_id=recipient.subscriber_id)
            message.connection = connection
            try:
                message.send()
            except Exception as error:
                logger.warning("digest to subscriber %s failed", recipient.subscriber_id)
                detail = f"{type(error).__name__}: {error}"
                row.update(status=DigestSend.Status.FAILED, error=detail)
                report.failed += 1
                report.errors.append(f"{recipient.email}: {detail}")
                if row.filter(attempts__lt=settings.DIGEST_MAX_ATTEMPTS).exists():
                    report.retryable += 1
                connection.close()
                continue
            row.update(status=DigestSend.Status.SENT, sent_at=timezone.now())
            report.sent += 1
    logger.info(
        "digest for the week to %s: %d sent, %d failed, %d skipped, %d with nothing new",
        batch.week, report.sent, report.failed, report.skipped, report.nothing_new,
    )  # fmt: skip
    return report
