"""/healthz: the database, the broker and how far the rollups are behind, for monitors."""

import socket
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tracker.commitments.models import Commitment
from tracker.progress import engine
from tracker.progress.models import RollupMark

from .conftest import free_port


@pytest.fixture
def silent_redis():
    """A port that takes connections (the kernel completes them) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


def behind_since(commitment_id: int, seconds_ago: int) -> None:
    """Mark a commitment's rollup behind as a save does, then date the mark back."""
    with transaction.atomic():
        engine.mark_stale([commitment_id])
    RollupMark.objects.filter(commitment_id=commitment_id).update(
        marked_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def top_level_commitment() -> Commitment:
    return Commitment.objects.filter(parent__isnull=True, children__isnull=True).first()


def test_a_healthy_tracker_answers_200_with_every_check(summit, client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    broker = body["checks"]["broker"]
    assert broker["status"] == "ok"
    assert broker["mode"] == ("redis" if settings.REDIS_URL else "in-process")
    assert body["checks"]["rollups"] == {
        "status": "ok",
        "behind": 0,
        "oldest_behind_since": None,
        "age_seconds": None,
        "limit_seconds": settings.HEALTH_MAX_STALE_SECONDS,
    }


def test_the_answer_is_never_cached_and_sets_no_cookie(summit, client):
    response = client.get("/healthz")

    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert "Set-Cookie" not in response.headers


def test_rollups_behind_longer_than_the_limit_answer_503_with_their_age(summit, client, settings):
    commitment = top_level_commitment()
    behind_since(commitment.id, settings.HEALTH_MAX_STALE_SECONDS + 120)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    rollups = body["checks"]["rollups"]
    assert rollups["status"] == "fail"
    assert rollups["behind"] == 1
    assert settings.HEALTH_MAX_STALE_SECONDS + 120 <= rollups["age_seconds"]
    assert rollups["age_seconds"] < settings.HEALTH_MAX_STALE_SECONDS + 180
    mark = RollupMark.objects.get(commitment=commitment)
    assert rollups["oldest_behind_since"] == mark.marked_at.isoformat()
    assert body["checks"]["database"]["status"] == "ok"


def test_rollups_behind_for_less_than_the_limit_are_degraded_not_down(summit, client, settings):
    behind_since(top_level_commitment().id, 60)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["rollups"]["behind"] == 1


def test_the_limit_comes_from_the_setting(summit, client, settings):
    behind_since(top_level_commitment().id, 60)
    settings.HEALTH_MAX_STALE_SECONDS = 30

    assert client.get("/healthz").status_code == 503


def test_a_broker_on_a_closed_port_answers_503_within_seconds(db, client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens

    started = time.monotonic()
    response = client.get("/healthz")

    assert time.monotonic() - started < 3
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"] == {
        "status": "fail",
        "mode": "redis",
        "error": "ConnectionError",
    }
    assert body["checks"]["database"]["status"] == "ok"


def test_a_broker_that_never_answers_costs_at_most_its_timeout(db, client, settings, silent_redis):
    settings.REDIS_URL = silent_redis

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["error"] == "TimeoutError"
    assert elapsed < 3.5  # one attempt, read timeout of at most two seconds
