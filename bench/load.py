"""Requests per second through gunicorn on 127.0.0.1, under a short, bounded load of our own:
a few threads, each with its own HTTP connection, requesting one address for a few seconds.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 8
SECONDS = 3.0
WARMUP_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with the production configuration (tracker.ops.gunicorn), two workers, each
    keeping its database connection, on a free port of 127.0.0.1."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.env = env | {
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "CONN_MAX_AGE": "60",
        }

    def __enter__(self) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "-c", "python:tracker.ops.gunicorn"]
        self.process = subprocess.Popen(
            [*command, "tracker.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,  # one JSON line per request: production logs them too
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {self.process.stderr.read().decode()}")
            try:
                if get(self.port, "/healthz") == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def hammer(port: int, path: str, seconds: float = SECONDS, concurrency: int = CONCURRENCY) -> dict:
    """Requests answered 200 per second. Each thread keeps its connection while the server
    does (gunicorn's sync workers close it after each answer; the client then reconnects)."""
    ok, errors = [0] * concurrency, [0] * concurrency
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                connection.close()
                continue
            if response.status == 200:
                ok[n] += 1
            else:
                errors[n] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "path": path,
        "rps": round(sum(ok) / elapsed, 1),
        "requests": sum(ok),
        "errors": sum(errors),
        "seconds": round(elapsed, 2),
        "concurrency": concurrency,
    }


def measured(port: int, path: str) -> dict:
    """After a warm-up that is not counted: each worker has connected, loaded its templates
    and, where the cache is on, cached the page."""
    hammer(port, path, WARMUP_SECONDS)
    return hammer(port, path)


def load_figures(env: dict, uncached_path: str) -> dict:
    """Trivial (/healthz) and cached (/) with the configured cache; then, with the page cache
    off, a commitment page and / rendered on every request."""
    with Gunicorn(env) as server:
        figures = {
            "trivial": measured(server.port, "/healthz"),
            "cached_page": measured(server.port, "/"),
        }
    with Gunicorn(env | {"BENCH_PAGE_CACHE": "off"}) as server:
        figures["uncached_page"] = measured(server.port, uncached_path)
        figures["uncached_home"] = measured(server.port, "/")
    return figures
