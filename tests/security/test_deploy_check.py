"""Production settings pass Django's deployment checklist."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "tracker.settings",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "tracker.example",
    "SITE_URL": "https://tracker.example",
}
CHECK_DEPLOY = ["check", "--deploy", "--fail-level", "WARNING"]


def manage(*args, env):
    # Only what the test names: no DATABASE_URL, REDIS_URL or DEBUG from the shell.
    inherited = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=inherited | env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_production_settings_pass_check_deploy():
    result = manage(*CHECK_DEPLOY, env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_with_redis_passes_check_deploy():
    # The lockout counts move to the shared cache, which django-axes checks is not per-process.
    env = PRODUCTION | {"REDIS_URL": "redis://127.0.0.1:6379/12"}
    result = manage(*CHECK_DEPLOY, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_checklist_would_catch_a_weak_setting():
    # The same check fails when HSTS is turned off, so the passing runs above mean something.
    result = manage(*CHECK_DEPLOY, env=PRODUCTION | {"SECURE_HSTS_SECONDS": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_redirects_plain_http_except_the_health_check(tmp_path):
    """Monitors probe /healthz over plain HTTP inside the network; everything else moves
    to HTTPS."""
    code = (
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "print(c.get('/healthz').status_code, c.get('/').status_code)"
    )
    env = PRODUCTION | {
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    inherited = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, env=inherited | env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    health, home = result.stdout.splitlines()[-1].split()  # after the JSON log lines
    assert home == "301"
    assert health != "301"  # 503 here: an empty database, but an answer, not a redirect
