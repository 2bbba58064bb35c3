"""`make bench`: build the small and the large scale, each into a fresh database, measure every
figure and write bench/results/latest.json (README, Performance).

On PostgreSQL when DATABASE_URL points there: databases `<name>_bench_small` and
`<name>_bench_large` beside it on the same server, dropped afterwards (--keep keeps them).
Otherwise on SQLite files in a temporary folder, and it says so. Each step runs in its own
process with production's settings (DEBUG off), so no setting leaks from this shell.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import load, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"


@dataclass(frozen=True)
class Scale:
    commitments: int
    milestones: int
    subscribers: int


SCALES = {
    "small": Scale(commitments=30, milestones=1_000, subscribers=1_000),
    "large": Scale(commitments=1_000, milestones=100_000, subscribers=10_000),
}
# Settings the shell may hold that would change what is measured; each step sets its own.
SHELL_SETTINGS = {
    "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "PORT",
    "LOG_LEVEL", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT", "CONN_MAX_AGE",
    "EMAIL_BACKEND", "CACHE_KEY_PREFIX", "BENCH_PAGE_CACHE",
}  # fmt: skip


class Databases:
    """A fresh database per scale: PostgreSQL beside DATABASE_URL's, or SQLite files."""

    def __init__(self, url: str):
        self.url = url
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        self.folder = None if self.postgres else Path(tempfile.mkdtemp(prefix="tracker-bench-"))

    def describe(self) -> str:
        if self.postgres:
            return f"PostgreSQL at {urlsplit(self.url).hostname} (DATABASE_URL)"
        return "SQLite (DATABASE_URL does not point to PostgreSQL): not the figures of issue 16"

    def name(self, scale: str) -> str:
        return f"{urlsplit(self.url).path.lstrip('/') or 'tracker'}_bench_{scale}"

    def _admin(self):
        import psycopg

        parts = urlsplit(self.url)
        return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)

    def create(self, scale: str) -> str:
        if not self.postgres:
            return f"sqlite:///{self.folder / f'{scale}.sqlite3'}"
        from psycopg import sql

        name = sql.Identifier(self.name(scale))
        with self._admin() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{self.name(scale)}"))

    def drop(self, scale: str) -> None:
        if not self.postgres:
            (self.folder / f"{scale}.sqlite3").unlink(missing_ok=True)
            return
        from psycopg import sql

        with self._admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.name(scale))
                )
            )

    def close(self) -> None:
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def environment(database_url: str, **extra) -> dict:
    """Production's settings, as `make prod` runs them, on the given database. REDIS_URL is
    left out (tasks stay in this process), except for gunicorn's cache when the shell set it."""
    inherited = {k: v for k, v in os.environ.items() if k not in SHELL_SETTINGS}
    return (
        inherited
        | {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "bench.figures.MeasuringEmailBackend",
        }
        | extra
    )


def step(label: str, command: list[str], env: dict) -> float:
    """Run one step in its own process; return its wall time, or stop with its output."""
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode:
        sys.exit(f"bench: {label} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    print(f"  {label}: {seconds:.1f} s", file=sys.stderr, flush=True)
    return seconds


def measure(label: str, what: str, env: dict, *options: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, "-m", "bench.measure", what, "--out", out.name, *options]
        step(label, command, env)
        return json.loads(Path(out.name).read_text())


def run_scale(name: str, scale: Scale, url: str, args) -> dict:
    env = environment(url, BENCH_PAGE_CACHE="off")
    manage = [sys.executable, "manage.py"]
    print(f"{name}: {asdict(scale)}", file=sys.stderr, flush=True)
    step("migrate", [*manage, "migrate", "--noinput", "--verbosity", "0"], env)
    generate = [
        *manage, "generate_synthetic", "--no-recompute", f"--seed={args.seed}",
        f"--commitments={scale.commitments}", f"--milestones={scale.milestones}",
        f"--subscribers={scale.subscribers}",
    ]  # fmt: skip
    figures = {"generate_s": round(step("generate_synthetic", generate, env), 2)}
    options = ["--runs", str(args.runs), "--budget", str(args.budget)]
    if name == "large":
        options += ["--digest-readers", *map(str, report.DIGEST_READERS)]
    figures |= measure("engine, pages and digest", "scale", env, *options)
    if name == "large":
        # Fresh processes, so each peak is the figure's own; the export with the configured
        # page cache, as the process that serves it runs.
        figures |= measure("recompute peak", "recompute-peak", env)
        figures |= measure("export peak", "export-peak", environment(url))
        gunicorn_env = environment(url, ALLOWED_HOSTS="127.0.0.1")
        if os.environ.get("REDIS_URL"):
            prefix = f"bench-{secrets.token_hex(4)}"
            gunicorn_env |= {"REDIS_URL": os.environ["REDIS_URL"], "CACHE_KEY_PREFIX": prefix}
        started = time.monotonic()
        figures["load"] = load.load_figures(
            gunicorn_env, figures["pages"]["/commitments/<slug>/"]["path"]
        )
        print(f"  gunicorn load: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return figures


def git(*args: str) -> str:
    done = subprocess.run(
        ["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip()


def machine() -> dict:
    memory = next(
        (
            round(int(line.split()[1]) / 1024**2, 1)
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        None,
    )
    return {"cpu_count": os.cpu_count(), "ram_gb": memory, "platform": platform.platform()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds per figure before fewer runs"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's databases")
    args = parser.parse_args(argv)

    started = time.monotonic()
    databases = Databases(os.environ.get("DATABASE_URL", ""))
    print(f"bench: on {databases.describe()}", file=sys.stderr, flush=True)
    figures = {}
    try:
        for name, scale in SCALES.items():
            figures[name] = run_scale(name, scale, databases.create(name), args)
            if not args.keep:
                databases.drop(name)
    finally:
        databases.close()
    meta = {
        "database": figures["large"]["database"],
        "vendor": "postgresql" if databases.postgres else "sqlite",
        "scales": {name: asdict(scale) for name, scale in SCALES.items()},
        "seed": args.seed,
        "runs": args.runs,
        "budget_s": args.budget,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "python": platform.python_version(),
        "trivial_endpoint": "/healthz",
        "uncached": "the cache swapped for Django's DummyCache (BENCH_PAGE_CACHE=off)",
        "page_cache": "redis" if os.environ.get("REDIS_URL") else "locmem (one per process)",
        "bench_seconds": round(time.monotonic() - started, 1),
    } | machine()
    result = report.summarize(meta, figures["small"], figures["large"])
    missing = report.missing_keys(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{meta['database']}, {meta['cpu_count']} cores, {meta['ram_gb']} GB RAM")
    print(report.table(result))
    print(f"\nwrote {args.out} in {meta['bench_seconds']:.0f} s")
    if missing:
        sys.exit(f"bench: the result lacks {', '.join(missing)}")


if __name__ == "__main__":
    main()
