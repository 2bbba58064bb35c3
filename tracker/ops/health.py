"""What /healthz reports: the database, the broker and how far the stored rollups are behind.

Each check returns a small dict with a "status" of ok, degraded or fail; only "fail" makes
the endpoint answer 503. Error details go to the log, not to the public answer.
"""

import logging
import time

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from tracker.progress import engine

logger = logging.getLogger(__name__)

OK, DEGRADED, FAIL = "ok", "degraded", "fail"
# A monitor polls this: a hung Redis must cost it seconds, never a worker's whole timeout.
BROKER_TIMEOUT_SECONDS = 2.0


def check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.error("health: database check failed", exc_info=True)
        return {"status": FAIL, "error": type(error).__name__}
    return {"status": OK, "seconds": round(time.monotonic() - started, 3)}


def check_broker() -> dict:
    """PING the Redis that carries Celery's tasks; read per call, so a changed setting counts."""
    url = settings.REDIS_URL
    if not url:
        return {"status": OK, "mode": "in-process"}
    timeout = min(settings.BROKER_TIMEOUT_SECONDS, BROKER_TIMEOUT_SECONDS)
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),  # one attempt: the next poll is the retry
    )
    started = time.monotonic()
    try:
        client.ping()
    except Exception as error:
        logger.error("health: broker check failed", exc_info=True)
        return {"status": FAIL, "mode": "redis", "error": type(error).__name__}
    finally:
        client.close()
    return {"status": OK, "mode": "redis", "seconds": round(time.monotonic() - started, 3)}


def check_rollups() -> dict:
    """How many commitments' figures are behind their source rows, and since when.

    Behind for a while is normal (a save queues a recompute; the beat catches up every five
    minutes); behind for longer than HEALTH_MAX_STALE_SECONDS means nothing is catching up.
    """
    limit = settings.HEALTH_MAX_STALE_SECONDS
    try:
        behind = len(engine.stale_commitment_ids())
        oldest = engine.oldest_stale_mark()
    except Exception as error:
        logger.error("health: rollup check failed", exc_info=True)
        return {"status": FAIL, "error": type(error).__name__}
    age = None if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    if age is not None and age > limit:
        status = FAIL
    elif behind:
        status = DEGRADED
    else:
        status = OK
    return {
        "status": status,
        "behind": behind,
        "oldest_behind_since": oldest.isoformat() if oldest else None,
        "age_seconds": age,
        "limit_seconds": limit,
    }


def report() -> dict:
    database = check_database()
    checks = {"database": database, "broker": check_broker()}
    # Without a database there is nothing to say about the rollups.
    checks["rollups"] = check_rollups() if database["status"] == OK else {"status": FAIL}
    statuses = {check["status"] for check in checks.values()}
    overall = FAIL if FAIL in statuses else DEGRADED if DEGRADED in statuses else OK
    return {"status": overall, "checks": checks}
