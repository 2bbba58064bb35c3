"""Each commitment's counted evidence summed, converted and ranked in one SQL query.

The rules in tracker.methodology say what counts and how an amount converts; evaluating
them milestone by milestone in Python cost 30 times one GROUP BY over the milestones at
100,000 of them. Here PostgreSQL applies the same rules to every row (exact numeric
arithmetic, so the sums agree with the rules' Decimals) and returns one row per commitment.
A commitment with any milestone the rules would report as a problem (no amount, no stage,
a unit that cannot convert, no rate) is flagged instead, and the engine evaluates it with
the rules themselves, which word the problem. tests/progress/test_totals.py holds the two
to the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from tracker.commitments.models import Commitment, Milestone
from tracker.methodology.units import BASE_CURRENCY, CURRENCY_CODES
from tracker.methodology.vocabulary import QUANTITATIVE, STAGES

from .inputs import CommitmentTree, load_rates


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


# Milestones are grouped before anything is joined to them: by commitment and unit, and by
# day only where the amount converts (a rate is per day), so ~100,000 rows become a few
# thousand. A sub-target's milestones count towards each commitment above it when the units
# add up (the rules' `inherited`); its stages never do. The rate of a currency on a day is
# the one the rules' RateTable gives, passed in as a table of days.
SQL = """
WITH grouped AS (
    SELECT c.id AS target_id, c.kind, c.target_unit, m.unit,
           CASE WHEN m.unit = c.target_unit OR c.kind <> %(quantitative)s THEN NULL
                ELSE m.occurred_on END AS day,
           SUM(m.amount) AS amount, COUNT(*) AS n, COUNT(m.amount) AS n_amount,
           MAX(array_position({stages}, m.stage::text)) AS rank,
           COUNT(array_position({stages}, m.stage::text)) AS n_rank,
           MAX(m.occurred_on) AS last_on
    FROM ({counted}) m
    JOIN unnest(string_to_array(%(ancestors)s, ',')::bigint[],
                string_to_array(%(descendants)s, ',')::bigint[]) t(ancestor, descendant)
         ON t.descendant = m.commitment_id
    JOIN {commitments} c ON c.id = t.ancestor
    WHERE t.ancestor = m.commitment_id
       OR c.kind = %(quantitative)s
          AND (m.unit = c.target_unit
               OR m.unit = ANY({currencies}) AND c.target_unit = ANY({currencies}))
    GROUP BY c.id, m.unit, day
),
valued AS (
    SELECT g.target_id, g.n, g.last_on, g.rank, g.n_rank, g.kind,
           CASE WHEN g.kind <> %(quantitative)s OR g.n_amount < g.n THEN NULL
                WHEN g.unit = g.target_unit THEN g.amount
                WHEN g.unit = ANY({currencies}) AND g.target_unit = ANY({currencies})
                THEN (g.amount * CASE WHEN g.target_unit = %(base)s THEN 1
                                      ELSE COALESCE(td.units_per_usd, tf.units_per_usd) END
                     )::numeric(60, 24)
                     / CASE WHEN g.unit = %(base)s THEN 1
                            ELSE COALESCE(fd.units_per_usd, ff.units_per_usd) END
           END AS value
    FROM grouped g
    LEFT JOIN {day_rate} fd ON fd.currency = g.unit AND fd.day = g.day
    LEFT JOIN {first_rate} ff ON ff.currency = g.unit
    LEFT JOIN {day_rate} td ON td.currency = g.target_unit AND td.day = g.day
    LEFT JOIN {first_rate} tf ON tf.currency = g.target_unit
)
SELECT target_id, SUM(value), MAX(rank), SUM(n), MAX(last_on),
       BOOL_OR(CASE WHEN kind = %(quantitative)s THEN value IS NULL ELSE n_rank < n END)
FROM valued
GROUP BY target_id
"""
# Subqueries rather than WITH: a CTE read twice is materialized, which PostgreSQL will not
# scan in parallel, and the grouping above is the part worth two workers.
DAY_RATE = """(SELECT * FROM unnest(string_to_array(%(rate_currencies)s, ','),
    string_to_array(%(rate_days)s, ',')::date[], string_to_array(%(rate_values)s, ',')::numeric[])
    AS r(currency, day, units_per_usd))"""
FIRST_RATE = """(SELECT * FROM unnest(string_to_array(%(first_currencies)s, ','),
    string_to_array(%(first_values)s, ',')::numeric[]) AS r(currency, units_per_usd))"""
# Lists go as one comma-separated string each, split by the server: psycopg quotes a
# Python list element by element, which cost more than the query's own grouping.
CURRENCIES = "string_to_array(%(currencies)s, ',')"
STAGES_ARRAY = "string_to_array(%(stages)s, ',')"


def joined(values) -> str:
    return ",".join(map(str, values))


def totals_by_commitment(
    as_of: date, tree: CommitmentTree, targets: set[int] | None = None
) -> dict[int, Totals]:
    """Totals of every target (all commitments when None); those with no counted evidence
    are absent. PostgreSQL only (supported())."""
    everything = targets is None
    targets = set(tree.parent) if everything else targets
    ancestors, descendants = [], []
    for cid in targets:
        for member in (cid, *tree.descendants(cid)):
            ancestors.append(cid)
            descendants.append(member)
    counted = Milestone.objects.counted(as_of).order_by()
    if not everything:
        counted = counted.filter(commitment_id__in=set(descendants))
    sql, values = counted.values(
        "commitment_id", "occurred_on", "amount", "unit", "stage"
    ).query.sql_with_params()
    # The ORM's placeholders are positional: name them, so one dict holds every value.
    names = {f"counted_{i}": value for i, value in enumerate(values)}
    sql = SQL.format(
        commitments=Commitment._meta.db_table,
        day_rate=DAY_RATE,
        first_rate=FIRST_RATE,
        currencies=CURRENCIES,
        stages=STAGES_ARRAY,
        counted=sql % tuple(f"%({name})s" for name in names),
    )
    rates = load_rates()
    daily = list(zip(*rates.daily(as_of), strict=True)) or [(), (), ()]
    earliest = list(rates.earliest())
    params = {
        **names,
        "ancestors": joined(ancestors),
        "descendants": joined(descendants),
        "rate_currencies": joined(daily[0]),
        "rate_days": joined(daily[1]),
        "rate_values": joined(daily[2]),
        "first_currencies": joined(rate.currency for rate in earliest),
        "first_values": joined(rate.units_per_usd for rate in earliest),
        "currencies": joined(sorted(CURRENCY_CODES)),
        "base": BASE_CURRENCY,
        "stages": joined(STAGES),
        "quantitative": QUANTITATIVE,
    }
    found = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Room to group in memory (the default 4 MB makes PostgreSQL sort on disk), and no
        # JIT compilation, which costs more than it saves on a query this size.
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
