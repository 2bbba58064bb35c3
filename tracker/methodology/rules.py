"""The rules: which evidence counts, stages, paths, status and rollups.

Every status, stage and figure the tracker publishes comes from these functions, and the
methodology page states them in words. One evaluator serves the current figure, every
chart point and the digest's "then" and "now".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from .units import Conversion, RateTable, Unconvertible, conversion, units_add_up
from .vocabulary import (
    ACHIEVED,
    ANNOUNCED,
    AT_RISK,
    COMPLETE,
    DELIVERABLE,
    EVIDENCE,
    IN_PROGRESS,
    NO_EVIDENCE,
    OFF_TRACK,
    ON_TRACK,
    OVERDUE,
    PLANNED,
    PUBLISHED,
    QUANTITATIVE,
    STAGE_FRACTIONS,
    STAGES,
    STATED,
    STATUSES,
)

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class Thresholds:
    """Fractions of expected progress at which a commitment is on track or at risk."""

    on_track: Decimal = Decimal("0.9")
    at_risk: Decimal = Decimal("0.5")


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Terms:
    """What a commitment promises, and by when."""

    kind: str
    target_value: Decimal | None = None
    target_unit: str = ""
    start_date: date | None = None
    deadline: date | None = None
    deadline_basis: str = STATED


@dataclass(frozen=True)
class MilestoneFact:
    id: int
    occurred_on: date
    status: str = PUBLISHED
    kind: str = EVIDENCE
    amount: Decimal | None = None
    unit: str = ""
    stage: str = ""
    sourced: bool = True
    # Logged against a sub-target: it adds to this commitment only when its unit adds up.
    inherited: bool = False


# --- Evidence ---------------------------------------------------------------------------


def is_on_record(milestone: MilestoneFact, as_of: date) -> bool:
    """Shown publicly as something that happened: published, sourced, not in the future."""
    return (
        milestone.status == PUBLISHED
        and milestone.sourced
        and milestone.kind != PLANNED
        and milestone.occurred_on <= as_of
    )


def is_counted(milestone: MilestoneFact, as_of: date) -> bool:
    """Counts towards progress and status: on record, and evidence (not a reaffirmation)."""
    return is_on_record(milestone, as_of) and milestone.kind == EVIDENCE


def is_upcoming(milestone: MilestoneFact) -> bool:
    """A planned event shown on its commitment: published and sourced, never counted."""
    return milestone.status == PUBLISHED and milestone.sourced and milestone.kind == PLANNED


def highest_stage(stages: Iterable[str]) -> str:
    """The furthest stage evidenced; a deliverable with no evidence stays announced."""
    return max(stages, key=STAGES.index, default=ANNOUNCED)


def stage_fraction(stage: str) -> Decimal:
    return STAGE_FRACTIONS[stage]


# --- Paths and status -------------------------------------------------------------------


def expected_progress(start_date: date, deadline: date, as_of: date) -> Decimal:
    """Straight-line share of the time from start to deadline that has passed, 0 to 1."""
    return as_decimal(expected_share(start_date, deadline, as_of))


def as_decimal(share: Fraction) -> Decimal:
    """A fraction as the Decimal quotient the rules store."""
    return Decimal(share.numerator) / Decimal(share.denominator)


def expected_share(start_date: date, deadline: date, as_of: date) -> Fraction:
    """expected_progress() as the exact fraction of days elapsed."""
    span = (deadline - start_date).days
    if span <= 0:
        return Fraction(1 if as_of >= deadline else 0)
    return Fraction(min(max((as_of - start_date).days, 0), span), span)


def path_applies(terms: Terms) -> bool:
    """A straight path is a verdict only for a target value with a deadline a source states."""
    return (
        terms.kind == QUANTITATIVE
        and terms.deadline_basis == STATED
        and terms.start_date is not None
        and terms.deadline is not None
    )


def status_for(
    terms: Terms,
    progress: Decimal | Fraction,
    stage: str,
    evidence: int,
    expected: Decimal | Fraction | None,
    as_of: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> str:
    """The first status rule that matches (the methodology page lists them in this order).

    The thresholds are compared exactly: given as fractions (standing() does), progress of
    1/3 is at risk against 50% of an expected 2/3, where 28-digit decimals would round the
    two sides apart."""
    if evidence == 0:
        return NO_EVIDENCE
    if (terms.kind == DELIVERABLE and stage == COMPLETE) or (
        terms.kind == QUANTITATIVE and progress >= ONE
    ):
        return ACHIEVED
    if terms.deadline_basis == STATED and terms.deadline is not None and as_of > terms.deadline:
        return OVERDUE
    if path_applies(terms) and expected is not None:
        progress, expected = Fraction(progress), Fraction(expected)
        if progress >= Fraction(thresholds.on_track) * expected:
            return ON_TRACK
        if progress >= Fraction(thresholds.at_risk) * expected:
            return AT_RISK
        return OFF_TRACK
    return IN_PROGRESS


def shown_status(computed: str, assessed: str | None) -> str:
    """What the public sees: the editors' latest assessment if there is one, else the rule's."""
    return assessed or computed


def has_newer_evidence(last_evidence_on: date | None, assessed_on: date | None) -> bool:
    return bool(last_evidence_on and assessed_on and last_evidence_on > assessed_on)


def is_quiet(
    last_evidence_on: date | None, start_date: date | None, as_of: date, max_days: int
) -> bool:
    """No evidence for longer than max_days: since the last evidence, or since it was made."""
    since = last_evidence_on or start_date
    return since is not None and (as_of - since).days > max_days


# --- Evaluation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """A commitment's standing on one as-of date."""

    as_of: date
    achieved_value: Decimal | None
    progress: Decimal
    stage: str
    expected_progress: Decimal | None
    status: str
    evidence_count: int
    last_evidence_on: date | None
    problems: tuple[str, ...] = field(default=())
    conversions: dict[int, Conversion] = field(default_factory=dict)


def evaluate_series(
    terms: Terms,
    milestones: Sequence[MilestoneFact],
    rates: RateTable,
    days: Sequence[date],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[Evaluation]:
    """Apply every rule to one commitment on each of the given days (ascending).

    One pass over the milestones in date order, so a chart's history costs no more than
    the current figure. Milestones of sub-targets arrive marked `inherited`.
    """
    quantitative = terms.kind == QUANTITATIVE
    ordered = sorted(
        (m for m in milestones if m.status == PUBLISHED and m.sourced and m.kind == EVIDENCE),
        key=lambda m: (m.occurred_on, m.id),
    )
    seen: set[int] = set()
    achieved = ZERO
    stage = ANNOUNCED
    evidence = 0
    last_on: date | None = None
    problems: list[str] = []
    conversions: dict[int, Conversion] = {}
    position = 0
    results = []
    for as_of in days:
        while position < len(ordered) and ordered[position].occurred_on <= as_of:
            m = ordered[position]
            position += 1
            if m.id in seen:
                continue  # a sub-target's milestone counts towards its parent once
            seen.add(m.id)
            if quantitative:
                converted, problem = contribution(terms, m, rates)
                if problem:
                    problems.append(problem)
                if converted is None:
                    continue
                achieved += converted.value
                conversions[m.id] = converted
            else:
                if m.inherited:
                    continue  # stages belong to their own commitment
                if m.stage not in STAGES:
                    problems.append(f"Milestone {m.id} names no stage, so it does not count.")
                    continue
                stage = highest_stage((stage, m.stage))
            evidence += 1
            last_on = m.occurred_on

        results.append(
            standing(
                terms,
                as_of,
                achieved,
                stage,
                evidence,
                last_on,
                problems,
                thresholds,
                conversions=dict(conversions),
            )  # fmt: skip
        )
    return results


def contribution(
    terms: Terms, milestone: MilestoneFact, rates: RateTable
) -> tuple[Conversion | None, str | None]:
    """What a counted milestone adds to a quantitative commitment: its amount converted into
    the target unit, or the problem that stops it counting. (None, None) for a sub-target's
    milestone in a unit that does not add up: it belongs to the sub-target alone."""
    m = milestone
    if m.inherited and not units_add_up(m.unit, terms.target_unit):
        return None, None
    if m.amount is None:
        return None, f"Milestone {m.id} has no amount, so it does not count."
    try:
        return conversion(m.amount, m.unit, terms.target_unit, m.occurred_on, rates), None
    except Unconvertible as reason:
        return None, f"Milestone {m.id} is not counted: {reason}."


def standing(
    terms: Terms,
    as_of: date,
    achieved: Decimal,
    stage: str,
    evidence: int,
    last_on: date | None,
    problems: Sequence[str] = (),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    conversions: dict[int, Conversion] | None = None,
) -> Evaluation:
    """A commitment's standing on a day, from the counted evidence up to it: the amount
    achieved in the target unit (quantitative) or the furthest stage (deliverable), how
    many milestones counted and the date of the last."""
    quantitative = terms.kind == QUANTITATIVE
    if quantitative:
        progress = achieved / terms.target_value if terms.target_value else ZERO
        exact = Fraction(achieved) / Fraction(terms.target_value) if terms.target_value else 0
    else:
        progress = exact = stage_fraction(stage)
    expected = share = None
    if quantitative and terms.start_date and terms.deadline:
        share = expected_share(terms.start_date, terms.deadline, as_of)
        expected = as_decimal(share)
    return Evaluation(
        as_of=as_of,
        achieved_value=achieved if quantitative else None,
        progress=progress,
        stage="" if quantitative else stage,
        expected_progress=expected,
        status=status_for(terms, exact, stage, evidence, share, as_of, thresholds),
        evidence_count=evidence,
        last_evidence_on=last_on,
        problems=tuple(problems),
        conversions=conversions or {},
    )


def evaluate(
    terms: Terms,
    milestones: Sequence[MilestoneFact],
    rates: RateTable,
    as_of: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Evaluation:
    """A commitment's achieved value, progress, stage, expected progress and status."""
    return evaluate_series(terms, milestones, rates, [as_of], thresholds)[0]


def progress_dates(terms: Terms, milestones: Sequence[MilestoneFact], as_of: date) -> list[date]:
    """The days on which a commitment's progress can change, up to the as-of date: its start,
    each counted milestone's date, and the as-of date itself. A chart needs no other points."""
    days = {as_of}
    if terms.start_date:
        days.add(terms.start_date)
    days.update(m.occurred_on for m in milestones if is_counted(m, as_of))
    return sorted(d for d in days if d <= as_of)


# --- Rollups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RollupItem:
    weight: int
    progress: Decimal
    status: str
    kind: str = QUANTITATIVE
    stage: str = ""


@dataclass(frozen=True)
class Rollup:
    progress: Decimal
    status_counts: dict[str, int]
    stage_counts: dict[str, int]
    commitment_count: int


@dataclass(frozen=True)
class RollupPart:
    """Commitments alike in status, kind and stage: how many, their total weight, and the sum
    of weight times progress (each progress capped at 1). A database can add these up."""

    count: int
    weight: Decimal
    weighted_progress: Decimal
    status: str
    kind: str = QUANTITATIVE
    stage: str = ""


def rollup(items: Iterable[RollupItem]) -> Rollup:
    """Weighted mean of progress (each capped at 1), with counts by status and by stage.

    A deliverable's progress is its stage's fraction from the published table. A group with
    no commitments (or no weight) has progress 0.
    """
    return rollup_parts(
        RollupPart(
            1,
            Decimal(item.weight),
            Decimal(item.weight) * min(Decimal(item.progress), ONE),
            item.status,
            item.kind,
            item.stage,
        )
        for item in items
    )


def rollup_parts(parts: Iterable[RollupPart]) -> Rollup:
    """The rollup of commitments given as parts already added up (rollup() gives one part
    per commitment)."""
    statuses = dict.fromkeys(STATUSES, 0)
    stages = dict.fromkeys(STAGES, 0)
    total_weight = weighted = ZERO
    n = 0
    for part in parts:
        total_weight += part.weight
        weighted += part.weighted_progress
        statuses[part.status] = statuses.get(part.status, 0) + part.count
        if part.kind == DELIVERABLE:
            stages[part.stage or ANNOUNCED] += part.count
        n += part.count
    progress = weighted / total_weight if total_weight else ZERO
    return Rollup(
        progress=progress, status_counts=statuses, stage_counts=stages, commitment_count=n
    )


def thresholds_from_settings(on_track: str | Decimal, at_risk: str | Decimal) -> Thresholds:
    return Thresholds(on_track=Decimal(str(on_track)), at_risk=Decimal(str(at_risk)))
