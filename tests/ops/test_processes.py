"""The production processes: gunicorn with our configuration, the Celery worker, make prod."""

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import database_url_of

from .conftest import PRODUCTION, ROOT, environment, free_port

# A line in Celery's own plain format, which it writes when it takes the root logger over.
CELERY_PLAIN_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+: (INFO|WARNING|ERROR)/")


def start(command: list[str], **env) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=environment(**PRODUCTION, **env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> tuple[str, str]:
    process.terminate()
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


def get(url: str, timeout: float = 30.0):
    """GET once the server listens; (status, body) even for an error status."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def serve_healthz(database_url: str) -> tuple[int, dict, str]:
    port = free_port()
    server = start(
        [sys.executable, "-m", "gunicorn", "-c", "python:tracker.ops.gunicorn", "tracker.wsgi"],
        DATABASE_URL=database_url,
        **({"REDIS_URL": settings.REDIS_URL} if settings.REDIS_URL else {}),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    try:
        status, body = get(f"http://127.0.0.1:{port}/healthz")
    finally:
        stdout, stderr = stop(server)
    return status, json.loads(body), stdout


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_health_check_and_logs_every_line_as_json():
    status, body, log = serve_healthz(database_url_of(connection.settings_dict))

    assert status == 200, body
    assert body["checks"]["database"]["status"] == "ok"
    events = [json.loads(line) for line in log.splitlines()]
    assert any(e["logger"] == "gunicorn.error" and "Listening at" in e["message"] for e in events)
    [access] = [e for e in events if e["logger"] == "gunicorn.access"]
    assert '"GET /healthz HTTP/1.1" 200' in access["message"]


def test_a_database_that_is_down_answers_503():
    port = free_port()  # nothing listens there
    status, body, _ = serve_healthz(f"postgres://postgres@127.0.0.1:{port}/tracker")

    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"status": "fail", "error": "OperationalError"}


@pytest.mark.django_db(transaction=True)
def test_the_celery_worker_logs_json_lines(tmp_path):
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "--quiet", "-A", "tracker", "worker", "--pool=solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env=environment(
                **PRODUCTION,
                DATABASE_URL=database_url_of(connection.settings_dict),
                **({"REDIS_URL": settings.REDIS_URL} if settings.REDIS_URL else {}),
            ),
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop(worker)
    lines = log_path.read_text().splitlines()

    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert any(e["logger"] == "celery.apps.worker" and "ready" in e["message"] for e in events)
    assert not [line for line in lines if CELERY_PLAIN_LINE.match(line)]


def test_make_prod_refuses_to_start_without_its_settings():
    result = subprocess.run(
        ["make", "--no-print-directory", "prod"],
        cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode != 0
    assert "make prod: set DATABASE_URL REDIS_URL SECRET_KEY ALLOWED_HOSTS first" in result.stderr
    assert "migrate" not in result.stdout
