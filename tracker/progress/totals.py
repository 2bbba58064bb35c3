"""Each commitment's counted evidence summed, converted and ranked in one SQL query.

The rules in tracker.methodology say what counts and how an amount converts; evaluating
them milestone by milestone in Python cost 30 times one GROUP BY over the milestones at
100,000 of them. Here PostgreSQL applies the same rules to every row (numeric arithmetic,
so the sums agree with the rules' Decimals) and returns one row per commitment.
A commitment with any milestone the rules would report as a problem (no amount, no stage,
a unit that cannot convert, no rate) is flagged instead, and the engine evaluates it with
the rules themselves, which word the problem. tests/progress/test_totals.py holds the two
to the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from tracker.commitments.models import Commitment, Milestone
from tracker.methodology.units import CURRENCY_CODES, RateTable
from tracker.methodology.vocabulary import QUANTITATIVE, STAGES

from .inputs import CommitmentTree


@dataclass(frozen=True)
class Totals:
    """What the rules need of a commitment's counted evidence up to a day."""

    achieved: Decimal  # in the target unit; 0 for a deliverable
    stage: str  # the furthest stage evidenced; "" for a quantitative commitment
    evidence: int
    last_on: date | None
    irregular: bool  # a milestone the rules would report: evaluate with the rules


def supported() -> bool:
    """Only PostgreSQL: SQLite's arithmetic on decimals is floating point."""
    return connection.vendor == "postgresql"


# The counted milestones are read from an index that holds every column used here, each row
# once for its own commitment and again for each commitment above it, through the few
# (ancestor, descendant) pairs of sub-targets, where the units add up (the rules' `inherited`;
# a sub-target's stages never count above it). An amount in another currency is multiplied by
# the day's factor (RateTable.factors): multiplying is exact in numeric, so no per-day sums
# are needed first (grouping by day cost more than all the rest), and nothing is divided.
SQL = """
SELECT c.id,
       SUM(CASE WHEN c.kind <> %(quantitative)s THEN NULL
                WHEN m.unit = c.target_unit THEN m.amount
                ELSE m.amount * f.factor END),
       MAX({rank}), COUNT(*), MAX(m.occurred_on),
       BOOL_OR(CASE WHEN c.kind <> %(quantitative)s THEN {rank} IS NULL
                    ELSE m.amount IS NULL OR m.unit <> c.target_unit AND f.factor IS NULL END)
FROM (
    SELECT commitment_id AS target_id, occurred_on, amount, unit, stage, TRUE AS own
    FROM ({own}) own
    {inherited}
) m
JOIN {commitments} c ON c.id = m.target_id
LEFT JOIN unnest(string_to_array(%(f_from)s, ','), string_to_array(%(f_to)s, ','),
                 string_to_array(%(f_days)s, ',')::date[],
                 string_to_array(%(f_values)s, ',')::numeric[]) f(from_unit, to_unit, day, factor)
     ON f.from_unit = m.unit AND f.to_unit = c.target_unit
        AND f.day = GREATEST(m.occurred_on, %(first_day)s::date)
WHERE m.own
   OR c.kind = %(quantitative)s
      AND (m.unit = c.target_unit
           OR m.unit = ANY({currencies}) AND c.target_unit = ANY({currencies}))
GROUP BY c.id
"""
INHERITED = """
    UNION ALL
    SELECT t.ancestor, m.occurred_on, m.amount, m.unit, m.stage, FALSE
    FROM ({milestones}) m
    JOIN unnest(string_to_array(%(ancestors)s, ',')::bigint[],
                string_to_array(%(descendants)s, ',')::bigint[]) t(ancestor, descendant)
         ON t.descendant = m.commitment_id
"""
# Lists go as one comma-separated string each, split by the server: psycopg quotes a
# Python list element by element, which cost more than the query's own grouping.
CURRENCIES = "string_to_array(%(currencies)s, ',')"
# A stage's rank (1 for the first of STAGES), NULL when the milestone names none.
RANK = "(CASE m.stage {} END)".format(
    " ".join(f"WHEN '{stage}' THEN {rank}" for rank, stage in enumerate(STAGES, 1))
)


def joined(values) -> str:
    return ",".join(map(str, values))


def as_sql(milestones, prefix: str) -> tuple[str, dict]:
    """A queryset of milestones as SQL with named placeholders, so one dict holds the values
    of every subquery (the ORM's are positional)."""
    sql, values = (
        milestones.order_by()
        .values("commitment_id", "occurred_on", "amount", "unit", "stage")
        .query.sql_with_params()
    )
    names = {f"{prefix}_{i}": value for i, value in enumerate(values)}
    return sql % tuple(f"%({name})s" for name in names), names


def totals_by_commitment(
    as_of: date,
    tree: CommitmentTree,
    target_units: Mapping[int, str],
    rates: RateTable,
    everything: bool = False,
) -> dict[int, Totals]:
    """Totals of the commitments in `target_units` ({id: target unit}); those with no
    counted evidence are absent. `everything` says they are all the commitments there are,
    so the milestones are read without a list of ids. PostgreSQL only (supported())."""
    targets = target_units.keys()
    # Sub-targets only: every milestone is read for its own commitment anyway.
    ancestors, descendants = [], []
    for cid in targets:
        for member in tree.descendants(cid):
            ancestors.append(cid)
            descendants.append(member)
    own = Milestone.objects.counted(as_of)
    inherited, inherited_values = "", {}
    if descendants:
        inherited, inherited_values = as_sql(
            own.filter(commitment_id__in=set(descendants)), "inherited"
        )
        inherited = INHERITED.format(milestones=inherited)
    if not everything:
        own = own.filter(commitment_id__in=targets)
    own, own_values = as_sql(own, "own")
    sql = SQL.format(
        commitments=Commitment._meta.db_table,
        currencies=CURRENCIES,
        rank=RANK,
        own=own,
        inherited=inherited,
    )
    factors = rates.factors(set(target_units.values()), as_of)
    columns = list(zip(*factors, strict=True)) or [(), (), (), ()]
    params = {
        **own_values,
        **inherited_values,
        "ancestors": joined(ancestors),
        "descendants": joined(descendants),
        "f_from": joined(columns[0]),
        "f_to": joined(columns[1]),
        "f_days": joined(columns[2]),
        "f_values": joined(columns[3]),
        "first_day": min(columns[2], default=None),
        "currencies": joined(sorted(CURRENCY_CODES)),
        "quantitative": QUANTITATIVE,
    }
    found = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Room to hash in memory (the default 4 MB spills to disk), and no JIT compilation,
        # which costs more than it saves on a query this size.
        cursor.execute(
            "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL enable_mergejoin = off"
        )
        cursor.execute(sql, params)
        for cid, achieved, rank, evidence, last_on, irregular in cursor.fetchall():
            found[cid] = Totals(
                achieved=achieved if achieved is not None else Decimal(0),
                stage=STAGES[rank - 1] if rank else STAGES[0],
                evidence=evidence,
                last_on=last_on,
                irregular=bool(irregular),
            )
    return found
