"""What queues a recompute: any saved or deleted milestone, commitment or exchange rate.

Signals fire for the admin, imports and the shell alike. The task is queued only after
the transaction commits, so a worker never reads a row that was rolled back, and one
transaction that touches many rows queues one task.
"""

import logging
import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tracker.commitments.models import Commitment, ExchangeRate, Milestone

from . import engine

logger = logging.getLogger(__name__)
_pending = threading.local()


def schedule_recompute(commitment_ids) -> None:
    """Queue a recompute of these commitments (and all groups) once the transaction commits."""
    ids = getattr(_pending, "ids", None)
    if ids is None:
        ids = _pending.ids = set()
    ids.update(commitment_ids)
    transaction.on_commit(_enqueue_pending, robust=True)


def _enqueue_pending() -> None:
    ids = getattr(_pending, "ids", None)
    if ids is None:
        return  # an earlier callback of the same transaction already queued them
    _pending.ids = None
    enqueue(sorted(ids))


def enqueue(commitment_ids: list[int]) -> None:
    from .tasks import recompute_commitments

    try:
        recompute_commitments.apply_async((commitment_ids,), retry=False)
    except Exception:
        # The save has committed; losing the broker must not lose it. Mark the rollups
        # stale so the periodic catch-up (recompute_stale) recomputes them.
        logger.warning(
            "could not queue recompute of %s; marked stale", commitment_ids, exc_info=True
        )
        engine.mark_stale(commitment_ids)


@receiver([post_save, post_delete], sender=Milestone, dispatch_uid="milestone_recompute")
def milestone_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return  # loaddata: the fixture loader recomputes once at the end
    schedule_recompute([instance.commitment_id])


@receiver(post_save, sender=Commitment, dispatch_uid="commitment_saved_recompute")
def commitment_saved(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    schedule_recompute([instance.pk])


@receiver(post_delete, sender=Commitment, dispatch_uid="commitment_deleted_recompute")
def commitment_deleted(sender, instance, **kwargs):
    schedule_recompute([])  # its rollup went with it; the groups must follow


@receiver([post_save, post_delete], sender=ExchangeRate, dispatch_uid="rate_recompute")
def rate_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    schedule_recompute(engine.commitments_touched_by_currency(instance.currency))
