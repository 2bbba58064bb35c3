"""Public corrections: what a reader saw that changed, and why.

A milestone that was published keeps a public record of every change to a figure it
showed (amount, unit, date, stage) and of its withdrawal. The reason travels on the
instance as `_change_reason`, the attribute django-simple-history also reads, so one
reason lands in both the history and the public log.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from tracker.methodology import vocabulary as v
from tracker.methodology.wording import exact_amount, human_amount, long_date


def shown(field: str, value, unit: str) -> str:
    """A value as the public pages showed it."""
    if value in (None, ""):
        return "—"
    if field == "amount":
        return human_amount(value, unit)
    if field == "occurred_on":
        return long_date(value)
    if field == "stage":
        return v.STAGE_LABELS.get(value, value)
    if field == "kind":
        return v.MILESTONE_KINDS.get(value, value)
    return str(value)


def public_changes(milestone) -> dict:
    """What saving this milestone changes for the public, checked before the save.

    Returns {"kind": "correction" | "withdrawal", "changes": [...], "reason": str}, or {}.
    Raises ValidationError when a published figure changes without a reason.
    """
    from .models import Commitment, Milestone

    if milestone.pk is None:
        return {}
    before = (
        Milestone.objects.filter(pk=milestone.pk)
        .values("status", "unit", "commitment_id", *v.PUBLIC_FIGURE_FIELDS)
        .first()
    )
    if before is None:
        return {}
    if before["status"] == v.WITHDRAWN and milestone.status != v.WITHDRAWN:
        # Its withdrawal note stays public; bringing it back would contradict it silently.
        raise ValidationError(
            {"status": "A withdrawn milestone stays withdrawn; add a new milestone instead."}
        )
    if before["status"] != v.PUBLISHED:
        return {}
    if milestone.status == v.WITHDRAWN:
        return {"kind": "withdrawal", "changes": [], "reason": milestone.withdrawal_reason}
    if milestone.status != v.PUBLISHED:
        raise ValidationError(
            {"status": "A published milestone is withdrawn with a reason, not unpublished."}
        )
    changes = []
    for field, label in v.PUBLIC_FIGURE_FIELDS.items():
        old, new = before[field], getattr(milestone, field)
        if old == new or (old in (None, "") and new in (None, "")):
            continue
        old_text = shown(field, old, before["unit"])
        new_text = shown(field, new, milestone.unit)
        if old_text == new_text and field == "amount":
            # A change the rounded words hide is still a change: show the exact figures.
            old_text = exact_amount(old, before["unit"])
            new_text = exact_amount(new, milestone.unit)
        changes.append({"field": label, "old": old_text, "new": new_text})
    if before["commitment_id"] != milestone.commitment_id:
        titles = dict(
            Commitment.objects.filter(
                pk__in=[before["commitment_id"], milestone.commitment_id]
            ).values_list("pk", "title")
        )
        changes.append(
            {
                "field": "commitment",
                "old": titles.get(before["commitment_id"], "—"),
                "new": titles.get(milestone.commitment_id, "—"),
            }
        )
    if not changes:
        return {}
    reason = (getattr(milestone, "_change_reason", "") or "").strip()
    if not reason:
        raise ValidationError(
            {
                "__all__": "This milestone is published: give the reason for the change; "
                "readers see it as a correction."
            }
        )
    return {"kind": "correction", "changes": changes, "reason": reason}


def record_public_changes(milestone, found: dict) -> None:
    from .models import Correction

    if not found:
        return
    Correction.objects.create(
        commitment_id=milestone.commitment_id,
        milestone=milestone,
        kind=found["kind"],
        changes=found["changes"],
        reason=found["reason"],
        made_by=milestone.updated_by,
    )
