"""What queues a recompute: any saved or deleted milestone, commitment, assessment or rate.

Signals fire for the admin, imports and the shell alike. Each change marks the rollups it
affects as behind in its own transaction (the mark commits or rolls back with it). The task
is queued only after the transaction commits, so a worker never reads a row that was rolled
back, and one transaction that touches many rows queues one task; if the broker cannot take
it, the mark stays for the periodic catch-up.
"""

import logging
import threading

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from tracker.commitments.models import Assessment, Commitment, ExchangeRate, Milestone, Source

from . import engine

logger = logging.getLogger(__name__)
_pending = threading.local()


def schedule_recompute(commitment_ids) -> None:
    """Mark these commitments behind, in the change's own transaction, and queue a recompute
    of them (and all groups) once it commits."""
    engine.mark_stale(commitment_ids)
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
        # The save has committed with its rollups marked behind; the periodic catch-up
        # (recompute_stale) recomputes them. Broker timeouts keep this wait short.
        logger.warning(
            "could not queue recompute of %s; left to recompute_stale", commitment_ids,
            exc_info=True,
        )  # fmt: skip


@receiver(pre_save, sender=Milestone, dispatch_uid="milestone_remember_commitment")
@receiver(pre_save, sender=Commitment, dispatch_uid="commitment_remember_parent")
def remember_previous_owner(sender, instance, **kwargs):
    """Note the commitment a milestone leaves, or the parent a commitment leaves, so both
    old and new are recomputed."""
    if kwargs.get("raw") or instance.pk is None:
        return
    field = "commitment_id" if sender is Milestone else "parent_id"
    previous = sender.objects.filter(pk=instance.pk).values_list(field, flat=True).first()
    instance._previous_owner = previous


@receiver([post_save, post_delete], sender=Milestone, dispatch_uid="milestone_recompute")
def milestone_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return  # loaddata: the fixture loader recomputes once at the end
    previous = getattr(instance, "_previous_owner", None)
    schedule_recompute([instance.commitment_id, *([previous] if previous else [])])


@receiver(m2m_changed, sender=Milestone.sources.through, dispatch_uid="milestone_sources")
def milestone_sources_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Citing or dropping a source decides whether a milestone counts: its `sourced` flag
    follows its links in the same transaction, then its commitment is recomputed."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            Milestone.objects.filter(pk=instance.pk).refresh_sourced()
            schedule_recompute([instance.commitment_id])
        return
    # Edited from the Source side: `instance` is the source. Before a clear the milestones
    # are still linked, so remember which they are.
    if action == "pre_clear":
        instance._cleared_milestones = list(instance.milestones.values_list("pk", flat=True))
    elif action in ("post_clear", "post_add", "post_remove"):
        ids = getattr(instance, "_cleared_milestones", []) if action == "post_clear" else pk_set
        milestones = Milestone.objects.filter(pk__in=ids or ())
        milestones.refresh_sourced()
        schedule_recompute(set(milestones.values_list("commitment_id", flat=True)))


@receiver(pre_delete, sender=Source, dispatch_uid="source_deleted_recompute")
def source_deleted(sender, instance, **kwargs):
    """Deleting a source removes its links without an m2m signal; its milestones may no
    longer count. Their flags are set once the links are gone."""
    instance._citing_milestones = list(instance.milestones.values_list("pk", flat=True))
    schedule_recompute(commitments_citing(instance))


@receiver(post_delete, sender=Source, dispatch_uid="source_deleted_flags")
def source_gone(sender, instance, **kwargs):
    Milestone.objects.filter(pk__in=getattr(instance, "_citing_milestones", ())).refresh_sourced()


def commitments_citing(source) -> list[int]:
    return list(
        Milestone.objects.filter(sources=source).values_list("commitment_id", flat=True).distinct()
    )


@receiver(post_save, sender=Commitment, dispatch_uid="commitment_saved_recompute")
def commitment_saved(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    previous = getattr(instance, "_previous_owner", None)
    schedule_recompute([instance.pk, *([previous] if previous else [])])


@receiver([post_save, post_delete], sender=Assessment, dispatch_uid="assessment_recompute")
def assessment_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    origin = kwargs.get("origin")
    if isinstance(origin, Commitment) or getattr(origin, "model", None) is Commitment:
        # Going with its commitment: marking that would outlive it (its mark row may
        # already be deleted); the commitment's own handler recomputes what remains.
        return
    schedule_recompute([instance.commitment_id])


@receiver(post_delete, sender=Commitment, dispatch_uid="commitment_deleted_recompute")
def commitment_deleted(sender, instance, **kwargs):
    # Its rollup went with it; the commitment it was part of and the groups must follow.
    schedule_recompute([instance.parent_id] if instance.parent_id else [])


@receiver([post_save, post_delete], sender=ExchangeRate, dispatch_uid="rate_recompute")
def rate_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    schedule_recompute(engine.commitments_touched_by_currency(instance.currency))
