"""Faults of the broker, of workers and of timing never lose an update.

Each test ends with the stored rollups equal to a fresh recompute from the source rows.
The services are real: a listener that never answers, a closed port, a worker killed with
SIGKILL mid-task, recomputes racing on PostgreSQL.
"""

import re
import signal
import socket
import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from tests import factories
from tests.conftest import database_url_of, require_service, wait_for
from tests.workers import free_port, shell, start_worker, stop_worker
from tracker.commitments.models import Milestone
from tracker.progress import engine
from tracker.progress.models import (
    CommitmentProgress,
    CommitmentProgressHistory,
    OverallProgress,
    PillarProgress,
)
from tracker.progress.tasks import recompute_stale

pytestmark = pytest.mark.django_db


def rollups():
    """Every stored figure, without row ids or the time it was computed."""

    def rows(model, order):
        return [
            {k: v for k, v in row.items() if k not in ("id", "computed_at")}
            for row in model.objects.order_by(*order).values()
        ]

    return {
        "commitments": rows(CommitmentProgress, ["commitment_id"]),
        "history": rows(CommitmentProgressHistory, ["commitment_id", "as_of"]),
        "pillars": rows(PillarProgress, ["pillar_id"]),
        "overall": rows(OverallProgress, ["key"]),
    }


def assert_equal_to_a_fresh_recompute():
    stored = rollups()
    assert engine.stale_commitment_ids() == []
    assert engine.oldest_stale_mark() is None
    engine.recompute()
    assert stored == rollups()


def dollar_commitment(**kwargs):
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD", **kwargs)
    factories.milestone(c, amount=Decimal(1), unit="USD")
    engine.recompute([c.id])
    return c


def save_in_shell(commitment_id, title, **env):
    """Save a published, sourced milestone in a shell and print how long the save took."""
    code = (
        "import time; from tracker.commitments.models import Milestone, Source; "
        "from django.db import transaction; started = time.monotonic(); "
        "with_source = transaction.atomic(); with_source.__enter__(); "
        f"m = Milestone.objects.create(commitment_id={commitment_id}, occurred_on='2025-09-02', "
        f"title={title!r}, amount=5, unit='USD', status='published'); "
        "m.sources.add(Source.objects.create(title='Report', excerpt='Five more.')); "
        "with_source.__exit__(None, None, None); "
        "print(f'SAVED IN {time.monotonic() - started:.2f}')"
    )
    return shell(code, database_url_of(connection.settings_dict), **env)


def seconds_taken(finished) -> float:
    line = next(line for line in finished.stdout.splitlines() if line.startswith("SAVED IN"))
    return float(line.split()[-1])


@pytest.fixture
def hung_broker():
    """A TCP listener that accepts every connection and never answers: a hung Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["hung", "closed"])
def test_a_save_is_kept_and_caught_up_whatever_the_broker_does(broker, request):
    c = dollar_commitment()
    url = request.getfixturevalue("hung_broker") if broker == "hung" else (
        f"redis://127.0.0.1:{free_port()}/0"  # nothing listens
    )  # fmt: skip
    finished = save_in_shell(c.id, "Saved while the broker is out", REDIS_URL=url)

    assert finished.returncode == 0, finished.stderr
    assert seconds_taken(finished) < 10
    assert "left to recompute_stale" in finished.stderr
    assert Milestone.objects.filter(title="Saved while the broker is out").exists()
    # Committed with the save: the figures are known to be behind.
    assert engine.stale_commitment_ids() == [c.id]
    assert engine.oldest_stale_mark() is not None
    assert CommitmentProgress.objects.get(commitment=c).achieved_value == Decimal(1)

    assert recompute_stale() == 1  # the beat's catch-up, once a broker is back
    assert CommitmentProgress.objects.get(commitment=c).achieved_value == Decimal(6)
    assert_equal_to_a_fresh_recompute()


def test_a_change_rolled_back_leaves_no_mark():
    c = dollar_commitment()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.milestone(c, amount=Decimal(5), unit="USD")
        assert engine.stale_commitment_ids() == [c.id]
        raise RuntimeError("the editor's import failed on a later row")
    assert engine.stale_commitment_ids() == []


def test_a_sub_target_change_marks_the_commitment_it_is_part_of():
    parent = dollar_commitment()
    child = dollar_commitment(parent=parent, pillar=parent.pillar)
    with transaction.atomic():
        factories.milestone(child, amount=Decimal(5), unit="USD")
        assert engine.stale_commitment_ids() == sorted([parent.id, child.id])


@pytest.mark.parametrize("stored_first", ["older", "newer"])
def test_racing_recomputes_never_keep_the_older_result(stored_first):
    """A recompute that read the rows before a change stores nothing for that commitment,
    whether it finishes before or after the one that read them after."""
    c = dollar_commitment()
    other = dollar_commitment()
    older = engine.compute([c.id, other.id])
    factories.milestone(c, amount=Decimal(5), unit="USD")  # marks c; its task waits for commit
    newer = engine.compute([c.id])

    if stored_first == "older":
        assert engine.store(older) == 1  # `other` only: c changed after it was read
        assert engine.stale_commitment_ids() == [c.id]
        assert engine.store(newer) == 1
    else:
        assert engine.store(newer) == 1
        assert engine.store(older) == 1
    assert CommitmentProgress.objects.get(commitment=c).achieved_value == Decimal(6)
    assert_equal_to_a_fresh_recompute()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recomputes_racing_with_saves_end_equal_to_a_fresh_recompute():
    """Threads recompute everything in a loop while milestones are saved, on PostgreSQL,
    where they really run at once."""
    require_service("PostgreSQL", connection.vendor == "postgresql")
    commitments = [dollar_commitment() for _ in range(4)]
    stop, errors = threading.Event(), []

    def recompute_in_a_loop():
        try:
            while not stop.is_set():
                engine.recompute()
        except Exception as error:  # reported below; a thread's failure must fail the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=recompute_in_a_loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(8):
            for c in commitments:
                factories.milestone(c, amount=Decimal(round_ + 1), unit="USD")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    expected = Decimal(1 + sum(range(1, 9)))
    assert {CommitmentProgress.objects.get(commitment=c).achieved_value for c in commitments} == {
        expected
    }
    assert_equal_to_a_fresh_recompute()


def received_recomputes(log_path) -> set[str]:
    """The ids of recompute tasks a worker's log says it received."""
    return set(re.findall(r"recompute_commitments\[([0-9a-f-]+)\] received", log_path.read_text()))


def waiting_on_a_lock(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    ).fetchone()[0]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_loses_nothing():
    """SIGKILL a worker while its recompute waits on a lock: the change stays marked, and a
    new worker redoes the lost task (short visibility timeout) and catches up on start."""
    import psycopg
    import redis

    require_service("REDIS_URL", bool(settings.REDIS_URL))
    require_service("PostgreSQL", connection.vendor == "postgresql")
    # A broker database of its own, so the suite's worker cannot take this test's task.
    broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/14"
    redis.Redis.from_url(broker).flushdb()
    c = dollar_commitment()
    database_url = database_url_of(connection.settings_dict)

    worker = start_worker(database_url, "celery-worker-killed.log", REDIS_URL=broker)
    replacement = None
    with psycopg.connect(database_url, autocommit=False) as blocker:
        # Hold the overall row: the worker's recompute waits here, mid-task.
        blocker.execute("SELECT * FROM progress_overallprogress FOR UPDATE")
        try:
            wait_for(lambda: "ready" in worker.log_path.read_text(), timeout=60)
            finished = save_in_shell(c.id, "Saved before the worker died", REDIS_URL=broker)
            assert finished.returncode == 0, finished.stderr
            with psycopg.connect(database_url, autocommit=True) as watcher:
                wait_for(lambda: waiting_on_a_lock(watcher) > 0, timeout=60)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=20)
        finally:
            blocker.rollback()
    try:
        # Nothing cleared the mark: the catch-up knows these figures are behind.
        time.sleep(1)  # the killed worker's server process rolls back once the lock is free
        assert engine.stale_commitment_ids() == [c.id]
        assert CommitmentProgress.objects.get(commitment=c).achieved_value == Decimal(1)

        replacement = start_worker(
            database_url,
            "celery-worker-replacement.log",
            REDIS_URL=broker,
            BROKER_VISIBILITY_TIMEOUT_SECONDS="5",
        )
        wait_for(lambda: engine.stale_commitment_ids() == [], timeout=90)
        # The task the dead worker held is delivered again, not lost for an hour.
        lost = received_recomputes(worker.log_path)
        assert len(lost) == 1
        wait_for(lambda: lost <= received_recomputes(replacement.log_path), timeout=90)
    finally:
        for process in (worker, replacement):
            if process is not None and process.poll() is None:
                stop_worker(process)
    assert CommitmentProgress.objects.get(commitment=c).achieved_value == Decimal(6)
    assert_equal_to_a_fresh_recompute()
