"""Celery task: a thin wrapper that sends the week's digests, safe to run twice."""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from . import sending


@shared_task(
    acks_late=True,
    # Safe to rerun whole: a run sends only what no earlier run sent. OSError covers SMTP.
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=6,
)
def send_weekly_digest(as_of: str | None = None) -> int:
    """Send the digest of the latest complete Monday-to-Sunday week on or before `as_of`
    (default: yesterday, UTC, as for the command and the admin preview).

    While some addresses failed and have attempts left, run again for the same week later.
    """
    as_of_date = date.fromisoformat(as_of) if as_of else sending.default_as_of()
    report = sending.send_weekly_digest(as_of_date)
    if report.retryable:
        send_weekly_digest.apply_async(
            (report.week.isoformat(),), countdown=settings.DIGEST_RETRY_DELAY_SECONDS
        )
    return report.sent
