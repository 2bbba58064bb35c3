"""Logs: one JSON object per line in production, readable lines in development."""

import json

from .conftest import PRODUCTION, python

LOG_ONE_EVENT = (
    "import django, logging; django.setup(); "
    "logging.getLogger('tracker').warning('snapshot written to %s', 'x.gz', extra={'rows': 3})"
)


def test_production_logs_one_json_line_per_event_on_stdout():
    result = python(LOG_ONE_EVENT, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    event = json.loads(line)
    assert event["level"] == "WARNING"
    assert event["logger"] == "tracker"
    assert event["message"] == "snapshot written to x.gz"
    assert event["rows"] == 3
    assert event["timestamp"].startswith("20")


def test_an_exception_stays_inside_its_one_line():
    code = (
        "import django, logging; django.setup()\n"
        "try:\n    1 / 0\n"
        "except ZeroDivisionError:\n    logging.getLogger('tracker').exception('failed')"
    )
    result = python(code, **PRODUCTION)

    [line] = result.stdout.splitlines()
    event = json.loads(line)
    assert event["level"] == "ERROR"
    assert "ZeroDivisionError" in event["exc_info"]


def test_django_errors_are_logged_once_as_json():
    code = "import django, logging; django.setup(); logging.getLogger('django.request').error('x')"
    result = python(code, **PRODUCTION)

    [line] = result.stdout.splitlines()
    assert json.loads(line)["logger"] == "django.request"
    assert result.stderr == ""


def test_development_logs_readable_lines():
    result = python(LOG_ONE_EVENT, DJANGO_SETTINGS_MODULE="tracker.settings", DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.endswith("WARNING tracker: snapshot written to x.gz")
