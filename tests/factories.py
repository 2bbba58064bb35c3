"""Small builders for test data that is not the seed fixtures."""

from datetime import date
from decimal import Decimal
from itertools import count

from tracker.commitments.models import Agreement, Commitment, Milestone, Pillar, Source

_seq = count(1)


def pillar(**fields):
    n = next(_seq)
    return Pillar.objects.create(
        **{"slug": f"pillar-{n}", "name": f"Pillar {n}", "order": n} | fields
    )


def agreement(**fields):
    n = next(_seq)
    return Agreement.objects.create(
        **{"slug": f"agreement-{n}", "title": f"Agreement {n}", "kind": "memorandum"} | fields
    )


def source(**fields):
    return Source.objects.create(
        **{"title": "An article", "excerpt": "A sentence the fact rests on."} | fields
    )


def commitment(**fields):
    n = next(_seq)
    values = {
        "slug": f"commitment-{n}",
        "title": f"Commitment {n}",
        "kind": "quantitative",
        "target_value": Decimal("1000"),
        "target_unit": "USD",
        "start_date": date(2025, 8, 29),
        "deadline": date(2035, 8, 29),
        "deadline_basis": "stated",
        "deadline_words": "“over the next decade”",
    } | fields
    values.setdefault("pillar", pillar() if "pillar" not in fields else fields["pillar"])
    values.setdefault("agreement", agreement())
    created = Commitment.objects.create(**values)
    created.sources.add(source())
    return created


def milestone(commitment, sources=None, **fields):
    """A published milestone citing a new source (pass sources=[] for one that cites none)."""
    values = {
        "occurred_on": date(2025, 9, 1),
        "title": "Something happened",
        "status": "published",
    } | fields
    if commitment.kind == "deliverable" and values.get("kind", "evidence") == "evidence":
        values.setdefault("stage", "agreed")
    created = Milestone.objects.create(commitment=commitment, **values)
    created.sources.set([source()] if sources is None else sources)
    return created
