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

from tracker.commitments.models import Commitment, ExchangeRate, Milestone, Pillar

from . import rules
from .models import (
    CommitmentProgress,
    CommitmentProgressHistory,
    OverallProgress,
    PillarProgress,
)

logger = logging.getLogger(__name__)

# Sent after rollups change, so caches of public pages can be dropped.
rollups_changed = Signal()


def today() -> date:
    return timezone.now().date()


def thresholds() -> rules.Thresholds:
    return rules.thresholds_from_settings(
        settings.PROGRESS_ON_TRACK_RATIO, settings.PROGRESS_AT_RISK_RATIO
    )


def load_rates() -> rules.RateTable:
    return rules.RateTable(ExchangeRate.objects.values_list("currency", "date", "units_per_usd"))


def _quantize(value, places):
    if value is None:
        return None
    return round(value, places)


def recompute(
    commitment_ids: Iterable[int] | None = None,
    as_of: date | None = None,
    rebuild_history: bool = True,
) -> int:
    """Recompute the given commitments (all when None), then every pillar and the overall.

    With rebuild_history, each commitment's chart history is rewritten from its milestones
    (a point on every day its progress changed). Without it only the as-of day's point is
    written: the daily run needs no more, because every change to milestones, rates or
    terms triggers a rebuilding recompute of the commitments it touches.
    Returns the number of commitments recomputed.
    """
    as_of = as_of or today()
    commitments = Commitment.objects.all()
    milestones = Milestone.objects.counted(as_of)
    if commitment_ids is not None:
        commitment_ids = sorted(set(commitment_ids))
        commitments = commitments.filter(id__in=commitment_ids)
        milestones = milestones.filter(commitment_id__in=commitment_ids)

    terms = {
        cid: rules.Terms(kind, target_value, target_unit, start_date, deadline)
        for cid, kind, target_value, target_unit, start_date, deadline in commitments.values_list(
            "id", "kind", "target_value", "target_unit", "start_date", "deadline"
        )
    }
    facts = defaultdict(list)
    for row in milestones.values_list(
        "id", "commitment_id", "occurred_on", "status", "amount", "unit", "percent_complete"
    ).iterator(chunk_size=5000):
        mid, cid, occurred_on, status, amount, unit, percent = row
        facts[cid].append(rules.MilestoneFact(mid, occurred_on, status, amount, unit, percent))

    rates = load_rates()
    limits = thresholds()
    now = timezone.now()
    current, history = [], []
    for cid, commitment_terms in terms.items():
        days = (
            rules.progress_dates(commitment_terms, facts[cid], as_of)
            if rebuild_history
            else [as_of]
        )
        series = rules.evaluate_series(commitment_terms, facts[cid], rates, days, limits)
        latest = series[-1]
        current.append(
            CommitmentProgress(
                commitment_id=cid,
                as_of=as_of,
                computed_at=now,
                achieved_value=_quantize(latest.achieved_value, 4),
                progress=_quantize(latest.progress, 6),
                expected_progress=_quantize(latest.expected_progress, 6),
                status=latest.status,
                counted_milestones=latest.counted_milestones,
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
                "expected_progress",
                "status",
                "counted_milestones",
                "problems",
                "stale",
            ],
        )
        if rebuild_history:
            old_history = CommitmentProgressHistory.objects.all()
            if commitment_ids is not None:
                old_history = old_history.filter(commitment_id__in=commitment_ids)
            old_history.delete()
        CommitmentProgressHistory.objects.bulk_create(
            history,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["commitment", "as_of"],
            update_fields=["achieved_value", "progress", "expected_progress", "status"],
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
    for pillar_id, weight, progress, status in CommitmentProgress.objects.values_list(
        "commitment__pillar_id", "commitment__weight", "progress", "status"
    ):
        by_pillar[pillar_id].append((weight, progress, status))
        everything.append((weight, progress, status))

    pillar_rows = []
    for pillar_id in Pillar.objects.values_list("id", flat=True):
        result = rules.rollup(by_pillar[pillar_id])
        pillar_rows.append(
            PillarProgress(
                pillar_id=pillar_id,
                progress=_quantize(result.progress, 6),
                status_counts=result.status_counts,
                commitment_count=result.commitment_count,
                as_of=as_of,
                computed_at=now,
            )
        )
    group_fields = ["progress", "status_counts", "commitment_count", "as_of", "computed_at"]
    PillarProgress.objects.bulk_create(
        pillar_rows, update_conflicts=True, unique_fields=["pillar"], update_fields=group_fields
    )
    overall = rules.rollup(everything)
    OverallProgress.objects.update_or_create(
        key="overall",
        defaults={
            "progress": _quantize(overall.progress, 6),
            "status_counts": overall.status_counts,
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
