"""Settings come from the environment, with safe embedded defaults."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRINT = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
    "s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], s.DEBUG)"
)


def run(env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "SITE_URL", "PORT"}
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT, env=base | {"DJANGO_SETTINGS_MODULE": "tracker.settings"} | env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_embedded_default_is_sqlite_with_tasks_in_process():
    result = run({"DEBUG": "true"})
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "LocMemCache", "True"]


def test_debug_is_off_unless_asked_for():
    # A server started with nothing set runs as production: no key, no start.
    result = run({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert run({"SECRET_KEY": "x" * 50}).stdout.split()[-1] == "False"


def test_a_bad_value_stops_the_start_naming_the_variable():
    result = run({"DEBUG": "true", "DIGEST_MAX_ATTEMPTS": "abc"})
    assert result.returncode != 0
    assert 'Environment variable "DIGEST_MAX_ATTEMPTS" invalid' in result.stderr
    result = run({"DEBUG": "maybe"})
    assert 'Environment variable "DEBUG" invalid' in result.stderr


def test_database_and_redis_urls_switch_to_real_services():
    result = run(
        {
            "DEBUG": "true",
            "DATABASE_URL": "postgres://u@db.internal:5432/t",
            "REDIS_URL": "redis://cache.internal:6379/0",
        }
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "RedisCache", "True"]


def test_production_refuses_to_start_without_a_secret_key():
    result = run({"DEBUG": "false", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert run({"DEBUG": "false", "SECRET_KEY": "x" * 50}).stdout.split()[-1] == "False"


def test_production_refuses_a_blank_secret_key():
    result = run({"DEBUG": "false", "SECRET_KEY": "   "})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def site_url(env):
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, env=base | {"DJANGO_SETTINGS_MODULE": "tracker.settings", "DEBUG": "true"} | env,
        capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip


def test_links_follow_the_port_make_run_serves_on():
    assert site_url({"PORT": "8123"}) == "http://127.0.0.1:8123"
    assert site_url({}) == "http://127.0.0.1:8000"
    assert site_url({"PORT": "8123", "SITE_URL": "https://tracker.example/"}) == (
        "https://tracker.example"
    )
