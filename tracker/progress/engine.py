"""Recompute stored rollups from the source rows: load plain values, apply the rules, save.

Always from scratch, never by adding deltas, so a rerun or two concurrent runs agree.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DecimalField, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, Least, Now
from django.dispatch import Signal
from django.utils import timezone

from tracker.commitments.models import Assessment, Commitment, Milestone, Pillar
from tracker.methodology import rules
from tracker.methodology.units import RateTable
from tracker.methodology.vocabulary import ANNOUNCED, DELIVERABLE

from . import totals
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
    RollupMark,
)
from .writes import upsert

logger = logging.getLogger(__name__)
# From how many commitments a recompute is done by the database (totals.py). One commitment
# with a hundred milestones took 31 ms by the rules and 48 ms by SQL at 100,000 milestones.
SQL_FROM_COMMITMENTS = 20
NO_TOTALS = totals.Totals(rules.ZERO, ANNOUNCED, 0, None, irregular=False)

# Sent after rollups change, so caches of public pages can be dropped.
rollups_changed = Signal()

__all__ = ["compute", "load_rates", "recompute", "store", "thresholds", "today"]


def today() -> date:
    """The engine's as-of day: today's date in UTC."""
    return timezone.now().date()


def _quantize(value, places):
    if value is None:
        return None
    return round(value, places)


def latest_assessments(
    commitment_ids: Iterable[int] | None, as_of: date
) -> dict[int, tuple[int, str, date]]:
    """Each commitment's newest assessment made by the as-of day, as (id, status, assessed_on),
    in one query; of every commitment when the ids are None."""
    latest = {}
    rows = Assessment.objects.filter(assessed_on__lte=as_of)
    if commitment_ids is not None:
        rows = rows.filter(commitment_id__in=list(commitment_ids))
    rows = rows.order_by("commitment_id", "-assessed_on", "-id").values_list(
        "commitment_id", "id", "status", "assessed_on"
    )
    for cid, aid, status, assessed_on in rows:
        latest.setdefault(cid, (aid, status, assessed_on))
    return latest


@dataclass
class Computation:
    """A recompute's result before it is stored, with the change versions it was read at."""

    as_of: date
    targets: set[int] | None  # None: every commitment
    read_versions: dict[int, int]
    current: list[Figures]
    history: list[tuple]  # HISTORY_COLUMNS
    rebuild_history: bool
    computed_at: datetime
    # What evaluating needs. A deferred computation (a history rebuild on PostgreSQL) has
    # no figures yet: the database computes and writes the chart history as the figures are
    # stored, and gives the day's totals with it (totals.rebuild_history).
    terms: dict[int, rules.Terms] = field(default_factory=dict)
    assessments: dict[int, tuple] = field(default_factory=dict)
    tree: CommitmentTree | None = None
    rates: RateTable | None = None
    thresholds: rules.Thresholds | None = None
    deferred: bool = False


def recompute(
    commitment_ids: Iterable[int] | None = None,
    as_of: date | None = None,
    rebuild_history: bool = True,
    by_rules: bool = False,
) -> int:
    """Recompute the given commitments (all when None) and the commitments they are part of,
    then every pillar and the overall figure.

    With rebuild_history, each commitment's chart history is rewritten from its milestones
    (a point on every day its progress changed). Without it only the as-of day's point is
    written: the daily run needs no more, because every change to milestones, rates or
    terms triggers a rebuilding recompute of the commitments it touches.
    Returns the number of commitments whose figures were stored; a commitment changed while
    this ran is left to the recompute that change queued. `by_rules` evaluates every
    commitment with the rules in Python, as on SQLite: the reference the SQL is tested on.
    """
    return store(compute(commitment_ids, as_of, rebuild_history, by_rules))


def compute(
    commitment_ids: Iterable[int] | None = None,
    as_of: date | None = None,
    rebuild_history: bool = True,
    by_rules: bool = False,
) -> Computation:
    """Read the source rows and apply the rules; nothing is written. A rebuild of the chart
    history on PostgreSQL is deferred: store() has the database compute and write it."""
    as_of = as_of or today()
    tree = CommitmentTree()
    targets = set(tree.parent) if commitment_ids is None else tree.with_ancestors(commitment_ids)
    # Read before the source rows: a change committed after this point has a higher version.
    versions = RollupMark.objects.all()
    if commitment_ids is not None:
        versions = versions.filter(commitment_id__in=targets)
    read_versions = dict(versions.values_list("commitment_id", "version"))
    commitments = Commitment.objects.all()
    if commitment_ids is not None:
        commitments = commitments.filter(id__in=targets)
    milestones = Milestone.objects.counted(as_of)
    if commitment_ids is not None:
        milestones = milestones.filter(commitment_id__in=tree.with_descendants(targets))

    terms = {row["id"]: terms_from(row) for row in commitments.values("id", *TERMS_FIELDS)}
    # The database pays off over many commitments; a save's few are quicker by the rules.
    in_sql = (
        totals.supported()
        and not by_rules
        and (commitment_ids is None or len(terms) >= SQL_FROM_COMMITMENTS)
    )
    result = Computation(
        as_of=as_of,
        targets=None if commitment_ids is None else set(terms),
        read_versions=read_versions,
        current=[],
        history=[],
        rebuild_history=rebuild_history,
        computed_at=timezone.now(),
        terms=terms,
        assessments=latest_assessments(None if commitment_ids is None else terms, as_of),
        tree=tree,
        rates=load_rates(),
        thresholds=thresholds(),
        deferred=rebuild_history and in_sql,
    )
    if result.deferred:
        return result
    # The day's figures summed in SQL where the database can (totals.py), and by the rules
    # for the commitments with anything the rules would report.
    summed = None  # not summed: the rules evaluate every commitment
    if in_sql:
        target_units = {cid: commitment.target_unit for cid, commitment in terms.items()}
        summed = totals.totals_by_commitment(
            as_of, tree, target_units, result.rates, everything=commitment_ids is None
        )
        irregular = {cid for cid, found in summed.items() if found.irregular}
        milestones = milestones.filter(commitment_id__in=tree.with_descendants(irregular))
    result.current, result.history = evaluate(result, summed, facts_by_commitment(milestones))
    return result


def evaluate(
    result: Computation, summed: dict[int, totals.Totals] | None, facts: dict, only=None
) -> tuple[list[Figures], list[tuple]]:
    """Each commitment's figures (of `only`, if given), from its totals where the database
    summed them (a commitment absent from `summed` has no counted evidence) without a
    problem, else by the rules from its facts; and the chart points
    the rules computed (HISTORY_COLUMNS), of every commitment unless deferred, when the
    database writes those of the summed ones."""
    as_of, tree, limits = result.as_of, result.tree, result.thresholds
    quiet_days = settings.EVIDENCE_QUIET_DAYS
    current, history = [], []
    for cid, commitment_terms in result.terms.items():
        if only is not None and cid not in only:
            continue
        found = None if summed is None else summed.get(cid, NO_TOTALS)
        if found is not None and found.irregular:
            found = None
        if found is not None:
            stage = found.stage if commitment_terms.kind == DELIVERABLE else ANNOUNCED
            series = [
                rules.standing(
                    commitment_terms,
                    as_of,
                    found.achieved,
                    stage,
                    found.evidence,
                    found.last_on,
                    thresholds=limits,
                )  # fmt: skip
            ]
        else:
            own_facts = tree.facts_for(cid, facts)
            days = (
                rules.progress_dates(commitment_terms, own_facts, as_of)
                if result.rebuild_history
                else [as_of]
            )
            series = rules.evaluate_series(commitment_terms, own_facts, result.rates, days, limits)
        latest = series[-1]
        assessment_id, assessed_status, assessed_on = result.assessments.get(
            cid, (None, None, None)
        )
        current.append(
            Figures(
                commitment_id=cid,
                as_of=as_of,
                computed_at=result.computed_at,
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
            )
        )
        if result.deferred and found is not None:
            continue
        # Plain tuples (HISTORY_COLUMNS): at 70,000 points, model instances cost more than
        # the rules that computed them.
        history.extend(
            (
                cid,
                point.as_of,
                _quantize(point.achieved_value, 4),
                _quantize(point.progress, 6),
                point.stage,
                _quantize(point.expected_progress, 6),
                point.status,
            )
            for point in series
        )
    return current, history


def store(result: Computation) -> int:
    """Write a computation's figures for the commitments unchanged since it read them, and
    mark those up to date; then roll the groups up from what is stored."""
    with transaction.atomic():
        if totals.supported():
            # Figures are derived, and their marks commit with them: a crash that loses this
            # commit leaves the marks behind, so the next run recomputes the same figures.
            # No need to wait for the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        # Lock the marks, in one order, so a change cannot commit between the check and the
        # write, and two recomputes cannot deadlock each other.
        locked = RollupMark.objects.select_for_update().order_by("commitment_id")
        if result.targets is not None:
            locked = locked.filter(commitment_id__in=result.targets)
        now_versions = dict(locked.values_list("commitment_id", "version"))
        fresh = {
            cid for cid in result.terms if now_versions.get(cid) == result.read_versions.get(cid)
        }
        if result.deferred:
            current, history = evaluate_deferred(result, fresh)
        else:
            current = [row for row in result.current if row.commitment_id in fresh]
            history = [p for p in result.history if p[0] in fresh]
        changed = changed_rows(current, everything=result.targets is None)
        upsert(CommitmentProgress, ["commitment", *PROGRESS_FIELDS], changed, 1)
        if result.rebuild_history:
            write_history(history, result)
        else:
            # The day's point of each commitment whose figures changed; the others' is
            # already stored with the figures it would repeat.
            moved = {row.commitment_id for row in changed}
            points = [p for p in history if p[0] in moved]
            upsert(CommitmentProgressHistory, HISTORY_COLUMNS, points, 2)
        marks = RollupMark.objects.all()
        if result.targets is None:  # every mark was read: name the few that moved, if any
            marks = marks.exclude(commitment_id__in=now_versions.keys() - fresh)
        else:
            marks = marks.filter(commitment_id__in=fresh)
        marks.update(done_version=F("version"), marked_at=None)
        refresh_groups(result.as_of, result.computed_at)

    skipped = len(result.terms) - len(current)
    # Which commitments' pages may have changed (None: any of them).
    touched = None if result.targets is None else fresh
    transaction.on_commit(lambda: rollups_changed.send(sender=recompute, commitment_ids=touched))
    logger.info(
        "recomputed %d commitments as of %s (%d changed meanwhile, left for their own recompute)",
        len(current), result.as_of, skipped,
    )  # fmt: skip
    return len(current)


def evaluate_deferred(result: Computation, fresh: set[int]) -> tuple[list[Figures], list]:
    """A deferred computation's figures: the database writes the chart points of the fresh
    commitments without a problem and gives their day's totals; the rules evaluate the
    rest, whose points are returned to be written."""
    found = totals.rebuild_history(
        result.as_of,
        result.tree,
        {cid: result.terms[cid].target_unit for cid in fresh},
        result.rates,
        result.thresholds,
        everything=result.targets is None,
    )
    irregular = {cid for cid, totals_found in found.items() if totals_found.irregular}
    facts = {}
    if irregular:
        facts = facts_by_commitment(
            Milestone.objects.counted(result.as_of).filter(
                commitment_id__in=result.tree.with_descendants(irregular)
            )
        )
    return evaluate(result, found, facts, only=fresh)


HISTORY_FIELDS = ["achieved_value", "progress", "stage", "expected_progress", "status"]
HISTORY_COLUMNS = ["commitment", "as_of", *HISTORY_FIELDS]


def changed_rows(rows: list[Figures], everything: bool) -> list[Figures]:
    """The rows whose figures differ from those stored: a rerun on the same day writes
    nothing, and computed_at stays the time these figures were first computed. With
    `everything`, the rows are every commitment's, so every stored row is read."""
    compared = [name for name in Figures._fields[1:] if name != "computed_at"]
    stored = CommitmentProgress.objects.all()
    if not everything:
        stored = stored.filter(commitment_id__in=[row.commitment_id for row in rows])
    stored = {cid: tuple(values) for cid, *values in stored.values_list("commitment_id", *compared)}
    return [
        row
        for row in rows
        if stored.get(row.commitment_id) != tuple(getattr(row, name) for name in compared)
    ]


def write_history(points: list[tuple], result: Computation) -> None:
    """Write only the chart points that changed: a rebuild also deletes the days that are
    no longer points. Most recomputes change a few points of a few commitments, so writing
    (and deleting) everything again cost far more than reading what is there."""
    owners = {p[0] for p in points}
    if not owners:
        return
    stored = CommitmentProgressHistory.objects.filter(commitment_id__in=owners)
    existing = {
        (cid, day): (pk, tuple(values))
        for pk, cid, day, *values in stored.values_list(
            "id", "commitment_id", "as_of", *HISTORY_FIELDS
        )
        if cid in owners  # a commitment changed meanwhile keeps its points
    }
    changed = []
    for point in points:
        old = existing.pop(point[:2], None)
        if old is None or old[1] != point[2:]:
            changed.append(point)
    if existing:
        gone = [pk for pk, _ in existing.values()]
        for start in range(0, len(gone), 1000):
            CommitmentProgressHistory.objects.filter(id__in=gone[start : start + 1000]).delete()
    upsert(CommitmentProgressHistory, HISTORY_COLUMNS, changed, 2)


class Figures(NamedTuple):
    """A commitment's current figures, in the order of CommitmentProgress's columns
    (PROGRESS_FIELDS): a thousand model instances cost more than the rules that fill them."""

    commitment_id: int
    as_of: date
    computed_at: datetime
    achieved_value: Decimal | None
    progress: Decimal | None
    stage: str
    expected_progress: Decimal | None
    status: str
    computed_status: str
    assessment_id: int | None
    newer_evidence: bool
    counted_milestones: int
    last_evidence_on: date | None
    quiet: bool
    problems: list[str]


PROGRESS_FIELDS = [name.removesuffix("_id") for name in Figures._fields[1:]]


def rollup_parts() -> list[tuple[int, rules.RollupPart]]:
    """The stored commitment rows as the rules' rollup parts, by pillar. On PostgreSQL they
    are added up by status, kind and stage in the query (exact decimals), so a save's
    recompute does not read every commitment's row; elsewhere one part per commitment."""
    rows = CommitmentProgress.objects.values_list(
        "commitment__pillar_id", "status", "commitment__kind", "stage"
    )
    if not totals.supported():
        return [
            (pillar, rules.RollupPart(1, Decimal(w), Decimal(w) * min(p, rules.ONE), *alike))
            for pillar, *alike, w, p in rows.values_list(
                "commitment__pillar_id",
                "status",
                "commitment__kind",
                "stage",
                "commitment__weight",
                "progress",
            )  # fmt: skip
        ]
    capped = Least("progress", Value(rules.ONE))
    added = rows.order_by().annotate(
        n=Count("commitment_id"),
        weight=Sum("commitment__weight"),
        weighted=Sum(F("commitment__weight") * capped, output_field=DecimalField()),
    )
    return [
        (pillar, rules.RollupPart(n, Decimal(weight), weighted, status, kind, stage))
        for pillar, status, kind, stage, n, weight, weighted in added.values_list(
            "commitment__pillar_id",
            "status",
            "commitment__kind",
            "stage",
            "n",
            "weight",
            "weighted",
        )  # fmt: skip
    ]


def refresh_groups(as_of: date, now=None) -> None:
    """Roll every pillar and the overall figure up from the stored commitment rows."""
    now = now or timezone.now()
    by_pillar = defaultdict(list)
    everything = []
    for pillar_id, part in rollup_parts():
        by_pillar[pillar_id].append(part)
        everything.append(part)

    pillar_rows = []
    for pillar_id in Pillar.objects.values_list("id", flat=True):
        result = rules.rollup_parts(by_pillar[pillar_id])
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
    overall = rules.rollup_parts(everything)
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
    """Record that these commitments' figures are behind their source rows.

    Called inside the transaction of the change, so the mark commits or rolls back with it.
    """
    ids = with_ancestors(set(commitment_ids) - {None})
    if not ids:
        return
    RollupMark.objects.bulk_create(
        [RollupMark(commitment_id=cid) for cid in ids], ignore_conflicts=True
    )
    RollupMark.objects.filter(commitment_id__in=ids).update(
        version=F("version") + 1, marked_at=Coalesce("marked_at", Now())
    )


def with_ancestors(ids: set[int]) -> list[int]:
    """These commitments and those they are part of: their figures include these."""
    found, level = set(ids), set(ids)
    while level:
        level = (
            set(
                Commitment.objects.filter(id__in=level, parent__isnull=False).values_list(
                    "parent_id", flat=True
                )
            )
            - found
        )
        found |= level
    return sorted(found)


def stale_commitment_ids() -> list[int]:
    """Commitments whose figures are behind their source rows or were never computed."""
    return list(
        Commitment.objects.filter(
            Q(progress__isnull=True) | Q(rollup_mark__version__gt=F("rollup_mark__done_version"))
        ).values_list("id", flat=True)
    )


def oldest_stale_mark() -> datetime | None:
    """When the commitment longest behind fell behind (None when all are up to date)."""
    return RollupMark.objects.behind().aggregate(oldest=Min("marked_at"))["oldest"]
