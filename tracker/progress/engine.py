"""Recompute stored rollups from the source rows: load plain values, apply the rules, save.

Always from scratch, never by adding deltas, so a rerun or two concurrent runs agree.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from tracker.commitments.models import Assessment, Commitment, Milestone, Pillar
from tracker.methodology import rules

from .inputs import (
    TERMS_FIELDS,
    CommitmentTree,
    facts_by_commitment,
    load_rates,
    terms_from,
    thresholds,
)
from .models import (
    CommitmentProgress,
    CommitmentProgressHistory,
    OverallProgress,
    PillarProgress,
)

logger = logging.getLogger(__name__)

# Sent after rollups change, so caches of public pages can be dropped.
rollups_changed = Signal()

__all__ = ["load_rates", "recompute", "thresholds", "today"]


def today() -> date:
    """The engine's as-of day: today's date in UTC."""
    return timezone.now().date()


def _quantize(value, places):
    if value is None:
        return None
    return round(value, places)


def latest_assessments(
    commitment_ids: Iterable[int], as_of: date
) -> dict[int, tuple[int, str, date]]:
    """Each commitment's newest assessment made by the as-of day, as (id, status, assessed_on),
    in one query."""
    latest = {}
    rows = (
        Assessment.objects.filter(commitment_id__in=list(commitment_ids), assessed_on__lte=as_of)
        .order_by("commitment_id", "-assessed_on", "-id")
        .values_list("commitment_id", "id", "status", "assessed_on")
    )
    for cid, aid, status, assessed_on in rows:
        latest.setdefault(cid, (aid, status, assessed_on))
    return latest


def recompute(
    commitment_ids: Iterable[int] | None = None,
    as_of: date | None = None,
    rebuild_history: bool = True,
) -> int:
    """Recompute the given commitments (all when None) and the commitments they are part of,
    then every pillar and the overall figure.

    With rebuild_history, each commitment's chart history is rewritten from its milestones
    (a point on every day its progress changed). Without it only the as-of day's point is
    written: the daily run needs no more, because every change to milestones, rates or
    terms triggers a rebuilding recompute of the commitments it touches.
    Returns the number of commitments recomputed.
    """
    as_of = as_of or today()
    tree = CommitmentTree()
    targets = set(tree.parent) if commitment_ids is None else tree.with_ancestors(commitment_ids)
    commitments = Commitment.objects.all()
    if commitment_ids is not None:
        commitments = commitments.filter(id__in=targets)
    milestones = Milestone.objects.counted(as_of)
    if commitment_ids is not None:
        milestones = milestones.filter(commitment_id__in=tree.with_descendants(targets))

    terms = {row["id"]: terms_from(row) for row in commitments.values("id", *TERMS_FIELDS)}
    facts = facts_by_commitment(milestones)
    assessments = latest_assessments(terms, as_of)
    rates = load_rates()
    limits = thresholds()
    quiet_days = settings.EVIDENCE_QUIET_DAYS
    now = timezone.now()
    current, history = [], []
    for cid, commitment_terms in terms.items():
        own_facts = tree.facts_for(cid, facts)
        days = (
            rules.progress_dates(commitment_terms, own_facts, as_of) if rebuild_history else [as_of]
        )
        series = rules.evaluate_series(commitment_terms, own_facts, rates, days, limits)
        latest = series[-1]
        assessment_id, assessed_status, assessed_on = assessments.get(cid, (None, None, None))
        current.append(
            CommitmentProgress(
                commitment_id=cid,
                as_of=as_of,
                computed_at=now,
                achieved_value=_quantize(latest.achieved_value, 4),
                progress=_quantize(latest.progress, 6),
                stage=latest.stage,
                expected_progress=_quantize(latest.expected_progress, 6),
                status=rules.shown_status(latest.status, assessed_status),
                computed_status=latest.status,
                assessment_id=assessment_id,
                newer_evidence=rules.has_newer_evidence(latest.last_evidence_on, assessed_on),
                counted_milestones=latest.evidence_count,
                last_evidence_on=latest.last_evidence_on,
                quiet=rules.is_quiet(
                    latest.last_evidence_on, commitment_terms.start_date, as_of, quiet_days
                ),
                problems=list(latest.problems),
                stale=False,
            )
        )
        history.extend(
            CommitmentProgressHistory(
                commitment_id=cid,
                as_of=point.as_of,
                achieved_value=_quantize(point.achieved_value, 4),
                progress=_quantize(point.progress, 6),
                stage=point.stage,
                expected_progress=_quantize(point.expected_progress, 6),
                status=point.status,
            )
            for point in series
        )

    with transaction.atomic():
        CommitmentProgress.objects.bulk_create(
            current,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["commitment"],
            update_fields=[
                "as_of",
                "computed_at",
                "achieved_value",
                "progress",
                "stage",
                "expected_progress",
                "status",
                "computed_status",
                "assessment",
                "newer_evidence",
                "counted_milestones",
                "last_evidence_on",
                "quiet",
                "problems",
                "stale",
            ],
        )
        if rebuild_history:
            old_history = CommitmentProgressHistory.objects.all()
            if commitment_ids is not None:
                old_history = old_history.filter(commitment_id__in=targets)
            old_history.delete()
        CommitmentProgressHistory.objects.bulk_create(
            history,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["commitment", "as_of"],
            update_fields=["achieved_value", "progress", "stage", "expected_progress", "status"],
        )
        refresh_groups(as_of, now)

    transaction.on_commit(lambda: rollups_changed.send(sender=recompute))
    logger.info("recomputed %d commitments as of %s", len(current), as_of)
    return len(current)


def refresh_groups(as_of: date, now=None) -> None:
    """Roll every pillar and the overall figure up from the stored commitment rows."""
    now = now or timezone.now()
    by_pillar = defaultdict(list)
    everything = []
    for pillar_id, weight, progress, status, kind, stage in CommitmentProgress.objects.values_list(
        "commitment__pillar_id",
        "commitment__weight",
        "progress",
        "status",
        "commitment__kind",
        "stage",
    ):
        item = rules.RollupItem(weight, progress, status, kind, stage)
        by_pillar[pillar_id].append(item)
        everything.append(item)

    pillar_rows = []
    for pillar_id in Pillar.objects.values_list("id", flat=True):
        result = rules.rollup(by_pillar[pillar_id])
        pillar_rows.append(
            PillarProgress(
                pillar_id=pillar_id,
                progress=_quantize(result.progress, 6),
                status_counts=result.status_counts,
                stage_counts=result.stage_counts,
                commitment_count=result.commitment_count,
                as_of=as_of,
                computed_at=now,
            )
        )
    group_fields = [
        "progress",
        "status_counts",
        "stage_counts",
        "commitment_count",
        "as_of",
        "computed_at",
    ]
    PillarProgress.objects.bulk_create(
        pillar_rows, update_conflicts=True, unique_fields=["pillar"], update_fields=group_fields
    )
    overall = rules.rollup(everything)
    OverallProgress.objects.update_or_create(
        key="overall",
        defaults={
            "progress": _quantize(overall.progress, 6),
            "status_counts": overall.status_counts,
            "stage_counts": overall.stage_counts,
            "commitment_count": overall.commitment_count,
            "as_of": as_of,
            "computed_at": now,
        },
    )


def commitments_touched_by_currency(currency: str) -> list[int]:
    """Commitments whose figures depend on a currency's rates."""
    return list(
        Commitment.objects.filter(Q(target_unit=currency) | Q(milestones__unit=currency))
        .values_list("id", flat=True)
        .distinct()
    )


def mark_stale(commitment_ids: Iterable[int]) -> None:
    CommitmentProgress.objects.filter(commitment_id__in=list(commitment_ids)).update(stale=True)


def stale_commitment_ids() -> list[int]:
    """Commitments whose rollup is marked stale or was never computed."""
    return list(
        Commitment.objects.filter(Q(progress__isnull=True) | Q(progress__stale=True)).values_list(
            "id", flat=True
        )
    )
