"""Synthetic data at any scale, for the benchmark (`make bench`) and for trying the site.

Realistic in its mix: pillars, agreements and meetings; quantitative commitments in JPY, INR,
USD and counted units, deliverables evidenced by stage, sub-targets; milestones that are
evidence, reaffirmations or planned events, mostly published with sources, some drafts, some
withdrawn with a reason; daily exchange rates; assessments; confirmed subscribers.
Reproducible: every choice comes from `random.Random(seed)` and every date from the fixed
span in `mix`, never from the clock. Written with bulk inserts, so no signal fires and no
history row is written: the caller recomputes the rollups once at the end.
"""

from __future__ import annotations

import random

from django.db import connection, transaction

from .writer import Writer


def generate(
    commitments: int,
    milestones: int,
    subscribers: int,
    seed: int = 1,
    batch_size: int = 2000,
) -> dict[str, int]:
    """Write the data into the default database, in one transaction; return rows per model."""
    rng = random.Random(seed)
    with transaction.atomic():
        writer = Writer(rng, batch_size)
        writer.pillars_meetings_sectors()
        writer.sources(max(20, commitments * 2 + milestones // 2))
        writer.agreements(max(3, commitments // 20))
        writer.rates()
        plans = writer.commitments(commitments)
        writer.milestones(plans, milestones)
        writer.assessments(plans)
        writer.subscribers(subscribers)
    with connection.cursor() as cursor:
        # Fresh planner statistics and, on PostgreSQL, a fresh visibility map (so index-only
        # scans skip the table), as autovacuum leaves them soon after such a load. VACUUM
        # cannot run inside a transaction, as in a test.
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
    return writer.counts
