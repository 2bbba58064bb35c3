import os

import pytest
from django.core.management import call_command

from tracker.progress import engine

IN_CI = os.environ.get("CI", "").lower() == "true"
# Playwright's sync API runs an event loop in the test thread; the ORM calls beside it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = "/usr/bin/chromium"


def require_service(name: str, configured: bool) -> None:
    """Skip a test whose service is not configured, except in CI, where it must run."""
    if configured:
        return
    if IN_CI:
        pytest.fail(f"{name} is required under CI=true but is not configured")
    pytest.skip(f"{name} not configured")


@pytest.fixture
def summit(db):
    """The 2025 summit fixtures, loaded as `make run` loads them, with rollups computed."""
    call_command("seed_tracker", verbosity=0)
    engine.recompute()


@pytest.fixture
def editor(db, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("ed", "ed@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer(db, django_user_model):
    """A member of Reviewers: publishes, withdraws, corrects and assesses."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("rev", "rev@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


@pytest.fixture
def reviewer_client(reviewer):
    """A second browser session beside editor_client, signed in as the reviewer."""
    from django.test import Client

    client = Client()
    client.force_login(reviewer)
    return client


@pytest.fixture(autouse=True)
def tasks_in_process(request):
    """Run Celery tasks in-process, except in tests that drive a real worker."""
    from tracker.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def database_url_of(settings_dict) -> str:
    """A DATABASE_URL for the test database, so another process can use it."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker in its own process, on the configured Redis and the test DB."""
    import time

    import redis
    from django.conf import settings
    from django.db import connection

    from tests.workers import start_worker, stop_worker

    require_service("REDIS_URL", bool(settings.REDIS_URL))
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    worker = start_worker(database_url_of(connection.settings_dict), "celery-worker.log")
    from tracker.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail("the Celery worker did not start; see test-artifacts/celery-worker.log")
    yield worker
    stop_worker(worker)


def wait_for(condition, timeout=30.0, interval=0.2):
    """Poll until condition() is truthy; return its value or fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached pages of one test must never be served in another."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded build; no calls home from the sandbox."""
    require_service("Chromium (Debian package chromium)", os.path.exists(CHROMIUM))
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(config, items):
    """Refuse a test that asks for pytest-playwright's `page` without the browser mark: it
    would silently become a browser test, reordered among the transactional ones (which
    empty every table after them), and the tests after it would lose the migrations' data."""
    strays = [
        item.nodeid
        for item in items
        if "browser_name" in getattr(getattr(item, "callspec", None), "params", {})
        and not item.get_closest_marker("browser")
    ]
    if strays:
        raise pytest.UsageError(
            "these tests ask for a browser (a parameter named `page`?) without "
            "@pytest.mark.browser: " + ", ".join(strays[:5])
        )
