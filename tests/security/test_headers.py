"""Every response carries the Content-Security-Policy and the other security headers."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

RESPONSES = {
    "home page": ("/", 200),
    "commitment list": ("/commitments/", 200),
    "methodology": ("/methodology/", 200),
    "subscribe form": ("/subscribe/", 200),
    "JSON API": ("/api/v1/commitments/", 200),
    "OpenAPI schema": ("/api/v1/schema/", 200),
    "API not found": ("/api/v1/commitments/no-such-commitment/", 404),
    "Atom feed": ("/feed/milestones.atom", 200),
    "CSV export": ("/export/milestones.csv", 200),
    "sitemap": ("/sitemap.xml", 200),
    "page not found": ("/no-such-page/", 404),
    "admin sign-in": ("/admin/login/", 200),
    "admin, signed out": ("/admin/", 302),
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


def assert_secured(response):
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"].split(", ")
    assert "geolocation=()" in response["Permissions-Policy"].split(", ")


@pytest.mark.parametrize(("path", "status"), RESPONSES.values(), ids=RESPONSES.keys())
def test_every_kind_of_response_carries_the_security_headers(summit, client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_secured(response)


def test_admin_pages_carry_the_security_headers(summit, editor_client):
    pages = ["/admin/", "/admin/commitments/milestone/add/", "/admin/desk/", "/admin/two-factor/"]
    for path in pages:
        response = editor_client.get(path, follow=True)
        assert response.status_code == 200, path
        assert_secured(response)


@pytest.mark.urls("tests.security.urls")
def test_a_server_error_carries_the_security_headers(db):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    assert_secured(response)
