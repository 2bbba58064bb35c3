"""The one read layer: what the pages, the API, the exports, the feeds and the digest show.

Every public surface reads through these functions, so a milestone that does not count
(a draft, one with no source, one dated in the future) is missing from all of them alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from tracker.commitments import imports
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


# --- Exports ----------------------------------------------------------------------------
# Plain values for the CSV exports to stream: no model instances and nothing prefetched. A
# row's sources are joined in SQL, one row per source in the order the pages list them, so
# the rows of one milestone or commitment come together.

PROGRESS_VALUES = (
    "achieved_value", "progress", "stage", "expected_progress", "status", "computed_status",
    "last_evidence_on", "as_of", "assessment__status", "assessment__reason",
    "assessment__assessed_on",
)  # fmt: skip


def on_record_milestone_values(as_of: date | None = None) -> QuerySet:
    """The milestones on record, oldest first, as imports.milestone_values() reads them."""
    return imports.milestone_values(Milestone.objects.on_record(as_of or today()))


def commitment_values() -> QuerySet:
    """Every commitment in the list's order, as named rows of COMMITMENT_VALUES, its stored
    progress and assessment (progress__…, None when not computed) and SOURCE_VALUES."""
    return Commitment.objects.order_by(
        "pillar__order", "title", "id", "sources__title", "sources__id"
    ).values_list(
        *imports.COMMITMENT_VALUES,
        *(f"progress__{name}" for name in PROGRESS_VALUES),
        *imports.SOURCE_VALUES,
        named=True,
    )


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

# A commitment's page lists its evidence this many entries at a time. Of the other lists
# that grow, it shows the latest or soonest few and says how many there are: the API's
# detail, the sub-targets' pages and the corrections log hold them all.
TIMELINE_PAGE_SIZE = 20
INHERITED_SHOWN = 10
UPCOMING_SHOWN = 10
CORRECTIONS_SHOWN = 10


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
    timeline_page: Page | None = None
    inherited_count: int = 0
    upcoming_count: int = 0
    corrections_count: int = 0

    @property
    def progress(self):
        return getattr(self.commitment, "progress", None)

    @property
    def assessment(self):
        progress = self.progress
        return progress.assessment if progress else None


def count_of(rows: QuerySet) -> Coalesce:
    """How many of `rows` (filtered on the outer commitment) there are, as a subquery."""
    per_commitment = rows.order_by().values("commitment_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_commitment), 0)


def upcoming_milestones(limit: int | None = None) -> Prefetch:
    """The planned events, soonest first, as milestones_upcoming (without their sources)."""
    upcoming = Milestone.objects.upcoming().order_by("occurred_on", "id")
    return Prefetch(
        "milestones",
        queryset=upcoming[:limit] if limit else upcoming,
        to_attr="milestones_upcoming",
    )


def correction_log(limit: int | None = None) -> Prefetch:
    log = Correction.objects.select_related("milestone").order_by("-made_at", "-id")
    return Prefetch("corrections", queryset=log[:limit] if limit else log, to_attr="correction_log")


def commitments_in_detail() -> QuerySet[Commitment]:
    """Commitments with what both their page and the API's detail show in full."""
    latest_evidence_change = (
        Milestone.objects.on_record(today())
        .filter(commitment=OuterRef("pk"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    return (
        commitments()
        .annotate(evidence_updated_at=Subquery(latest_evidence_change))
        .prefetch_related(
            "sources",
            "sectors",
            Prefetch(
                "assessments",
                queryset=Assessment.objects.select_related("assessed_by"),
                to_attr="assessment_history",
            ),
            Prefetch(
                "children", queryset=Commitment.objects.with_progress(), to_attr="sub_targets"
            ),
        )
    )


def commitment_page_queryset() -> QuerySet[Commitment]:
    """Commitments with what their page shows beside the evidence, which it reads a page at
    a time (commitment_detail): the soonest planned events and the latest corrections, with
    how many there are of each, and the chart's history. The planned events' sources are
    read with the evidence's, in one query."""
    chart_history = CommitmentProgressHistory.objects.filter(commitment__kind=v.QUANTITATIVE).only(
        "commitment_id", "as_of", "progress"
    )
    return (
        commitments_in_detail()
        .annotate(
            upcoming_count=count_of(Milestone.objects.upcoming().filter(commitment=OuterRef("pk"))),
            corrections_count=count_of(Correction.objects.filter(commitment=OuterRef("pk"))),
        )
        .prefetch_related(
            upcoming_milestones(UPCOMING_SHOWN),
            correction_log(CORRECTIONS_SHOWN),
            Prefetch(
                "progress_history",
                queryset=chart_history.order_by("as_of"),
                to_attr="chart_history",
            ),
        )
    )


def commitment_queryset() -> QuerySet[Commitment]:
    """Commitments with all their evidence on record, planned events and corrections, for
    the API's detail."""
    return commitments_in_detail().prefetch_related(
        Prefetch(
            "milestones",
            queryset=Milestone.objects.on_record(today())
            .select_related("meeting")
            .prefetch_related("sources"),
            to_attr="milestones_on_record",
        ),
        upcoming_milestones(),
        "milestones_upcoming__sources",
        correction_log(),
    )


def evidence_timeline_milestones(commitment: Commitment, as_of: date) -> QuerySet[Milestone]:
    """A commitment's evidence timeline, newest first: its milestones on record, and the
    withdrawn ones that stand in their old place as the note of their withdrawal."""
    on_record = Milestone.objects.on_record(as_of).filter(commitment=commitment)
    withdrawals = Correction.objects.filter(
        commitment=commitment, kind=Correction.Kind.WITHDRAWAL
    ).values("milestone_id")
    return (
        Milestone.objects.filter(commitment=commitment)
        .filter(Q(pk__in=on_record.values("pk")) | Q(status=v.WITHDRAWN, pk__in=withdrawals))
        .order_by("-occurred_on", "-id")
    )


def timeline_place(pk: int) -> tuple[Milestone, int] | None:
    """A milestone and the page of its commitment's evidence timeline that lists it now, or
    None when no timeline lists it (a draft, a planned or future event, an unknown id)."""
    milestone = Milestone.objects.select_related("commitment").filter(pk=pk).first()
    if milestone is None:
        return None
    timeline = evidence_timeline_milestones(milestone.commitment, today())
    if not timeline.filter(pk=pk).exists():
        return None
    newer = timeline.filter(
        Q(occurred_on__gt=milestone.occurred_on) | Q(occurred_on=milestone.occurred_on, pk__gt=pk)
    ).count()
    return milestone, newer // TIMELINE_PAGE_SIZE + 1


def evidence_timeline(
    milestones: list[Milestone],
    corrections: list[Correction],
    conversions: dict[int, Conversion],
) -> list[MilestoneView]:
    """Timeline entries for milestones from evidence_timeline_milestones(), in their order:
    on-record ones with their conversions and corrections, withdrawn ones as the note of
    their latest withdrawal. `corrections` is newest first."""
    by_milestone: dict[int, list[Correction]] = {}
    withdrawals: dict[int, Correction] = {}
    for correction in corrections:
        if correction.milestone_id is None:
            continue
        if correction.kind == Correction.Kind.CORRECTION:
            by_milestone.setdefault(correction.milestone_id, []).append(correction)
        else:
            withdrawals.setdefault(correction.milestone_id, correction)  # the latest
    return [
        MilestoneView(
            m, figure_corrections=by_milestone.get(m.pk, []), withdrawal=withdrawals[m.pk]
        )
        if m.status == v.WITHDRAWN and m.pk in withdrawals
        else MilestoneView(m, conversions.get(m.pk), by_milestone.get(m.pk, []))
        for m in milestones
    ]


def last_updated(commitment: Commitment) -> datetime:
    """When anything the commitment's page shows last changed: the commitment itself, its
    evidence on record, its corrections or its assessments. Reads what
    commitment_page_queryset() annotates and prefetches."""
    return max(
        [
            commitment.updated_at,
            *([commitment.evidence_updated_at] if commitment.evidence_updated_at else []),
            *(c.made_at for c in commitment.correction_log),
            *(a.created_at for a in commitment.assessment_history),
        ]
    )


def commitment_detail(commitment: Commitment, page: int = 1) -> CommitmentDetail:
    """One commitment with a page of its evidence, conversions, chart history and status
    sentence.

    `commitment` comes from commitment_page_queryset(). The conversions are worked out by
    the same rule the engine applies, so the page shows the rate behind each converted
    figure. A page of the timeline past its end raises Paginator's EmptyPage.

    A page's queries depend on its kind alone, never on the commitment's shape or how much
    evidence it has: a quantitative page reads the tree, the rates, and the newest of what
    its sub-targets add (with their number); a deliverable has none of these. Nor does its
    work grow with the evidence: only the milestones it lists are converted.
    """
    as_of = today()
    timeline = evidence_timeline_milestones(commitment, as_of)
    paginator = Paginator(timeline, TIMELINE_PAGE_SIZE)
    number = paginator.validate_number(page)
    # The page's entries as a subquery, so the entries, the evidence counted from sub-targets
    # and the entries' corrections are each one query, run even when the page is empty.
    start = (number - 1) * TIMELINE_PAGE_SIZE
    on_this_page = timeline.values("pk")[start : start + TIMELINE_PAGE_SIZE]

    family, inherited_shown, inherited_count, terms, rates = [], [], 0, None, None
    if commitment.is_quantitative:
        terms = rules.Terms(**{name: getattr(commitment, name) for name in TERMS_FIELDS})
        family = CommitmentTree().descendants(commitment.pk)
        rates = load_rates()
        # The sub-targets' evidence that counts here, newest first, and how many in all, in
        # one query whatever their number: the rule's test (rules.contribution) as a filter.
        # The commitment's own id keeps the query there to run when it has no sub-targets.
        adds = Q(unit=commitment.target_unit)
        if commitment.target_unit in rates.currencies():
            adds |= Q(unit__in=rates.currencies())
        counted_from_family = list(
            Milestone.objects.counted(as_of)
            .filter(commitment_id__in=[commitment.pk, *family], amount__isnull=False)
            .exclude(commitment_id=commitment.pk)
            .filter(adds)
            .annotate(total=Window(Count("pk")))
            .order_by("-occurred_on", "-id")
            .values_list("pk", "total")[:INHERITED_SHOWN]
        )
        inherited_shown = [pk for pk, _ in counted_from_family]
        inherited_count = counted_from_family[0][1] if counted_from_family else 0
    # The family's rows first: an id list or'ed with a subquery would make PostgreSQL scan
    # every milestone.
    listed = list(
        Milestone.objects.filter(commitment_id__in=[commitment.pk, *family])
        .filter(Q(pk__in=on_this_page) | Q(pk__in=inherited_shown))
        .select_related("commitment", "meeting")
        .order_by("-occurred_on", "-id")
    )
    # Each listed figure as the rule converts it, with the rate behind it.
    conversions = {}
    for m in listed if terms else ():
        fact = rules.MilestoneFact(
            m.pk, m.occurred_on, m.status, m.kind, m.amount, m.unit, m.stage, m.sourced,
            inherited=m.commitment_id != commitment.pk,
        )  # fmt: skip
        if rules.is_counted(fact, as_of):
            converted, _ = rules.contribution(terms, fact, rates)
            if converted is not None:
                conversions[m.pk] = converted
    entries = [m for m in listed if m.commitment_id == commitment.pk]
    inherited = [m for m in listed if m.commitment_id != commitment.pk]
    prefetch_related_objects([*listed, *commitment.milestones_upcoming], "sources")
    notes = Correction.objects.filter(commitment=commitment, milestone__in=on_this_page).order_by(
        "-made_at", "-id"
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
        history = [(point.as_of, point.progress) for point in commitment.chart_history]
    return CommitmentDetail(
        commitment=commitment,
        milestones=evidence_timeline(entries, list(notes), conversions),
        upcoming=commitment.milestones_upcoming,
        assessments=commitment.assessment_history,
        children=commitment.sub_targets,
        history=history,
        sentence=sentence,
        inherited=inherited,
        corrections=commitment.correction_log,
        last_updated=last_updated(commitment),
        timeline_page=Page(entries, number, paginator),
        inherited_count=inherited_count,
        upcoming_count=commitment.upcoming_count,
        corrections_count=commitment.corrections_count,
    )
