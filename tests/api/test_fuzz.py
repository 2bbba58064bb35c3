"""Schemathesis fuzzes every API operation from its OpenAPI schema, in-process.

Both valid and invalid requests are generated (NUL bytes included), and the suite runs on
PostgreSQL as well as SQLite, where a NUL that reached a query would be a server error.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tracker.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture
def seeded(summit):
    """Seed data, and requests that keep the test's connection open, as Django's Client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def errors_are_json_with_a_message(ctx, response, case):
    """An error answer is JSON a client can read: a detail, or a message per parameter."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"an error answered as {content_type}"
    body = response.json()
    assert isinstance(body, dict) and body and all(body.values()), f"no message in {body!r}"
    return None


@schema.parametrize()
@settings(
    # Per operation; enough to meet every parameter's hostile values, and quick.
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_api_answers_every_generated_request_as_documented(case, seeded):
    # Unknown slugs are a documented 400, so "schema-valid input accepted" is not checked.
    case.call_and_validate(
        checks=[
            not_a_server_error,
            errors_are_json_with_a_message,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
