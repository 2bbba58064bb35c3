"""Writes the synthetic rows: a plan for each commitment, then every kind of row in bulk."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils.text import slugify

from tracker.commitments.models import (
    Agreement,
    Assessment,
    Commitment,
    ExchangeRate,
    Meeting,
    Milestone,
    Pillar,
    Sector,
    Source,
)
from tracker.digest.models import Subscriber
from tracker.methodology import vocabulary as v
from tracker.methodology.wording import human_amount

from .mix import (
    ASSESSED_SHARE,
    CURRENCIES,
    HEADLINES,
    LAST_EVIDENCE_ON,
    MEETINGS,
    MILESTONE_MIX,
    OPENING_RATES,
    PILLARS,
    PLANNED_UNTIL,
    PUBLISHED_BY,
    PUBLISHERS,
    RATES_FROM,
    RATES_UNTIL,
    REACHED_STAGE_WEIGHTS,
    SECTORS,
    STAGES,
    SUB_TARGET_SHARE,
    SUBSCRIBERS_FOLLOWING_ALL,
    SUMMIT,
    TARGET_MIX,
    TARGET_RANGES,
    deck,
    log_uniform,
    moment_on,
    random_day,
)


@dataclass
class Plan:
    """A commitment before it is written: what it promises and how its evidence arrives."""

    index: int
    pillar: int
    topic: str
    target: str  # a unit, or "deliverable"
    parent: int | None = None
    depth: int = 0
    row: Commitment | None = None
    milestone_kinds: list[tuple[str, str]] = field(default_factory=list)
    share: float = 0.0  # of the target, delivered by each piece of evidence on average
    stages: list[str] = field(default_factory=list)  # the stages its evidence shows
    reaffirmed_at: set[int] = field(default_factory=set)  # meeting ids

    @property
    def capitalized_topic(self) -> str:
        return self.topic[0].upper() + self.topic[1:]

    @property
    def is_currency(self) -> bool:
        return self.target in CURRENCIES

    def adds_up_to(self, other: Plan) -> bool:
        """Whether this commitment's evidence can count towards `other` as its sub-target."""
        if self.target == v.DELIVERABLE or other.target == v.DELIVERABLE:
            return self.target == other.target
        return self.target == other.target or (self.is_currency and other.is_currency)


class Writer:
    """Writes each kind of row in bulk, keeping the ids that later rows refer to."""

    def __init__(self, rng: random.Random, batch_size: int):
        self.rng = rng
        self.batch_size = batch_size
        self.counts: dict[str, int] = {}

    def create(self, model, rows: list) -> list:
        created = model.objects.bulk_create(rows, batch_size=self.batch_size)
        name = model._meta.label
        self.counts[name] = self.counts.get(name, 0) + len(created)
        return created

    def link(self, relation, owner: str, pairs) -> None:
        """Rows of a many-to-many table from (owner id, target id) pairs."""
        through = relation.through
        target = next(
            f.attname for f in through._meta.fields if f.is_relation and f.attname != f"{owner}_id"
        )
        rows = [through(**{f"{owner}_id": a, target: b}) for a, b in dict.fromkeys(pairs)]
        self.create(through, rows)

    def pillars_meetings_sectors(self) -> None:
        self.pillars = self.create(
            Pillar,
            [
                Pillar(
                    slug=slug, name=name, order=n, in_joint_vision=slug != "security-cooperation"
                )
                for n, (slug, name, _) in enumerate(PILLARS, start=1)
            ],
        )
        self.meetings = self.create(
            Meeting,
            [
                Meeting(
                    slug=slug,
                    name=name,
                    held_on=held_on,
                    place=place,
                    date_note="" if held_on else "The sources do not give the date.",
                )
                for slug, name, held_on, place in MEETINGS
            ],
        )
        self.undated_meeting = next(m for m in self.meetings if m.held_on is None)
        self.sectors = self.create(Sector, [Sector(slug=slugify(s), name=s) for s in SECTORS])

    def sources(self, n: int) -> None:
        rng = self.rng
        rows = []
        for i in range(n):
            publisher = rng.choice(PUBLISHERS)
            topic = rng.choice(rng.choice(PILLARS)[2])
            rows.append(
                Source(
                    title=f"{publisher}: India and Japan on {topic} ({i + 1})",
                    publisher=publisher,
                    url=f"https://news.example/{slugify(publisher)}/{i + 1}",
                    published_on=random_day(rng, SUMMIT, LAST_EVIDENCE_ON),
                    excerpt=f"Officials said cooperation on {topic} had moved forward, "
                    f"according to a statement issued after talks in {rng.choice(MEETINGS)[3]}.",
                )
            )
        self.source_ids = [s.id for s in self.create(Source, rows)]

    def some_sources(self, low: int, high: int) -> list[int]:
        return self.rng.sample(self.source_ids, self.rng.randint(low, high))

    def agreements(self, n: int) -> None:
        kinds = [k for k, _ in Agreement.Kind.choices]
        rows = [
            Agreement(
                slug=f"agreement-{i + 1}",
                title=f"{Agreement.Kind(kind).label} no. {i + 1}",
                kind=kind,
                signed_on=SUMMIT if i % 3 else None,
            )
            for i, kind in enumerate(self.rng.choice(kinds) for _ in range(n))
        ]
        self.agreement_ids = [a.id for a in self.create(Agreement, rows)]
        self.link(
            Agreement.sources,
            "agreement",
            ((a, self.some_sources(1, 1)[0]) for a in self.agreement_ids),
        )

    def rates(self) -> None:
        rows, days = [], (RATES_UNTIL - RATES_FROM).days + 1
        for currency, opening in OPENING_RATES.items():
            value = opening
            for offset in range(days):
                value *= math.exp(self.rng.gauss(0, 0.004))
                rows.append(
                    ExchangeRate(
                        date=RATES_FROM + timedelta(days=offset),
                        currency=currency,
                        units_per_usd=Decimal(f"{value:.6f}"),
                        is_reference=False,
                        note="Synthetic daily fix",
                    )
                )
        self.create(ExchangeRate, rows)

    def commitments(self, n: int) -> list[Plan]:
        rng = self.rng
        plans = []
        for i, target in enumerate(deck(rng, TARGET_MIX, n)):
            pillar = rng.randrange(len(PILLARS))
            plan = Plan(i, pillar, rng.choice(PILLARS[pillar][2]), target)
            if i and rng.random() < SUB_TARGET_SHARE:
                parents = [p for p in plans if p.depth < 2 and plan.adds_up_to(p)]
                if parents:
                    parent = rng.choice(parents)
                    plan.parent, plan.depth = parent.index, parent.depth + 1
                    plan.pillar = parent.pillar
            plans.append(plan)
        if n > 1 and not any(p.parent is not None for p in plans):
            # At least one sub-target at every scale: the first that can join an earlier one.
            for plan in plans[1:]:
                parent = next((p for p in plans[: plan.index] if plan.adds_up_to(p)), None)
                if parent:
                    plan.parent, plan.depth = parent.index, parent.depth + 1
                    plan.pillar = parent.pillar
                    break
        # Editors flag a handful of headlines, however many commitments there are.
        self.headlines = set(rng.sample(range(n), min(HEADLINES, n)))
        # Parents before children, so each level knows its parents' ids.
        for depth in range(3):
            level = [p for p in plans if p.depth == depth]
            rows = [self.commitment_row(p, plans) for p in level]
            for plan, row in zip(level, self.create(Commitment, rows), strict=True):
                plan.row = row
        self.link(
            Commitment.sources,
            "commitment",
            ((p.row.id, s) for p in plans for s in self.some_sources(1, 3)),
        )
        self.link(
            Commitment.sectors,
            "commitment",
            ((p.row.id, s.id) for p in plans for s in rng.sample(self.sectors, rng.randint(0, 2))),
        )
        return plans

    def commitment_row(self, plan: Plan, plans: list[Plan]) -> Commitment:
        rng = self.rng
        start = None if rng.random() < 0.05 else rng.choice([SUMMIT] * 4 + [MEETINGS[1][2]])
        basis = rng.choices([v.STATED, v.ASSUMED, v.NO_DEADLINE], weights=[50, 35, 15])[0]
        deadline, words = None, "No source gives a time frame, and none is assumed."
        if basis != v.NO_DEADLINE:
            # Some deadlines fall inside the tracked span, so some are overdue or achieved.
            years = rng.choice([0.5, 1, 1, 3, 5, 5, 10, 10])
            deadline = (start or SUMMIT) + timedelta(days=round(365.25 * years))
            words = (
                f"“within {years:g} years”"
                if basis == v.STATED
                else f"The tracker assumes {years:g} years, as for similar commitments."
            )
        target_value = None
        if plan.target != v.DELIVERABLE:
            target_value = Decimal(round(log_uniform(rng, *TARGET_RANGES[plan.target])))
        topic = plan.topic
        title = (
            f"{human_amount(target_value, plan.target)} for {topic}"
            if target_value
            else f"{rng.choice(['Launch', 'Establish', 'Complete', 'Set up'])} a programme "
            f"on {topic}"
        )
        return Commitment(
            slug=f"{slugify(topic)[:80]}-{plan.index + 1}",
            title=title,
            summary=f"Synthetic commitment {plan.index + 1} on {topic}, made at the summit.",
            pillar=self.pillars[plan.pillar],
            agreement_id=rng.choice(self.agreement_ids) if rng.random() < 0.8 else None,
            meeting=self.meetings[0] if start != MEETINGS[1][2] else self.meetings[1],
            parent=None if plan.parent is None else plans[plan.parent].row,
            kind=v.DELIVERABLE if plan.target == v.DELIVERABLE else v.QUANTITATIVE,
            target_value=target_value,
            target_unit="" if plan.target == v.DELIVERABLE else plan.target,
            start_date=start,
            deadline=deadline,
            deadline_basis=basis,
            deadline_words=words,
            weight=rng.choices([1, 2, 3], weights=[80, 15, 5])[0],
            promised_by=rng.choice(Commitment.Side.values),
            is_headline=plan.index in self.headlines,
        )

    def milestones(self, plans: list[Plan], n: int) -> None:
        rng = self.rng
        # Some commitments draw far more evidence than others.
        weights = [rng.lognormvariate(0, 0.75) for _ in plans]
        for plan, kind_status in zip(
            rng.choices(plans, weights=weights, k=n), deck(rng, MILESTONE_MIX, n), strict=True
        ):
            plan.milestone_kinds.append(kind_status)
        rows, cited = [], []
        for plan in plans:
            evidence = sum(1 for kind, _ in plan.milestone_kinds if kind == v.EVIDENCE)
            # How far along the commitment is at the end of the span, shared among its evidence.
            plan.share = rng.uniform(0.05, 1.2) / max(evidence, 1)
            reached = rng.choices(STAGES, weights=list(REACHED_STAGE_WEIGHTS.values()))[0]
            plan.stages = STAGES[: STAGES.index(reached) + 1]
            for kind, status in plan.milestone_kinds:
                rows.append(self.milestone_row(plan, kind, status))
                cited.append(
                    self.some_sources(1, 2) if status != v.DRAFT else self.some_sources(0, 1)
                )

        # In the order editors would have entered them, so ids rise with time.
        def entered(i):
            return rows[i].published_at or datetime.combine(rows[i].occurred_on, time(), UTC)

        order = sorted(range(len(rows)), key=lambda i: (entered(i), i))
        created = self.create(Milestone, [rows[i] for i in order])
        self.link(
            Milestone.sources,
            "milestone",
            ((m.id, s) for m, i in zip(created, order, strict=True) for s in cited[i]),
        )
        # Links written in bulk send no signal: set the flag the rules read from them.
        Milestone.objects.refresh_sourced()

    def milestone_row(self, plan: Plan, kind: str, status: str) -> Milestone:
        rng = self.rng
        row = Milestone(commitment=plan.row, kind=kind, status=status)
        first = max(plan.row.start_date or SUMMIT, SUMMIT)
        if kind == v.PLANNED:
            row.occurred_on = random_day(rng, date(2025, 10, 1), PLANNED_UNTIL)
            published = row.occurred_on - timedelta(days=rng.randint(7, 90))
            row.title = f"{plan.capitalized_topic}: talks scheduled"
        elif kind == v.REAFFIRMED:
            # A commitment is reaffirmed once per dated meeting; beyond that, at the summit
            # whose date the sources do not give.
            unused = [
                m
                for m in self.meetings[1:]
                if m.held_on and m.held_on >= first and m.id not in plan.reaffirmed_at
            ]
            row.meeting = rng.choice(unused) if unused else self.undated_meeting
            plan.reaffirmed_at.add(row.meeting.id)
            row.occurred_on = row.meeting.held_on or random_day(rng, first, LAST_EVIDENCE_ON)
            published = row.occurred_on + timedelta(days=rng.randint(0, 5))
            row.title = f"Leaders reaffirm the commitment on {plan.topic}"
        else:
            row.occurred_on = random_day(rng, first, LAST_EVIDENCE_ON)
            published = row.occurred_on + timedelta(days=rng.randint(0, 10))
            if plan.target == v.DELIVERABLE:
                row.stage = rng.choice(plan.stages)
                row.title = f"{plan.capitalized_topic}: {v.STAGE_LABELS[row.stage].lower()}"
            else:
                row.amount, row.unit = self.amount(plan)
                row.title = f"{human_amount(row.amount, row.unit)} delivered for {plan.topic}"
        row.description = (
            f"Reported on {row.occurred_on:%d %B %Y}: officials of both governments described "
            f"progress on *{plan.topic}*, and named the bodies responsible for the next steps. "
            f"The report quotes a joint statement and a briefing by the ministry."
        )
        if status != v.DRAFT:
            row.published_at = min(moment_on(max(published, SUMMIT), rng), PUBLISHED_BY)
        if status == v.WITHDRAWN:
            row.withdrawal_reason = (
                "The report was corrected by its publisher: the figure was misread."
            )
        return row

    def amount(self, plan: Plan) -> tuple[Decimal, str]:
        """An amount of evidence, sometimes in another currency than the target's."""
        rng = self.rng
        value = float(plan.row.target_value) * plan.share * rng.uniform(0.3, 1.7)
        unit = plan.target
        if plan.is_currency and rng.random() < 0.3:
            unit = rng.choice([c for c in CURRENCIES if c != plan.target])
            per_usd = {"USD": 1.0, **OPENING_RATES}
            value = value / per_usd[plan.target] * per_usd[unit]
        return Decimal(max(1, round(value))), unit

    def assessments(self, plans: list[Plan]) -> None:
        rng = self.rng
        chosen = [p for p in plans if rng.random() < ASSESSED_SHARE] or plans[:1]
        rows = []
        for plan in chosen:
            first = max(plan.row.start_date or SUMMIT, SUMMIT) + timedelta(days=30)
            for _ in range(rng.randint(1, 2)):
                status = rng.choice(v.ASSESSED_STATUSES)
                rows.append(
                    Assessment(
                        commitment=plan.row,
                        status=status,
                        reason=f"The editors judge it {v.STATUS_LABELS[status].lower()}: "
                        "the latest reports show delays in the implementing agencies.",
                        assessed_on=random_day(rng, first, LAST_EVIDENCE_ON),
                    )
                )
        self.create(Assessment, rows)

    def subscribers(self, n: int) -> None:
        rng = self.rng
        rows = [
            Subscriber(
                email=f"reader{i + 1:06d}@example.org",
                confirmed_at=moment_on(random_day(rng, SUMMIT, LAST_EVIDENCE_ON), rng),
            )
            for i in range(n)
        ]
        created = self.create(Subscriber, rows)
        pillar_ids = [p.id for p in self.pillars]
        self.link(
            Subscriber.pillars,
            "subscriber",
            (
                (s.id, p)
                for s in created
                if rng.random() >= SUBSCRIBERS_FOLLOWING_ALL
                for p in rng.sample(pillar_ids, rng.randint(1, 3))
            ),
        )
