"""The one adapter from database rows to the rules' inputs, for the engine and the digest.

Each loader is one query whatever the data; the rules in tracker.methodology never see a
model instance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db.models import QuerySet

from tracker.commitments.models import Commitment, ExchangeRate
from tracker.methodology import rules
from tracker.methodology.units import RateTable

TERMS_FIELDS = ("kind", "target_value", "target_unit", "start_date", "deadline", "deadline_basis")
FACT_FIELDS = ("id", "commitment_id", "occurred_on", "status", "kind", "amount", "unit", "stage")


def thresholds() -> rules.Thresholds:
    return rules.thresholds_from_settings(
        settings.PROGRESS_ON_TRACK_RATIO, settings.PROGRESS_AT_RISK_RATIO
    )


def load_rates() -> RateTable:
    return RateTable(
        ExchangeRate.objects.values_list("currency", "date", "units_per_usd", "is_reference")
    )


def terms_from(row: Mapping) -> rules.Terms:
    return rules.Terms(**{name: row[name] for name in TERMS_FIELDS})


def fact_from(row: Mapping, sourced: bool = True) -> rules.MilestoneFact:
    """A milestone row as the rules read it; querysets that filter on sources pass sourced."""
    return rules.MilestoneFact(
        id=row["id"],
        occurred_on=row["occurred_on"],
        status=row["status"],
        kind=row["kind"],
        amount=row["amount"],
        unit=row["unit"],
        stage=row["stage"],
        sourced=sourced,
    )


def facts_by_commitment(milestones: QuerySet) -> dict[int, list[rules.MilestoneFact]]:
    """Facts of sourced milestones grouped by commitment, in one streamed query (unordered:
    the rules sort what they need, and the default order made PostgreSQL walk an index)."""
    facts = defaultdict(list)
    fact = rules.MilestoneFact
    rows = milestones.order_by().values_list(*FACT_FIELDS).iterator(chunk_size=5000)
    for pk, cid, occurred_on, status, kind, amount, unit, stage in rows:
        facts[cid].append(fact(pk, occurred_on, status, kind, amount, unit, stage))
    return facts


class CommitmentTree:
    """Which commitment is part of which (sub-targets), from one query of (id, parent)."""

    def __init__(self, pairs: Iterable[tuple[int, int | None]] | None = None):
        if pairs is None:
            pairs = Commitment.objects.values_list("id", "parent_id")
        self.parent = dict(pairs)
        self.children: dict[int, list[int]] = defaultdict(list)
        for child, parent in self.parent.items():
            if parent is not None:
                self.children[parent].append(child)

    def ancestors(self, cid: int) -> list[int]:
        found, seen = [], {cid}
        while (cid := self.parent.get(cid)) is not None and cid not in seen:
            found.append(cid)
            seen.add(cid)
        return found

    def descendants(self, cid: int) -> list[int]:
        found, stack, seen = [], list(self.children.get(cid, ())), {cid}
        while stack:
            child = stack.pop()
            if child in seen:
                continue
            seen.add(child)
            found.append(child)
            stack.extend(self.children.get(child, ()))
        return found

    def with_ancestors(self, ids: Iterable[int]) -> set[int]:
        ids = {cid for cid in ids if cid in self.parent}
        return ids.union(*(self.ancestors(cid) for cid in ids)) if ids else set()

    def with_descendants(self, ids: Iterable[int]) -> set[int]:
        ids = set(ids)
        return ids.union(*(self.descendants(cid) for cid in ids)) if ids else set()

    def facts_for(
        self, cid: int, facts: Mapping[int, list[rules.MilestoneFact]]
    ) -> list[rules.MilestoneFact]:
        """A commitment's own facts, then its sub-targets' marked inherited (the rules count
        an inherited amount once, and only when its unit adds up)."""
        own = list(facts.get(cid, ()))
        for child in self.descendants(cid):
            own.extend(
                rules.MilestoneFact(**{**fact.__dict__, "inherited": True})
                for fact in facts.get(child, ())
            )
        return own
