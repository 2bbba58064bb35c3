"""The one read layer: what the pages, the API, the exports, the feeds and the digest show.

Every public surface reads through these functions, so a milestone that does not count
(a draft, one with no source, one dated in the future) is missing from all of them alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from tracker.commitments.models import (
    Agreement,
    Assessment,
    Commitment,
    Correction,
    Meeting,
    Milestone,
    Pillar,
    Source,
)
from tracker.methodology import rules
from tracker.methodology import vocabulary as v
from tracker.methodology.units import Conversion
from tracker.methodology.wording import Standing, status_sentence

from .engine import today
from .filters import CommitmentFilter
from .inputs import (
    TERMS_FIELDS,
    CommitmentTree,
    facts_by_commitment,
    load_rates,
    thresholds,
)
from .models import CommitmentProgressHistory, OverallProgress

# --- Groups -----------------------------------------------------------------------------


def overall() -> OverallProgress | None:
    return OverallProgress.objects.filter(key="overall").first()


def pillars() -> QuerySet[Pillar]:
    return Pillar.objects.select_related("progress")


def meetings() -> QuerySet[Meeting]:
    return Meeting.objects.annotate(n_commitments=Count("commitments")).prefetch_related("sources")


def agreements() -> QuerySet[Agreement]:
    return Agreement.objects.annotate(n_commitments=Count("commitments")).prefetch_related(
        "sources"
    )


def sources() -> QuerySet[Source]:
    """Sources behind something public: a commitment, agreement, meeting, or a milestone on
    record. A quote cited only by a draft or a future milestone stays in the editors' desk."""
    cited_by_record = Milestone.objects.on_record(today()).filter(sources=OuterRef("pk"))
    return (
        Source.objects.filter(
            Q(Exists(Commitment.sources.through.objects.filter(source_id=OuterRef("pk"))))
            | Q(Exists(Agreement.sources.through.objects.filter(source_id=OuterRef("pk"))))
            | Q(Exists(Meeting.sources.through.objects.filter(source_id=OuterRef("pk"))))
            | Q(Exists(cited_by_record))
        )
        .order_by("title", "id")
        .prefetch_related("commitments")
    )


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    count: int


def status_segments(counts: dict | None) -> list[Segment]:
    """Counts by status in the vocabulary's order, for the stacked bar and its legend."""
    counts = counts or {}
    return [Segment(s, v.STATUS_LABELS[s], counts.get(s, 0)) for s in v.STATUSES]


def stage_segments(counts: dict | None) -> list[Segment]:
    counts = counts or {}
    return [Segment(s, v.STAGE_LABELS[s], counts.get(s, 0)) for s in v.STAGES]


# --- Commitments ------------------------------------------------------------------------


def commitments() -> QuerySet[Commitment]:
    return Commitment.objects.with_progress()


def filtered_commitments(params) -> tuple[CommitmentFilter, QuerySet[Commitment], bool]:
    """The shared filter over the list: (filterset, results, whether the filters were valid)."""
    filterset = CommitmentFilter(params, queryset=commitments())
    valid = filterset.is_valid()
    return filterset, (filterset.qs if valid else Commitment.objects.none()), valid


# --- Milestones -------------------------------------------------------------------------


def on_record_milestones(as_of: date | None = None) -> QuerySet[Milestone]:
    """Milestones shown publicly as having happened, with what every list shows beside them."""
    return (
        Milestone.objects.on_record(as_of or today())
        .select_related("commitment", "meeting")
        .prefetch_related("sources")
    )


def latest_milestones(limit: int, pillar: Pillar | None = None) -> QuerySet[Milestone]:
    """The latest evidence: reaffirmations are on record but are not evidence of anything."""
    milestones = on_record_milestones().filter(kind=v.EVIDENCE)
    if pillar is not None:
        milestones = milestones.filter(commitment__pillar=pillar)
    return milestones.order_by("-occurred_on", "-id")[:limit]


def recently_published(limit: int, pillar: Pillar | None = None) -> QuerySet[Milestone]:
    """For feeds: newest publications first, with their commitment's standing."""
    milestones = on_record_milestones().select_related(
        "commitment__pillar",
        "commitment__parent",
        "commitment__meeting",
        "commitment__progress__assessment",
    )
    if pillar is not None:
        milestones = milestones.filter(commitment__pillar=pillar)
    return milestones.order_by("-published_at", "-id")[:limit]


# --- Corrections ------------------------------------------------------------------------


def corrections() -> QuerySet[Correction]:
    """Every public correction and withdrawal, newest first, with what its entry names."""
    return Correction.objects.select_related("commitment__pillar", "milestone").order_by(
        "-made_at", "-id"
    )


def corrections_newer_than(correction: Correction) -> int:
    """How many entries come before this one in the corrections log."""
    return (
        Correction.objects.filter(
            Q(made_at__gt=correction.made_at) | Q(made_at=correction.made_at, id__gt=correction.id)
        )
        .order_by()
        .count()
    )


# --- One commitment ---------------------------------------------------------------------


@dataclass
class MilestoneView:
    """One entry of a commitment's evidence timeline.

    An on-record milestone carries its conversion and the corrections of its figures; a
    withdrawn one stands in its old place as the note of its withdrawal, and never counts.
    """

    milestone: Milestone
    conversion: Conversion | None = None
    figure_corrections: list[Correction] = field(default_factory=list)
    withdrawal: Correction | None = None


@dataclass
class CommitmentDetail:
    commitment: Commitment
    milestones: list[MilestoneView]
    upcoming: list[Milestone]
    assessments: list[Assessment]
    children: list[Commitment]
    history: list[tuple[date, object]]
    sentence: str
    inherited: list[Milestone] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    last_updated: datetime | None = None

    @property
    def progress(self):
        return getattr(self.commitment, "progress", None)

    @property
    def assessment(self):
        progress = self.progress
        return progress.assessment if progress else None


def commitment_queryset() -> QuerySet[Commitment]:
    as_of = today()
    return commitments().prefetch_related(
        "sources",
        "sectors",
        Prefetch(
            "milestones",
            queryset=Milestone.objects.on_record(as_of)
            .select_related("meeting")
            .prefetch_related("sources"),
            to_attr="milestones_on_record",
        ),
        Prefetch(
            "milestones",
            queryset=Milestone.objects.upcoming()
            .order_by("occurred_on", "id")
            .prefetch_related("sources"),
            to_attr="milestones_upcoming",
        ),
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("assessed_by"),
            to_attr="assessment_history",
        ),
        Prefetch("children", queryset=Commitment.objects.with_progress(), to_attr="sub_targets"),
        Prefetch(
            "corrections",
            queryset=Correction.objects.select_related("milestone").order_by("-made_at", "-id"),
            to_attr="correction_log",
        ),
    )


def evidence_timeline(
    on_record: list[Milestone],
    corrections: list[Correction],
    conversions: dict[int, Conversion],
) -> list[MilestoneView]:
    """On-record milestones with their corrections, and withdrawn ones as notes in their
    place, newest first. `corrections` is newest first."""
    by_milestone: dict[int, list[Correction]] = {}
    withdrawals: dict[int, Correction] = {}
    for correction in corrections:
        milestone = correction.milestone
        if milestone is None:
            continue
        if correction.kind == Correction.Kind.CORRECTION:
            by_milestone.setdefault(milestone.pk, []).append(correction)
        elif milestone.status == v.WITHDRAWN:
            withdrawals.setdefault(milestone.pk, correction)  # the latest withdrawal
    entries = [
        MilestoneView(m, conversions.get(m.pk), by_milestone.get(m.pk, [])) for m in on_record
    ]
    entries += [
        MilestoneView(c.milestone, figure_corrections=by_milestone.get(pk, []), withdrawal=c)
        for pk, c in withdrawals.items()
    ]
    return sorted(entries, key=lambda e: (e.milestone.occurred_on, e.milestone.pk), reverse=True)


def last_updated(commitment: Commitment) -> datetime:
    """When anything the commitment's page shows last changed: the commitment itself, its
    evidence on record, its corrections or its assessments. Reads the prefetched lists."""
    return max(
        [
            commitment.updated_at,
            *(m.updated_at for m in commitment.milestones_on_record),
            *(c.made_at for c in commitment.correction_log),
            *(a.created_at for a in commitment.assessment_history),
        ]
    )


def commitment_detail(commitment: Commitment) -> CommitmentDetail:
    """One commitment with its evidence, conversions, chart history and status sentence.

    `commitment` comes from commitment_queryset(). The conversions are worked out by the
    same rule the engine applies, so the page shows the rate behind each converted figure.
    """
    as_of = today()
    terms = rules.Terms(**{name: getattr(commitment, name) for name in TERMS_FIELDS})
    conversions: dict[int, Conversion] = {}
    inherited: list[Milestone] = []
    if commitment.is_quantitative:
        tree = CommitmentTree()
        family = tree.descendants(commitment.pk)
        facts = facts_by_commitment(
            Milestone.objects.counted(as_of).filter(commitment_id__in=[commitment.pk, *family])
        )
        evaluation = rules.evaluate(
            terms, tree.facts_for(commitment.pk, facts), load_rates(), as_of, thresholds()
        )
        conversions = evaluation.conversions
        if family:
            inherited = list(
                on_record_milestones(as_of)
                .filter(commitment_id__in=family, id__in=list(conversions))
                .order_by("-occurred_on", "-id")
            )
    progress = getattr(commitment, "progress", None)
    sentence = "Progress has not been computed yet."
    history = []
    if progress is not None:
        sentence = status_sentence(
            Standing(
                status=progress.computed_status,
                kind=commitment.kind,
                as_of=progress.as_of,
                deadline=commitment.deadline,
                deadline_basis=commitment.deadline_basis,
                progress=progress.progress,
                expected=progress.expected_progress,
                stage=progress.stage,
                start_date=commitment.start_date,
                target_value=commitment.target_value,
                target_unit=commitment.target_unit,
                achieved_value=progress.achieved_value,
            ),
            thresholds(),
        )
        if commitment.is_quantitative:
            history = list(
                CommitmentProgressHistory.objects.filter(commitment=commitment)
                .order_by("as_of")
                .values_list("as_of", "progress")
            )
    return CommitmentDetail(
        commitment=commitment,
        milestones=evidence_timeline(
            commitment.milestones_on_record, commitment.correction_log, conversions
        ),
        upcoming=commitment.milestones_upcoming,
        assessments=commitment.assessment_history,
        children=commitment.sub_targets,
        history=history,
        sentence=sentence,
        inherited=inherited,
        corrections=commitment.correction_log,
        last_updated=last_updated(commitment),
    )
