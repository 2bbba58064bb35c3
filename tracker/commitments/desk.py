"""The editors' desk: what needs an editor's attention today, read in a fixed number of
queries however many drafts, commitments and changes there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from heapq import merge

from django.db.models import Q
from django.urls import reverse

from tracker.methodology import vocabulary as v

from .models import Commitment, Milestone

BEHIND = (v.OVERDUE, v.OFF_TRACK)
LATEST_CHANGES = 20


@dataclass
class Desk:
    drafts: list[Milestone]  # waiting for review, longest-waiting first
    quiet: list[Commitment] = field(default_factory=list)  # no evidence for too long
    behind: list[Commitment] = field(default_factory=list)  # overdue or off track
    uncounted: list[Commitment] = field(default_factory=list)  # the engine flagged problems
    unsourced: list[Milestone] = field(default_factory=list)  # published, citing nothing
    changes: list = field(default_factory=list)  # history records by others, newest first


def desk_for(user) -> Desk:
    """What waits for this user: other people's drafts and changes, and the commitments
    the engine flags (quiet, behind, or with milestones it could not count)."""
    drafts = list(
        Milestone.objects.filter(status=v.DRAFT)
        .select_related("commitment", "created_by", "updated_by")
        .order_by("created_at", "id")
    )
    found = Desk(drafts=drafts)
    flagged = (
        Commitment.objects.filter(progress__isnull=False)
        .filter(
            Q(progress__quiet=True) | Q(progress__status__in=BEHIND) | ~Q(progress__problems=[])
        )
        .select_related("progress")
        .order_by("title")
    )
    for commitment in flagged:
        progress = commitment.progress
        if progress.quiet:
            found.quiet.append(commitment)
        if progress.status in BEHIND:
            found.behind.append(commitment)
        if progress.problems:
            found.uncounted.append(commitment)
    found.unsourced = list(
        Milestone.objects.published()
        .exclude(pk__in=Milestone.objects.sourced().values("pk"))
        .select_related("commitment")
    )
    found.changes = latest_changes_by_others(user)
    return found


def latest_changes_by_others(user, limit: int = LATEST_CHANGES) -> list:
    """The newest history records of milestones and commitments not made by this user
    (imports and the shell, which have no user, included), newest first."""
    newest = []
    for model in (Milestone, Commitment):
        records = list(
            model.history.exclude(history_user=user)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:limit]
        )
        for record in records:
            record.history_url = reverse(
                f"admin:commitments_{model._meta.model_name}_history", args=[record.id]
            )
        newest.append(records)
    records = merge(*newest, key=lambda record: record.history_date, reverse=True)
    return list(records)[:limit]
