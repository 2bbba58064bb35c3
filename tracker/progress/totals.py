"""The rules applied in SQL, for the commitments whose evidence raises no problem.

The rules in tracker.methodology say what counts, how an amount converts and what status
follows; evaluating them milestone by milestone in Python cost 30 times one GROUP BY over the
milestones at 100,000 of them, and a chart history 150 times. Here PostgreSQL applies the
same rules to every row (numeric arithmetic, so the figures agree with the rules' Decimals):
`totals_by_commitment` sums each commitment's counted evidence for the day's figures, and
`rebuild_history` computes and writes every chart point.

A commitment with any milestone the rules would report as a problem (no amount, no stage, a
unit that cannot convert, no rate) is flagged instead, and the engine evaluates it with the
rules themselves, which word the problem. tests/progress/test_totals.py holds SQL and rules
to the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from tracker.commitments.models import Commitment, Milestone
from tracker.methodology import rules
from tracker.methodology import vocabulary as v
from tracker.methodology.units import CURRENCY_CODES, RateTable

from .inputs import CommitmentTree
from .models import CommitmentProgressHistory


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


# Every counted milestone, once for its own commitment and again for each commitment above
# it (through the few (ancestor, descendant) pairs of sub-targets), read from an index that
# holds every column used here. `counts` is the rules' `inherited` test: a sub-target's
# amount counts above it where the units add up, its stages never. An amount in another
# currency is multiplied by the day's factor (RateTable.factors), so nothing is summed by day
# first (grouping by day cost more than all the rest) and nothing is divided; the product is
# kept to 20 decimals (the rules' Decimals keep 28 digits in all), as sums of 46-decimal
# numbers cost more than the rest of the chart. `problem` is what the rules would report.
CONTRIBUTIONS = """
SELECT m.target_id, m.occurred_on,
       m.own OR c.kind = %(quantitative)s
                AND (m.unit = c.target_unit
                     OR m.unit = ANY({currencies}) AND c.target_unit = ANY({currencies}))
           AS counts,
       CASE WHEN c.kind <> %(quantitative)s THEN NULL
            WHEN m.unit = c.target_unit THEN m.amount
            ELSE round(m.amount * f.factor, 20) END AS value,
       CASE WHEN c.kind <> %(quantitative)s THEN {rank} END AS rank,
       CASE WHEN c.kind <> %(quantitative)s THEN {rank} IS NULL
            ELSE m.amount IS NULL OR m.unit <> c.target_unit AND f.factor IS NULL END
           AS problem
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
"""
INHERITED = """
    UNION ALL
    SELECT t.ancestor, m.occurred_on, m.amount, m.unit, m.stage, FALSE
    FROM ({milestones}) m
    JOIN unnest(string_to_array(%(ancestors)s, ',')::bigint[],
                string_to_array(%(descendants)s, ',')::bigint[]) t(ancestor, descendant)
         ON t.descendant = m.commitment_id
"""
TOTALS = """
SELECT target_id, SUM(value), MAX(rank), COUNT(*), MAX(occurred_on), BOOL_OR(problem)
FROM ({contributions}) counted
WHERE counts
GROUP BY target_id
"""
# Lists go as one comma-separated string each, split by the server: psycopg quotes a
# Python list element by element, which cost more than the query's own grouping.
CURRENCIES = "string_to_array(%(currencies)s, ',')"
# A stage's rank (1 for the first of STAGES), NULL when the milestone names none.
RANK = "(CASE m.stage {} END)".format(
    " ".join(f"WHEN '{stage}' THEN {rank}" for rank, stage in enumerate(v.STAGES, 1))
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


def contributions(
    as_of: date,
    tree: CommitmentTree,
    target_units: Mapping[int, str],
    rates: RateTable,
    everything: bool,
) -> tuple[str, dict]:
    """CONTRIBUTIONS for the commitments in `target_units` ({id: target unit}), with its
    parameters. `everything` says they are all the commitments there are, so the milestones
    are read without a list of ids."""
    # Sub-targets only: every milestone is read for its own commitment anyway.
    ancestors, descendants = [], []
    for cid in target_units:
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
        own = own.filter(commitment_id__in=target_units.keys())
    own, own_values = as_sql(own, "own")
    sql = CONTRIBUTIONS.format(
        commitments=Commitment._meta.db_table,
        currencies=CURRENCIES,
        rank=RANK,
        own=own,
        inherited=inherited,
    )
    factors = rates.factors(set(target_units.values()), as_of)
    columns = list(zip(*factors, strict=True)) or [(), (), (), ()]
    return sql, {
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
        "quantitative": v.QUANTITATIVE,
    }


def run(sql: str, params: dict) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        # Room to hash and sort in memory (the default 4 MB spills to disk); no JIT
        # compilation, which costs more than it saves here; and no merge joins, which the
        # planner picks for the factors table it cannot estimate, then rescans millions of
        # times.
        cursor.execute(
            "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL enable_mergejoin = off"
        )
        cursor.execute(sql, params)
        return cursor.fetchall()


def totals_by_commitment(
    as_of: date,
    tree: CommitmentTree,
    target_units: Mapping[int, str],
    rates: RateTable,
    everything: bool = False,
) -> dict[int, Totals]:
    """Totals of the commitments in `target_units` ({id: target unit}); those with no
    counted evidence are absent. PostgreSQL only (supported())."""
    counted, params = contributions(as_of, tree, target_units, rates, everything)
    found = {}
    for cid, achieved, rank, evidence, last_on, irregular in run(
        TOTALS.format(contributions=counted), params
    ):
        found[cid] = Totals(
            achieved=achieved if achieved is not None else Decimal(0),
            stage=v.STAGES[rank - 1] if rank else v.STAGES[0],
            evidence=evidence,
            last_on=last_on,
            irregular=bool(irregular),
        )
    return found


def half_even(value: str, places: int, scale: int = 0) -> str:
    """SQL rounding `value` (never negative here) to `places` as Python rounds a Decimal,
    ties to even, where PostgreSQL's round() takes them away from zero; the result divided
    by 10 ** scale."""
    scaled = f"({value} * 1e{places})" if places else value
    return (
        f"(CASE WHEN {scaled} - floor({scaled}) = 0.5"
        f" THEN floor({scaled}) + mod(floor({scaled}), 2) ELSE round({scaled}) END"
        f" * 1e-{places + scale})"
    )


# The chart points of rules.evaluate_series: on each day a commitment's progress can change
# (rules.progress_dates: its start, each day a milestone of it or a sub-target counted, the
# as-of day), the running totals and the standing they give (rules.standing, status_for,
# expected_progress), rounded as the engine stores them. Then written as write_history in
# engine.py does: changed points only, and the days that are no longer points deleted.
HISTORY = """
WITH contributions AS ({contributions}),
-- One row per commitment and day, carrying the running totals: every row of a day gets
-- the day's totals (the window's peers), and DISTINCT ON keeps one, in the window's order.
running AS (
    SELECT DISTINCT ON (target_id, day) target_id, day,
           COALESCE(SUM(added) OVER w, 0) AS achieved,
           COALESCE(MAX(rank) OVER w, 1) AS rank,
           SUM(n) OVER w AS evidence,
           MAX(CASE WHEN n > 0 THEN day END) OVER w AS last_on,
           -- A problem anywhere: the rules evaluate the commitment, to word it.
           BOOL_OR(problem) OVER (PARTITION BY target_id) AS irregular
    FROM (
        SELECT target_id, occurred_on AS day, CASE WHEN counts THEN value END AS added,
               CASE WHEN counts THEN rank END AS rank, counts::int AS n,
               counts AND problem AS problem
        FROM contributions
        UNION ALL
        SELECT id, start_date, NULL, NULL, 0, FALSE FROM {commitments}
        WHERE id = ANY({targets}) AND start_date <= %(as_of)s
        UNION ALL
        SELECT id, %(as_of)s, NULL, NULL, 0, FALSE FROM {commitments}
        WHERE id = ANY({targets})
    ) marked
    WHERE target_id = ANY({targets})
    WINDOW w AS (PARTITION BY target_id ORDER BY day)
    ORDER BY target_id, day
),
standing AS (
    SELECT r.*, c.kind = %(quantitative)s AS quantitative, c.target_value, c.deadline,
           c.deadline_basis,
           -- Progress in millionths, divided once: its own rounding needs no other step.
           CASE WHEN c.kind <> %(quantitative)s THEN {fraction} * 1000000
                ELSE r.achieved * 1000000 / c.target_value END AS millionths,
           -- The rules' expected_progress as the fraction elapsed / span: days into the
           -- straight path over its length; a path of no length is 0 before its deadline, 1
           -- from it. (GREATEST and LEAST skip NULLs: without both dates, no path.)
           CASE WHEN c.start_date IS NULL OR c.deadline IS NULL THEN NULL
                WHEN c.deadline - c.start_date <= 0 THEN (r.day >= c.deadline)::int
                ELSE LEAST(GREATEST(r.day - c.start_date, 0), c.deadline - c.start_date)
           END AS elapsed,
           CASE WHEN c.start_date IS NOT NULL AND c.deadline IS NOT NULL
                THEN GREATEST(c.deadline - c.start_date, 1) END AS span
    FROM running r JOIN {commitments} c ON c.id = r.target_id
    WHERE NOT r.irregular
),
expecting AS (
    SELECT *, millionths * 0.000001 AS progress,
           -- The expected progress in whole millionths, and whether the rest is over half
           -- (> 0) or exactly half (0): rounded to even in integers, not numeric.
           elapsed * 1000000::bigint / span AS expected_floor,
           2 * mod(elapsed * 1000000::bigint, span) - span AS expected_half
    FROM standing
),
points AS (
    SELECT target_id AS commitment_id, day AS as_of,
           -- A sum of amounts in the target unit has no digits to round.
           CASE WHEN NOT quantitative THEN NULL
                WHEN scale(achieved) <= 4 THEN achieved
                ELSE {achieved} END AS achieved_value,
           CASE WHEN quantitative THEN {progress} ELSE progress END AS progress,
           CASE WHEN quantitative THEN '' ELSE {stage} END AS stage,
           CASE WHEN NOT quantitative OR span IS NULL THEN NULL
                ELSE (expected_floor + CASE WHEN expected_half > 0
                                             OR expected_half = 0 AND mod(expected_floor, 2) = 1
                                            THEN 1 ELSE 0 END) * 0.000001
           END AS expected_progress,
           -- The ladder of rules.status_for, compared without dividing: achieved / target
           -- against ratio * elapsed / span, both sides multiplied out.
           CASE WHEN evidence = 0 THEN %(no_evidence)s
                WHEN NOT quantitative AND rank = {complete}
                     OR quantitative AND achieved >= target_value THEN %(achieved)s
                WHEN deadline_basis = %(stated)s AND day > deadline THEN %(overdue)s
                WHEN quantitative AND deadline_basis = %(stated)s AND span IS NOT NULL THEN
                     CASE WHEN achieved * span >= %(on_track_ratio)s * elapsed * target_value
                          THEN %(on_track)s
                          WHEN achieved * span >= %(at_risk_ratio)s * elapsed * target_value
                          THEN %(at_risk)s
                          ELSE %(off_track)s END
                ELSE %(in_progress)s END AS status
    FROM expecting
),
-- New and changed points, and stored ones that are no longer points (commitment_id NULL).
changes AS (
    SELECT p.*, h.id AS stored_id
    FROM points p
    FULL JOIN (SELECT * FROM {history}
               WHERE commitment_id = ANY({targets})
                 AND commitment_id NOT IN (SELECT target_id FROM running WHERE irregular)) h
         ON h.commitment_id = p.commitment_id AND h.as_of = p.as_of
    WHERE h.id IS NULL OR p.commitment_id IS NULL
       OR (h.achieved_value, h.progress, h.stage, h.expected_progress, h.status)
          IS DISTINCT FROM (p.achieved_value, p.progress, p.stage, p.expected_progress, p.status)
),
written AS (
    INSERT INTO {history}
           (commitment_id, as_of, achieved_value, progress, stage, expected_progress, status)
    SELECT commitment_id, as_of, achieved_value, progress, stage, expected_progress, status
    FROM changes WHERE commitment_id IS NOT NULL
    ON CONFLICT (commitment_id, as_of) DO UPDATE SET
        achieved_value = EXCLUDED.achieved_value, progress = EXCLUDED.progress,
        stage = EXCLUDED.stage, expected_progress = EXCLUDED.expected_progress,
        status = EXCLUDED.status
    RETURNING 1
),
deleted AS (
    DELETE FROM {history}
    WHERE id IN (SELECT stored_id FROM changes WHERE commitment_id IS NULL)
    RETURNING 1
)
-- The day's totals, as totals_by_commitment gives them; the commitments with a problem
-- flagged. (Data-modifying statements in WITH run whether or not they are read.)
SELECT target_id, achieved, rank, evidence, last_on, irregular FROM running
WHERE day = %(as_of)s
"""
# The statuses the query names, as parameters.
STATUSES = ("no_evidence", "achieved", "overdue", "on_track", "at_risk", "off_track", "in_progress")


def rebuild_history(
    as_of: date,
    tree: CommitmentTree,
    target_units: Mapping[int, str],
    rates: RateTable,
    thresholds: rules.Thresholds,
    everything: bool = False,
) -> dict[int, Totals]:
    """Compute and write the chart points of the commitments in `target_units` ({id: target
    unit}), except those with a problem, and give every one's totals on the as-of day, as
    totals_by_commitment does: those with a problem flagged `irregular`, their points left
    for the rules to write. PostgreSQL only (supported())."""
    if not target_units:
        return {}
    counted, params = contributions(as_of, tree, target_units, rates, everything)
    ranks = list(enumerate(v.STAGES, 1))
    sql = HISTORY.format(
        contributions=counted,
        commitments=Commitment._meta.db_table,
        history=CommitmentProgressHistory._meta.db_table,
        targets="string_to_array(%(targets)s, ',')::bigint[]",
        fraction="(CASE rank {} END)".format(
            " ".join(f"WHEN {rank} THEN %(fraction_{rank})s::numeric" for rank, _ in ranks)
        ),
        stage="(CASE rank {} END)".format(
            " ".join(f"WHEN {rank} THEN '{stage}'" for rank, stage in ranks)
        ),
        complete=v.STAGES.index(v.COMPLETE) + 1,
        achieved=half_even("achieved", 4),
        progress=half_even("millionths", 0, scale=6),
    )
    params |= {f"fraction_{rank}": v.STAGE_FRACTIONS[stage] for rank, stage in ranks}
    params |= {name: getattr(v, name.upper()) for name in STATUSES}
    params |= {
        "targets": joined(target_units),
        "as_of": as_of,
        "on_track_ratio": thresholds.on_track,
        "at_risk_ratio": thresholds.at_risk,
        "stated": v.STATED,
    }
    return {
        cid: Totals(
            achieved=achieved if achieved is not None else Decimal(0),
            stage=v.STAGES[rank - 1] if rank else v.STAGES[0],
            evidence=evidence or 0,
            last_on=last_on,
            irregular=irregular,
        )
        for cid, achieved, rank, evidence, last_on, irregular in run(sql, params)
    }
