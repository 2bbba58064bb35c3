"""The words the tracker uses, each defined once: kinds, stages, statuses, deadline bases.

Model choices, filters, the API schema, the methodology page and status sentences all read
these tables, so a value cannot mean one thing on one surface and another elsewhere.
"""

from __future__ import annotations

from decimal import Decimal

# --- Kinds of commitment -------------------------------------------------------------
QUANTITATIVE = "quantitative"
DELIVERABLE = "deliverable"
KINDS = {
    QUANTITATIVE: "Quantitative (a target value in a unit)",
    DELIVERABLE: "Deliverable (tracked by completion stage)",
}

# --- Completion stages of a deliverable, lowest first ----------------------------------
ANNOUNCED = "announced"
AGREED = "agreed"
UNDER_WAY = "under_way"
SUBSTANTIAL = "substantial"
COMPLETE = "complete"
STAGES = (ANNOUNCED, AGREED, UNDER_WAY, SUBSTANTIAL, COMPLETE)
STAGE_LABELS = {
    ANNOUNCED: "Announced",
    AGREED: "Agreed",
    UNDER_WAY: "Under way",
    SUBSTANTIAL: "Substantial",
    COMPLETE: "Complete",
}
STAGE_MEANINGS = {
    ANNOUNCED: "Stated in a summit document. Every deliverable starts here; no milestone needed.",
    AGREED: "A specific implementing agreement, memorandum, loan or contract has been signed.",
    UNDER_WAY: "Funds released, a body set up, or a first activity held.",
    SUBSTANTIAL: "Most of what was promised has been delivered.",
    COMPLETE: "Delivered as promised.",
}
# The one table that turns a stage into a fraction for the progress index. Pages show the
# stage by name; this fraction is only ever used inside a weighted rollup.
STAGE_FRACTIONS = {
    ANNOUNCED: Decimal("0"),
    AGREED: Decimal("0.1"),
    UNDER_WAY: Decimal("0.3"),
    SUBSTANTIAL: Decimal("0.6"),
    COMPLETE: Decimal("1"),
}
# Stages a milestone can evidence (announced is the baseline and needs none).
EVIDENCED_STAGES = STAGES[1:]

# --- Statuses --------------------------------------------------------------------------
ACHIEVED = "achieved"
OVERDUE = "overdue"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
IN_PROGRESS = "in_progress"
NO_EVIDENCE = "no_evidence"
STALLED = "stalled"  # only ever an editors' assessment

# What the rules can compute, in the order pages list them.
COMPUTED_STATUSES = (ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, OVERDUE, IN_PROGRESS, NO_EVIDENCE)
# What editors can assess; the rules never compute "stalled".
ASSESSED_STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, STALLED)
# Every status a reader can see, in the order pages list them.
STATUSES = (ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, STALLED, OVERDUE, IN_PROGRESS, NO_EVIDENCE)
STATUS_LABELS = {
    ACHIEVED: "Achieved",
    OVERDUE: "Overdue",
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    OFF_TRACK: "Off track",
    IN_PROGRESS: "In progress",
    NO_EVIDENCE: "No evidence yet",
    STALLED: "Stalled",
}
# How good news ranks: evidence can only move a commitment up this order. No evidence
# ranks lowest: a commitment with nothing to show is not better off than one behind.
STATUS_RANK = {
    NO_EVIDENCE: 0,
    OFF_TRACK: 1,
    OVERDUE: 1,
    IN_PROGRESS: 1,
    STALLED: 1,
    AT_RISK: 2,
    ON_TRACK: 3,
    ACHIEVED: 4,
}

# --- Where a deadline comes from --------------------------------------------------------
STATED = "stated"
ASSUMED = "assumed"
NO_DEADLINE = "none"
DEADLINE_BASES = {
    STATED: "Stated in a source",
    ASSUMED: "Assumed by the tracker",
    NO_DEADLINE: "No deadline",
}

# --- Milestones -------------------------------------------------------------------------
DRAFT = "draft"
PUBLISHED = "published"
WITHDRAWN = "withdrawn"  # once published, never deleted: withdrawn with a public reason
MILESTONE_STATUSES = {DRAFT: "Draft", PUBLISHED: "Published", WITHDRAWN: "Withdrawn"}
# A change to one of these on a published milestone is a public correction (and so is
# moving it to another commitment).
PUBLIC_FIGURE_FIELDS = {
    "amount": "amount",
    "unit": "unit",
    "occurred_on": "date",
    "stage": "stage",
    "kind": "kind",
}

EVIDENCE = "evidence"
REAFFIRMED = "reaffirmed"
PLANNED = "planned"
MILESTONE_KINDS = {
    EVIDENCE: "Evidence of progress",
    REAFFIRMED: "Reaffirmed at a later meeting",
    PLANNED: "Planned (upcoming, never counted)",
}


def choices(table: dict[str, str], order=None) -> list[tuple[str, str]]:
    """Django-style choices from one of the tables above."""
    return [(key, table[key]) for key in (order or table)]
