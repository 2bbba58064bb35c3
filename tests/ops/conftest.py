import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.workers import free_port  # noqa: F401  (the ops tests import it from here)

ROOT = Path(__file__).resolve().parents[2]
# What a production process is started with; the shell's own settings are left out.
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "tracker.settings",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
}
SHELL_SETTINGS = {
    "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "PORT",
    "LOG_LEVEL", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT",
}  # fmt: skip


def environment(**env) -> dict:
    inherited = {k: v for k, v in os.environ.items() if k not in SHELL_SETTINGS}
    return inherited | env


def python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, env=environment(**env), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
