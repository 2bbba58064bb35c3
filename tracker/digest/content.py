"""What goes into a weekly digest, as plain functions over plain values: no ORM, no clock.

The rules:

- The window is a Monday-to-Sunday week by UTC date, both ends included: for any as-of date,
  the latest complete week ending on or before it (a Sunday is the end of its own week), so
  every day of the following week names the same digest.
- A milestone is new when it is on record by the end of the window (published, citing a
  source, not planned, dated no later than the window's end) and its publication date falls
  in the window.
- "Then" is what the tracker said at the end of the day before the window; "now" is what it
  says at the end of the window's Sunday. Both are computed by the progress rules from the
  milestones that had been published by that day, so a milestone published this week
  counts only "now" even when it is dated months ago, and a commitment that falls behind
  its straight path to the deadline with no new evidence shows up in the week it slipped.
- A status is what the public sees on that day: the editors' latest assessment dated on or
  before it, else the status the rules compute.
- A status change is a commitment whose status then and now differ.
- Pillar progress then and now is the progress rules' weighted rollup of each side.
- An empty pillar selection follows every pillar.
- A digest lists a bounded share of a busy week, and counts the rest (see listing).
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from tracker.methodology import rules
from tracker.methodology.vocabulary import STAGE_LABELS, STATUS_LABELS
from tracker.methodology.wording import human_amount, long_date, percent, plural

from .listing import Listing, listings, summary

Reader = TypeVar("Reader")


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def before(self) -> date:
        """The last day before the window: the digest's "then"."""
        return self.start - timedelta(days=1)

    @property
    def label(self) -> str:
        """'1–7 September 2025', '29 September – 5 October 2025', or both dates in full."""
        start, end = self.start, self.end
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{long_date(end)}"
        if start.year == end.year:
            return f"{start.day} {start:%B} – {long_date(end)}"
        return f"{long_date(start)} – {long_date(end)}"


def week_ending(as_of: date) -> date:
    """The Sunday that ends the latest complete Monday-to-Sunday week on or before `as_of`."""
    return as_of - timedelta(days=(as_of.weekday() + 1) % 7)


def window_for(as_of: date) -> Window:
    """The digest's week for any day: Monday to Sunday, ending on `week_ending(as_of)`."""
    end = week_ending(as_of)
    return Window(start=end - timedelta(days=6), end=end)


@dataclass(frozen=True)
class PillarInfo:
    id: int
    name: str
    url: str
    order: int = 0


@dataclass(frozen=True)
class CommitmentInfo:
    id: int
    pillar_id: int
    title: str
    url: str
    weight: int
    terms: rules.Terms
    # Sub-targets whose amounts add to this commitment too.
    descendants: tuple[int, ...] = ()
    # The editors' assessments as (assessed_on, status), oldest first.
    assessments: tuple[tuple[date, str], ...] = ()

    def assessed_status(self, day: date) -> str | None:
        """The latest assessment's status on or before `day`, if any."""
        current = None
        for assessed_on, status in self.assessments:
            if assessed_on <= day:
                current = status
        return current


@dataclass(frozen=True)
class PublishedMilestone:
    """A published milestone; `fact` is what the progress rules read."""

    fact: rules.MilestoneFact
    commitment_id: int
    published_on: date
    title: str
    description: str = ""


@dataclass(frozen=True)
class NewMilestone:
    """A milestone as the digest shows it."""

    id: int
    pillar_id: int
    pillar_name: str
    commitment_title: str
    url: str
    title: str
    occurred_on: date
    published_on: date
    description: str
    figure: str

    @property
    def description_text(self) -> str:
        return indented_text(self.description)


@dataclass(frozen=True)
class StatusChange:
    commitment_id: int
    pillar_id: int
    pillar_name: str
    title: str
    url: str
    before: str
    after: str

    @property
    def before_label(self) -> str:
        return STATUS_LABELS[self.before]

    @property
    def after_label(self) -> str:
        return STATUS_LABELS[self.after]


@dataclass(frozen=True)
class PillarFigure:
    pillar: PillarInfo
    before: Decimal
    after: Decimal

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def before_label(self) -> str:
        return percent(self.before, 1)

    @property
    def after_label(self) -> str:
        return percent(self.after, 1)

    @property
    def change_label(self) -> str:
        return change_in_points(self.before, self.after)


@dataclass(frozen=True)
class WeekNews:
    """Everything that happened in a window, for every pillar: built once per run."""

    window: Window
    pillars: tuple[PillarInfo, ...]
    milestones: tuple[NewMilestone, ...]
    changes: tuple[StatusChange, ...]
    figures: Mapping[int, PillarFigure]


@dataclass(frozen=True)
class Digest:
    """One digest's content for one pillar selection, shared by every reader of it."""

    window: Window
    pillars: tuple[PillarInfo, ...]
    follows_all: bool
    milestones: tuple[NewMilestone, ...]
    changes: tuple[StatusChange, ...]
    figures: tuple[PillarFigure, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing new: no milestone, no status change, no pillar moved."""
        return not self.milestones and not self.changes and not self.pillars_moved

    @property
    def milestone_listings(self) -> tuple[Listing[NewMilestone], ...]:
        return listings(self.pillars, self.milestones)

    @property
    def change_listings(self) -> tuple[Listing[StatusChange], ...]:
        return listings(self.pillars, self.changes)

    @property
    def pillars_moved(self) -> bool:
        return any(figure.changed for figure in self.figures)

    @property
    def headline(self) -> str:
        """'2 new milestones, 1 status change', 'Pillar progress moved', 'No new milestones'."""
        parts = []
        if self.milestones:
            parts.append(plural(len(self.milestones), "new milestone"))
        if self.changes:
            parts.append(plural(len(self.changes), "status change"))
        if parts:
            return ", ".join(parts)
        return "Pillar progress moved" if self.pillars_moved else "No new milestones"


def change_in_points(before: Decimal, after: Decimal) -> str:
    """'up 2.5 points', 'down 1 point', 'no change' between two fractions."""
    points = round((Decimal(after) - Decimal(before)) * 100, 1)
    if points == 0:
        return "no change"
    value = f"{abs(points):.1f}".removesuffix(".0")
    return f"{'up' if points > 0 else 'down'} {value} point{'' if value == '1' else 's'}"


def indented_text(text: str, width: int = 76, indent: str = "  ") -> str:
    """Plain text wrapped to `width` and indented, paragraphs and line breaks kept."""
    return "\n".join(
        textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent)
        if line.strip()
        else ""
        for line in text.strip().splitlines()
    )


def milestone_figure(fact: rules.MilestoneFact) -> str:
    """The figure a milestone reports: an amount in human units, or the stage it evidences."""
    if fact.amount is not None:
        return human_amount(fact.amount, fact.unit)
    if fact.stage:
        return f"stage: {STAGE_LABELS[fact.stage]}"
    return ""


def evidence_of(
    commitment: CommitmentInfo, facts: Mapping[int, list[rules.MilestoneFact]]
) -> list[rules.MilestoneFact]:
    """A commitment's own facts, then its sub-targets' marked inherited."""
    return list(facts.get(commitment.id, ())) + [
        rules.MilestoneFact(**{**fact.__dict__, "inherited": True})
        for child in commitment.descendants
        for fact in facts.get(child, ())
    ]


def as_shown(commitment: CommitmentInfo, evaluation: rules.Evaluation) -> rules.Evaluation:
    """The evaluation with the status the public saw that day."""
    assessed = commitment.assessed_status(evaluation.as_of)
    return replace(evaluation, status=rules.shown_status(evaluation.status, assessed))


def standing_on(
    day: date,
    commitments: Iterable[CommitmentInfo],
    milestones: Iterable[PublishedMilestone],
    rates: rules.RateTable,
    thresholds: rules.Thresholds,
) -> dict[int, rules.Evaluation]:
    """Every commitment's progress and status at the end of `day`, from the milestones
    published by then and the assessments dated by then."""
    facts = defaultdict(list)
    for milestone in milestones:
        if milestone.published_on <= day:
            facts[milestone.commitment_id].append(milestone.fact)
    return {
        c.id: as_shown(c, rules.evaluate(c.terms, evidence_of(c, facts), rates, day, thresholds))
        for c in commitments
    }


def then_and_now(
    window: Window,
    commitments: Iterable[CommitmentInfo],
    milestones: Iterable[PublishedMilestone],
    rates: rules.RateTable,
    thresholds: rules.Thresholds,
) -> tuple[dict[int, rules.Evaluation], dict[int, rules.Evaluation]]:
    """`standing_on` the day before the window and on its last day. A commitment with no
    evidence published in the window has the same evidence on both days, so the rules read
    it in one pass for the two."""
    then_day, now_day = window.before, window.end
    earlier, this_week = defaultdict(list), defaultdict(list)
    for milestone in milestones:
        if milestone.published_on <= then_day:
            earlier[milestone.commitment_id].append(milestone.fact)
        elif milestone.published_on <= now_day:
            this_week[milestone.commitment_id].append(milestone.fact)
    before, after = {}, {}
    for c in commitments:
        known, added = evidence_of(c, earlier), evidence_of(c, this_week)
        if added:
            then = rules.evaluate(c.terms, known, rates, then_day, thresholds)
            now = rules.evaluate(c.terms, known + added, rates, now_day, thresholds)
        else:
            days = [then_day, now_day]
            then, now = rules.evaluate_series(c.terms, known, rates, days, thresholds)
        before[c.id], after[c.id] = as_shown(c, then), as_shown(c, now)
    return before, after


def pillar_progress(
    commitments: Iterable[CommitmentInfo], standing: Mapping[int, rules.Evaluation]
) -> dict[int, Decimal]:
    """Each pillar's rolled-up progress, by the same rule as the stored pillar figures."""
    by_pillar = defaultdict(list)
    for c in commitments:
        evaluation = standing[c.id]
        by_pillar[c.pillar_id].append(
            rules.RollupItem(
                c.weight, evaluation.progress, evaluation.status, c.terms.kind, evaluation.stage
            )
        )
    return {pillar_id: rules.rollup(items).progress for pillar_id, items in by_pillar.items()}


def new_milestones(
    window: Window,
    milestones: Iterable[PublishedMilestone],
    commitments: Mapping[int, CommitmentInfo],
    pillars: Mapping[int, PillarInfo],
) -> list[NewMilestone]:
    """Milestones published in the window, by pillar, commitment and date."""
    found = []
    for m in milestones:
        if not window.start <= m.published_on <= window.end:
            continue
        if not rules.is_on_record(m.fact, window.end):
            continue
        commitment = commitments[m.commitment_id]
        pillar = pillars[commitment.pillar_id]
        found.append(
            NewMilestone(
                id=m.fact.id,
                pillar_id=pillar.id,
                pillar_name=pillar.name,
                commitment_title=commitment.title,
                url=f"{commitment.url}#milestone-{m.fact.id}",
                title=m.title,
                occurred_on=m.fact.occurred_on,
                published_on=m.published_on,
                description=summary(m.description),
                figure=milestone_figure(m.fact),
            )
        )
    order = {p.id: (p.order, p.name) for p in pillars.values()}
    found.sort(key=lambda n: (order[n.pillar_id], n.commitment_title, n.occurred_on, n.id))
    return found


def status_changes(
    commitments: Iterable[CommitmentInfo],
    before: Mapping[int, rules.Evaluation],
    after: Mapping[int, rules.Evaluation],
    pillars: Mapping[int, PillarInfo],
) -> list[StatusChange]:
    """Commitments whose status differs between then and now."""
    changes = [
        StatusChange(
            commitment_id=c.id,
            pillar_id=c.pillar_id,
            pillar_name=pillars[c.pillar_id].name,
            title=c.title,
            url=c.url,
            before=before[c.id].status,
            after=after[c.id].status,
        )
        for c in commitments
        if before[c.id].status != after[c.id].status
    ]
    order = {p.id: (p.order, p.name) for p in pillars.values()}
    changes.sort(key=lambda change: (order[change.pillar_id], change.title))
    return changes


def week_news(
    window: Window,
    pillars: Sequence[PillarInfo],
    commitments: Sequence[CommitmentInfo],
    milestones: Sequence[PublishedMilestone],
    rates: rules.RateTable,
    thresholds: rules.Thresholds,
) -> WeekNews:
    """Apply the rules above once for the whole tracker.

    `milestones` holds every milestone published by the window's end that may count or be
    new; only those published in the window are shown, so only they need a title and a
    description.
    """
    pillars_by_id = {p.id: p for p in pillars}
    before, after = then_and_now(window, commitments, milestones, rates, thresholds)
    progress_before = pillar_progress(commitments, before)
    progress_after = pillar_progress(commitments, after)
    return WeekNews(
        window=window,
        pillars=tuple(sorted(pillars, key=lambda p: (p.order, p.name))),
        milestones=tuple(
            new_milestones(window, milestones, {c.id: c for c in commitments}, pillars_by_id)
        ),
        changes=tuple(status_changes(commitments, before, after, pillars_by_id)),
        figures={
            p.id: PillarFigure(
                pillar=p,
                before=progress_before.get(p.id, rules.ZERO),
                after=progress_after.get(p.id, rules.ZERO),
            )
            for p in pillars
        },
    )


def follows(pillar_ids: frozenset[int], pillar_id: int) -> bool:
    return not pillar_ids or pillar_id in pillar_ids


def milestones_for(
    pillar_ids: frozenset[int], milestones: Iterable[NewMilestone]
) -> list[NewMilestone]:
    return [m for m in milestones if follows(pillar_ids, m.pillar_id)]


def changes_for(pillar_ids: frozenset[int], changes: Iterable[StatusChange]) -> list[StatusChange]:
    return [c for c in changes if follows(pillar_ids, c.pillar_id)]


def build_digest(pillar_ids: frozenset[int], news: WeekNews) -> Digest:
    """The digest for readers who follow these pillars (none: every pillar)."""
    followed = tuple(p for p in news.pillars if follows(pillar_ids, p.id))
    return Digest(
        window=news.window,
        pillars=followed,
        follows_all=not pillar_ids,
        milestones=tuple(milestones_for(pillar_ids, news.milestones)),
        changes=tuple(changes_for(pillar_ids, news.changes)),
        figures=tuple(news.figures[p.id] for p in followed),
    )


def group_by_pillars(
    subscriptions: Iterable[tuple[Reader, frozenset[int]]],
) -> dict[frozenset[int], list[Reader]]:
    """Readers by the set of pillars they follow, so each distinct digest is built once."""
    groups = defaultdict(list)
    for reader, pillar_ids in subscriptions:
        groups[frozenset(pillar_ids)].append(reader)
    return dict(groups)
