"""The figures the benchmark measures inside one Django process, on the data of one scale.

Each figure is run several times (fewer when the runs so far have used its time budget) and
reported as the median, with every run kept. Queries are counted with an execute wrapper,
which unlike CaptureQueriesContext has no 9,000-query cap.
"""

from __future__ import annotations

import itertools
import resource
import statistics
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, timedelta

from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.db.models import Count, Max, Q
from django.test import Client
from django.utils import timezone

from bench.report import PAGES
from tracker.commitments.models import Commitment, Milestone, Pillar
from tracker.digest.models import DigestSend, Subscriber
from tracker.digest.sending import send_weekly_digest
from tracker.methodology import vocabulary as v
from tracker.ops.synthetic import mix
from tracker.progress import engine
from tracker.progress.models import (
    CommitmentProgress,
    CommitmentProgressHistory,
    OverallProgress,
    PillarProgress,
)

FLOOR_SQL = "SELECT commitment_id, SUM(amount) FROM commitments_milestone GROUP BY commitment_id"


def runs_of(
    action: Callable[[], object],
    runs: int,
    budget_s: float,
    before: Callable[[], object] | None = None,
    warm_up: bool = False,
) -> dict:
    """Time `action` up to `runs` times; stop early once the runs so far took `budget_s`.
    `before` runs untimed ahead of each run; `warm_up` runs the action once untimed first."""
    if warm_up:
        action()
    seconds = []
    while len(seconds) < max(1, runs) and (not seconds or sum(seconds) < budget_s):
        if before:
            before()
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return {"s": statistics.median(seconds), "runs": [round(s, 6) for s in seconds]}


class QueryCount:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


@contextmanager
def counting_queries():
    counter = QueryCount()
    with connection.execute_wrapper(counter):
        yield counter


def sql_floor() -> None:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        cursor.fetchall()


def forget_current_rollups() -> None:
    """Drop the stored current figures (and today's chart point), so the next recompute
    computes and writes every one of them."""
    CommitmentProgress.objects.all().delete()
    PillarProgress.objects.all().delete()
    OverallProgress.objects.all().delete()
    CommitmentProgressHistory.objects.filter(as_of=engine.today()).delete()


def recompute_figures(runs: int, budget_s: float) -> dict:
    """The engine's figures, in an order that leaves the rollups stored after each."""
    # The two quick figures run three times as often: a median of more runs is steadier.
    figures = {"sql_floor": runs_of(sql_floor, runs * 3, budget_s)}
    # Straight after generation the rollup tables are empty: the first build writes it all.
    figures["history_first_build"] = runs_of(engine.recompute, 1, budget_s)
    figures["history_rebuild"] = beside_the_floor(engine.recompute, runs, budget_s)
    figures["history_rows"] = CommitmentProgressHistory.objects.count()

    def current_only():
        engine.recompute(None, rebuild_history=False)

    figures["full_recompute"] = beside_the_floor(
        current_only, runs, budget_s, forget_current_rollups
    )
    figures["daily_recompute"] = runs_of(current_only, runs, budget_s)
    figures["incremental_recompute"] = incremental_recompute(runs * 3, budget_s)
    return figures


def beside_the_floor(
    action: Callable[[], object],
    runs: int,
    budget_s: float,
    before: Callable[[], object] | None = None,
) -> dict:
    """runs_of(action), with the floor timed just before each run (`floor_s`, the median):
    on a shared machine whose speed drifts by a third within minutes, a figure over the
    floor is taken from the two measured side by side."""
    floors = []

    def timed_floor():
        if before:
            before()
        started = time.perf_counter()
        sql_floor()
        floors.append(time.perf_counter() - started)

    result = runs_of(action, runs, budget_s, timed_floor)
    return result | {
        "floor_s": statistics.median(floors),
        "floor_runs": [round(s, 6) for s in floors],
    }


def incremental_recompute(runs: int, budget_s: float) -> dict:
    """Correct the amount of one published milestone, then time the recompute of its
    commitment (and those it is part of), as the task queued by that save would run it."""
    commitment = (
        Commitment.objects.filter(kind=v.QUANTITATIVE)
        .annotate(n=Count("milestones", filter=Q(milestones__amount__isnull=False)))
        .filter(n__gt=0)
        .order_by("n", "id")
    )
    commitment = commitment[commitment.count() // 2]
    milestone = (
        Milestone.objects.filter(commitment=commitment, status=v.PUBLISHED, amount__isnull=False)
        .order_by("-occurred_on", "-id")
        .first()
    )
    steps = itertools.cycle((1, -1))

    def correct():
        milestone.amount += next(steps)
        milestone._change_reason = "Benchmark: the amount was corrected."
        milestone.save()

    result = runs_of(lambda: engine.recompute([commitment.id]), runs, budget_s, correct)
    return result | {"commitment": commitment.slug, "milestones": commitment.n}


def busiest_pages() -> dict[str, str]:
    """The address of each measured page at this scale."""
    # Quantitative: their pages do the most (conversions, sub-targets), and a deliverable's
    # page makes fewer queries, so both scales must measure the same kind.
    commitment = (
        Commitment.objects.filter(kind=v.QUANTITATIVE)
        .annotate(n=Count("milestones"))
        .order_by("-n", "id")
        .first()
        .slug
    )
    pillar = Pillar.objects.annotate(n=Count("commitments")).order_by("-n", "id").first().slug
    return {
        name: name.replace("<slug>", commitment if "commitments" in name else pillar)
        for name in PAGES
    }


def page_figures(runs: int, budget_s: float) -> dict:
    """Each page with the page cache off (the process runs with BENCH_PAGE_CACHE=off):
    queries and time to the last byte, the body consumed as a server would send it. A
    streamed response (the export) is timed to its first byte, when the reader's download
    starts; its whole body, which grows with the rows it holds, is `whole_s`."""
    client = Client()
    figures = {}
    for name, path in busiest_pages().items():
        seen, first_bytes = {}, []

        def fetch(path=path, seen=seen, first_bytes=first_bytes):
            with counting_queries() as queries:
                started = time.perf_counter()
                response = client.get(path)
                chunks = iter(response)
                size = len(next(chunks, b""))
                first_bytes.append(time.perf_counter() - started)
                size += sum(len(chunk) for chunk in chunks)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            seen.update(queries=queries.n, bytes=size, streamed=response.streaming)

        # Warmed up: templates compile on first use.
        timed = runs_of(fetch, runs, budget_s, warm_up=True)
        if seen["streamed"]:
            first = first_bytes[1:]  # not the warm-up
            timed = {
                "s": statistics.median(first),
                "runs": [round(s, 6) for s in first],
                "whole_s": timed["s"],
                "whole_runs": timed["runs"],
            }
        figures[name] = {"path": path} | timed | seen
    return figures


class MeasuringEmailBackend(BaseEmailBackend):
    """Builds each message as the SMTP backend does, then keeps only how many were sent and
    the size of the largest body (text and HTML): ten thousand digests stay out of memory."""

    sent = 0
    largest_body = 0

    def send_messages(self, messages):
        cls = type(self)
        for message in messages:
            message.message().as_bytes()
            alternatives = getattr(message, "alternatives", ())
            parts = [message.body, *(content for content, _ in alternatives)]
            size = sum(len(part.encode()) for part in parts if isinstance(part, str))
            cls.largest_body = max(cls.largest_body, size)
            cls.sent += 1
        return len(messages)

    @classmethod
    def reset(cls):
        cls.sent = cls.largest_body = 0


def typical_week() -> tuple[date, int]:
    """The Sunday ending a typical (Monday-to-Sunday, UTC) week of the synthetic span, the
    median by milestones published in it, and how many were."""
    sundays = Counter(
        published.date() + timedelta(days=6 - published.weekday())
        for published in Milestone.objects.published().values_list("published_at", flat=True)
    )
    weeks = sorted((n, day) for day, n in sundays.items() if day <= mix.LAST_EVIDENCE_ON)
    n, sunday = weeks[len(weeks) // 2] if weeks else (0, mix.LAST_EVIDENCE_ON)
    return sunday, n


def digest_figures(readers: tuple[int, ...], runs: int, budget_s: float) -> dict:
    """Send a typical week's digest to the first n readers (the others unsubscribed
    meanwhile), for each n, with the send log emptied before each run so every run sends."""
    as_of, published = typical_week()
    figures = {"as_of": as_of.isoformat(), "published_that_week": published, "readers": {}}
    ids = list(Subscriber.objects.receiving().order_by("id").values_list("id", flat=True))
    for n in readers:
        if n > len(ids):
            raise RuntimeError(f"{n} readers asked for, {len(ids)} subscribed")
        paused = timezone.now()
        if n < len(ids):
            Subscriber.objects.filter(id__gt=ids[n - 1]).update(unsubscribed_at=paused)
        sent = {}

        def clear_log():
            DigestSend.objects.filter(week=as_of).delete()
            MeasuringEmailBackend.reset()

        def send(sent=sent):
            with counting_queries() as queries:
                report = send_weekly_digest(as_of)
            if not report.sent:
                raise RuntimeError("the digest sent nothing; pick a week with news")
            sent.update(
                queries=queries.n,
                sent=report.sent,
                email_kb_max=round(MeasuringEmailBackend.largest_body / 1024, 1),
            )

        try:
            result = runs_of(send, runs, budget_s, clear_log)
        finally:
            Subscriber.objects.filter(unsubscribed_at=paused).update(unsubscribed_at=None)
            DigestSend.objects.filter(week=as_of).delete()
        figures["readers"][str(n)] = result | sent
    return figures


def scale_figures(runs: int, budget_s: float, digest_readers: tuple[int, ...] = ()) -> dict:
    """Every in-process figure of one scale, on freshly generated data (rollups not yet
    computed)."""
    figures = recompute_figures(runs, budget_s)
    # Pages take tens of milliseconds: three times the runs, for a steadier median.
    figures["pages"] = page_figures(runs * 3, budget_s)
    if digest_readers:
        figures["digest"] = digest_figures(digest_readers, runs, budget_s * 1.5)
    figures["database"] = database_version()
    figures["data"] = {
        "commitments": Commitment.objects.count(),
        "milestones": Milestone.objects.count(),
        "subscribers": Subscriber.objects.count(),
        "last_milestone_on": str(Milestone.objects.aggregate(m=Max("occurred_on"))["m"]),
    }
    return figures


def database_version() -> str:
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{minor}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def peak_rss_mb(action: Callable[[], object]) -> float:
    """How far the process's peak resident memory rose while `action` ran, in MiB. Meant for
    a fresh process, whose peak so far is about what it holds now."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    action()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round((after - before) / 1024, 1)  # ru_maxrss is in KiB on Linux


def recompute_peak_mb() -> float:
    """Peak memory of a full recompute with chart history."""
    Commitment.objects.exists()  # connect first: the connection is not the recompute's
    return peak_rss_mb(engine.recompute)


def export_peak_mb() -> float:
    """Peak memory of serving /export/milestones.csv through the WSGI handler, with the
    configured page cache, the response iterated to its last byte."""
    client = Client()
    client.get("/healthz")  # load the URLconf, middleware and a connection first

    def export():
        response = client.get("/export/milestones.csv")
        for _ in response:
            pass

    return peak_rss_mb(export)
