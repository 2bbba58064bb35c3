"""Hostile requests to every public address: a 4xx with a message, never a 5xx.

Each test walks one address through every hostile value and reports all the server errors
it met at once. The suite runs on PostgreSQL as well as SQLite: PostgreSQL refuses a NUL in
text that SQLite stores without complaint, so a NUL that reaches a query fails only there.
"""

import json

import pytest
from django.core import signing
from django.test import Client

from tests.summit import YEN
from tracker.api.views import server_error
from tracker.commitments.models import Commitment, Pillar
from tracker.digest import tokens
from tracker.progress.selectors import filtered_commitments

PILLAR = "economic-partnership"
HUGE = "99999999999999999999999"
LONG = "x" * 100_000

# Query values as a client sends them, percent-encoded: NUL, bytes that are not UTF-8 (a
# lone continuation byte, an overlong "/"), huge and odd numbers, dates that do not exist,
# and markup.
HOSTILE_VALUES = [
    "%00",
    "a%00b",
    "%FF",
    "%C0%AF",
    LONG,
    HUGE,
    str(10**20),
    "-1",
    "0",
    "1e309",
    "abc",
    "2025-02-30",
    "0000-00-00",
    "99999-01-01",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
]
# Query strings that are hostile as a whole: keys, repeats, ordering nobody offers.
HOSTILE_QUERIES = [
    "%00=1",
    "%FF=%FF",
    "a%00b=1&page=1",
    f"{LONG}=1",
    "page=1&page=2&page=%00",
    "sort=password",
    "sort=-",
    "sort=title,-deadline,password",
    "ordering=password",
    "ordering=-id,%00",
    "format=%00",
    "format=xml",
    "&&&==&",
]

FILTERS = ["pillar", "agreement", "status", "stage", "kind", "deadline_basis", "meeting"]
FILTERS += ["promised_by", "q", "sort"]

# Every public address that answers GET, with the query parameters it reads. Addresses
# that read none are still probed with "page" and every hostile query string.
PAGES = {
    "/": [],
    f"/pillars/{PILLAR}/": [],
    "/commitments/": [*FILTERS, "page"],
    f"/commitments/{YEN}/": [],
    "/agreements/": [],
    "/sources/": [],
    "/methodology/": [],
    "/corrections/": ["page"],
    "/feed/milestones.atom": [],
    f"/feed/pillars/{PILLAR}/milestones.atom": [],
    "/feed/corrections.atom": [],
    "/export/commitments.csv": [],
    "/export/milestones.csv": [],
    "/export/exchange-rates.csv": [],
    "/sitemap.xml": ["p"],
    "/subscribe/": [],
    "/subscribe/check-your-email/": [],
    "/api/v1/": ["format"],
    "/api/v1/summary/": ["format"],
    "/api/v1/schema/": ["format", "lang"],
    "/api/v1/commitments/": [*FILTERS, "page", "page_size", "format"],
    f"/api/v1/commitments/{YEN}/": ["format"],
    "/api/v1/pillars/": ["format"],
    f"/api/v1/pillars/{PILLAR}/": ["format"],
}

# Addresses with a variable part, and what goes in it.
PATH_TEMPLATES = [
    "/{}",
    "/{}/",
    "/pillars/{}/",
    "/commitments/{}/",
    "/commitments/{}",
    "/corrections/{}/",
    "/feed/pillars/{}/milestones.atom",
    "/export/{}.csv",
    "/api/v1/{}/",
    "/api/v1/commitments/{}/",
    "/api/v1/commitments/{}",
    "/api/v1/pillars/{}/",
    "/subscribe/confirm/{}/",
    "/subscribe/manage/{}/",
    "/unsubscribe/{}/",
]
HOSTILE_SEGMENTS = [
    "%00",
    "a%00b",
    "%FF",
    "%C0%AF",
    "%ED%A0%80",
    "%0A%0D",
    LONG,
    HUGE,
    "-1",
    "0",
    "..%2F..",
]


def signed_tokens():
    """Tokens that pass or nearly pass the signature check yet name nobody that exists."""
    manage = signing.Signer(salt=tokens.MANAGE_SALT)
    unsubscribe = signing.Signer(salt=tokens.UNSUBSCRIBE_SALT)
    confirm = tokens.CONFIRM_SALT
    return {
        "/subscribe/confirm/{}/": [
            signing.dumps({"s": int(HUGE), "c": "x", "p": [int(HUGE)]}, salt=confirm),
            signing.dumps({"s": -1, "c": "\x00", "p": ["\x00"]}, salt=confirm),
            signing.dumps({"s": "\x00", "p": None}, salt=confirm),
            signing.dumps([1, 2], salt=confirm),
            signing.dumps({"s": 1, "c": "x", "p": [1]}, salt="another.salt"),
        ],
        "/subscribe/manage/{}/": [manage.sign(HUGE), manage.sign("-1"), manage.sign("1\x00")],
        "/unsubscribe/{}/": [unsubscribe.sign(HUGE), unsubscribe.sign("")],
    }


BAD_TOKENS = ["!!!!", "abc:def", "a:b:c:d:e", "eyJzIjoxfQ:1abc:xyz", "%FF%FE:%00:1", "=" * 500]

API_ENDPOINTS = [
    "/api/v1/",
    "/api/v1/summary/",
    "/api/v1/schema/",
    "/api/v1/commitments/",
    f"/api/v1/commitments/{YEN}/",
    "/api/v1/pillars/",
    f"/api/v1/pillars/{PILLAR}/",
]


@pytest.fixture
def client():
    """A client that reports a server error as the 500 a visitor would get."""
    return Client(raise_request_exception=False)


def shown(text: str) -> str:
    return text if len(text) <= 100 else f"{text[:60]}…({len(text)} characters)…{text[-20:]}"


def fault(method: str, path: str, response) -> str | None:
    """What is wrong with an answer to a hostile request, or None if it is a sound 2xx-4xx."""
    request = f"{method} {shown(path)}"
    if response.status_code >= 500:
        return f"{request} -> {response.status_code}"
    if response.status_code < 400 or method == "HEAD":
        return None
    if path.startswith("/api/"):
        if not response["Content-Type"].startswith("application/json"):
            return f"{request} -> {response.status_code} as {response['Content-Type']}, not JSON"
        body = json.loads(response.content)
        if not (isinstance(body, dict) and body and all(body.values())):
            return f"{request} -> {response.status_code} with no message: {body!r}"
    elif not response.content.strip():
        return f"{request} -> {response.status_code} with an empty body"
    return None


def probe(client, requests) -> list[str]:
    """Send (method, path) requests; return what was wrong with each answer."""
    faults = [fault(method, path, client.generic(method, path)) for method, path in requests]
    return [problem for problem in faults if problem]


@pytest.mark.parametrize("address", PAGES)
def test_hostile_query_strings_never_get_a_server_error(summit, client, address):
    params = PAGES[address] or ["page"]
    queries = [f"{name}={value}" for name in params for value in HOSTILE_VALUES]
    requests = [("GET", f"{address}?{query}") for query in [*queries, *HOSTILE_QUERIES]]
    requests += [("HEAD", address), ("OPTIONS", address)]
    faults = probe(client, requests)
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("template", PATH_TEMPLATES)
def test_hostile_paths_never_get_a_server_error(summit, client, template):
    segments = [*HOSTILE_SEGMENTS, *signed_tokens().get(template, [])]
    if "{}/" in template and template.startswith(("/subscribe/", "/unsubscribe/")):
        segments += BAD_TOKENS
    requests = [(method, template.format(s)) for s in segments for method in ("GET", "POST")]
    faults = probe(client, requests)
    assert not faults, "\n".join(faults)


FORM = "application/x-www-form-urlencoded"
SUBSCRIBE_BODIES = [
    "email=a%00b%40example.org",
    "email=reader%40example.org&pillars=%00",
    "email=reader%40example.org&pillars=a%00b",
    "email=reader%40example.org&pillars=-1&pillars=abc",
    "email=%FF%FE%40example.org&pillars=%C0%AF",
    f"email={LONG}%40example.org",
    f"email=reader%40example.org&{LONG}=1",
    "%00=%00",
]


def test_hostile_subscribe_forms_never_get_a_server_error(summit, client):
    faults = []
    for number, body in enumerate(SUBSCRIBE_BODIES):
        # One client address each, so the rate limit never answers in the form's place.
        response = client.post(
            "/subscribe/", body.encode(), content_type=FORM, REMOTE_ADDR=f"192.0.2.{number}"
        )
        assert response.status_code != 429
        faults.append(fault("POST", f"/subscribe/ with {shown(body)}", response))
    assert not any(faults), "\n".join(filter(None, faults))


def test_a_pillar_id_past_64_bits_in_the_subscribe_form_is_no_server_error(summit, client):
    body = f"email=reader%40example.org&pillars={HUGE}"
    response = client.post("/subscribe/", body, content_type=FORM)
    assert not fault("POST", "/subscribe/", response)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_a_nul_given_to_the_shared_filter_is_a_message_not_a_database_error(summit):
    for name in FILTERS:
        filterset, queryset, valid = filtered_commitments({name: "a\x00b"})
        assert not valid and filterset.errors[name], name
        assert list(queryset) == []


@pytest.mark.parametrize("endpoint", API_ENDPOINTS)
def test_anonymous_writes_to_the_api_are_refused_with_a_json_message(summit, client, endpoint):
    before = (Commitment.objects.count(), Pillar.objects.count())
    body = json.dumps({"slug": "written", "title": "Written", "name": "Written"})
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.generic(method, endpoint, body, content_type="application/json")
        assert response.status_code in (401, 403, 405), method
        assert response.json()["detail"], method
    assert (Commitment.objects.count(), Pillar.objects.count()) == before


# What tracker.middleware.MalformedRequestMiddleware and the error handlers answer.


@pytest.mark.parametrize("query", ["q=%00", "%00=1", "q=a%00b&page=1", "q=%FF", "q=%C0%AF"])
def test_a_query_holding_a_nul_or_not_utf8_is_refused_before_any_view(db, client, query):
    page = client.get(f"/feed/milestones.atom?{query}")
    assert page.status_code == 400
    assert "<h1>Bad Request</h1>" in page.content.decode()
    assert "NUL character or text that is not UTF-8" in page.content.decode()
    api = client.get(f"/api/v1/commitments/?{query}")
    assert api.status_code == 400
    assert list(api.json().values())[0][0] in (
        "Must not hold a NUL character.",
        "Must be UTF-8 text.",
    )


def test_a_nul_in_a_path_names_no_page(db, client):
    assert client.get("/subscribe/confirm/a%00b/").status_code == 404
    assert client.get("/feed/corrections.atom%00").status_code == 404
    assert client.get("/api/v1/summary/%00").json() == {"detail": "Not found."}


def test_a_refused_method_is_answered_with_a_message(db, client):
    response = client.options("/subscribe/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert "does not take OPTIONS requests, only GET, HEAD, POST" in response.content.decode()
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_an_api_address_too_long_to_redirect_to_is_a_json_400(db, client):
    # Without its final slash, the address would be redirected to one past the length limit.
    response = client.get(f"/api/v1/commitments/{'x' * 20_000}")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_foreign_host_header_is_a_400_with_a_message(db, client):
    page = client.get("/", HTTP_HOST="attacker.example")
    assert page.status_code == 400
    assert "<h1>Bad Request</h1>" in page.content.decode()
    api = client.get("/api/v1/summary/", HTTP_HOST="attacker.example")
    assert api.status_code == 400 and api.json()["detail"]


def test_a_server_error_is_json_under_the_api_and_the_site_page_elsewhere(rf):
    api = server_error(rf.get("/api/v1/commitments/"))
    assert api.status_code == 500 and json.loads(api.content)["detail"]
    page = server_error(rf.get("/commitments/"))
    assert page.status_code == 500
    assert "<h1>Something went wrong</h1>" in page.content.decode()
    assert '<a href="/">Back to the dashboard</a>' in page.content.decode()
