"""Real processes beside the test: Celery workers (to run tasks, or to kill) and shells."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_worker(database_url: str, log_name: str, **env) -> subprocess.Popen:
    """Start `celery worker` (solo pool: the task runs in the process a test may kill) on
    the given database, with the broker from REDIS_URL in `env` or the environment."""
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / log_name, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tracker",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=database_url) | env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = ROOT / "test-artifacts" / log_name
    log.close()  # the child keeps its own handle
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def shell(code: str, database_url: str, **env) -> subprocess.CompletedProcess:
    """Run code in `manage.py shell` on the given database: autocommit, as an editor's shell.

    Without REDIS_URL in `env` the shell runs its tasks in-process.
    """
    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=base | {"DATABASE_URL": database_url} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    """A port nothing listens on (until someone binds it)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port
