"""Celery tasks: thin wrappers that take ids and recompute from the source rows."""

from datetime import date

from celery import shared_task
from django.db import DatabaseError

from . import engine

RETRY = {
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 6,
}


@shared_task(**RETRY)
def recompute_commitments(commitment_ids: list[int], as_of: str | None = None) -> int:
    """Recompute some commitments, then every pillar and the overall figure."""
    return engine.recompute(commitment_ids, date.fromisoformat(as_of) if as_of else None)


@shared_task(**RETRY)
def recompute_all(as_of: str | None = None) -> int:
    """The daily run: every commitment's current figures and today's point on its chart."""
    as_of_date = date.fromisoformat(as_of) if as_of else None
    return engine.recompute(None, as_of_date, rebuild_history=False)


@shared_task(**RETRY)
def recompute_stale() -> int:
    """Catch up on every commitment whose figures are behind its source rows: a recompute
    that could not be queued (broker down or hung) or was lost with its worker. The beat
    runs this every few minutes, and each worker once when it starts."""
    ids = engine.stale_commitment_ids()
    return engine.recompute(ids) if ids else 0
