"""The read-only JSON API: shapes, filters, errors."""

from datetime import date
from decimal import Decimal

import pytest

from tests import factories
from tracker.commitments.models import Commitment, Pillar
from tracker.progress.engine import today
from tracker.progress.models import CommitmentProgress

pytestmark = pytest.mark.django_db
LIST_FIELDS = {
    "slug",
    "title",
    "pillar",
    "agreement",
    "kind",
    "target_value",
    "target_unit",
    "start_date",
    "deadline",
    "weight",
    "achieved_value",
    "progress",
    "expected_progress",
    "status",
    "as_of",
    "computed_at",
    "url",
    # issue 13
    "meeting",
    "parent",
    "stage",
    "deadline_basis",
    "deadline_words",
    "computed_status",
    "assessment",
    "last_evidence_on",
    "no_recent_evidence",
}


def test_commitment_list_is_paginated_with_every_field(summit, client):
    response = client.get("/api/v1/commitments/", {"page_size": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Commitment.objects.count()
    assert len(body["results"]) == 10 and body["next"]
    assert LIST_FIELDS <= set(body["results"][0])


def test_ten_trillion_yen_target_reads_exactly(summit, client):
    slug = Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13")).slug
    item = client.get(f"/api/v1/commitments/{slug}/").json()
    assert Decimal(item["target_value"]) == Decimal("10000000000000")
    assert item["target_unit"] == "JPY" and item["deadline"] == "2035-08-29"
    row = CommitmentProgress.objects.get(commitment__slug=slug)
    assert item["status"] == row.status and item["progress"] == float(row.progress)
    assert item["sources"] and all(s["excerpt"] for s in item["sources"])
    assert item["deadline_basis"] == "stated" and item["stage"] is None


def test_deliverables_carry_a_stage_and_no_progress_figure(summit, client):
    slug = Commitment.objects.get(slug__startswith="chandrayaan-5").slug
    item = client.get(f"/api/v1/commitments/{slug}/").json()
    assert item["kind"] == "deliverable"
    assert item["stage"] == "agreed" and item["progress"] is None
    assert item["status"] == item["computed_status"] == "in_progress"
    assert item["deadline_basis"] == "assumed" and item["deadline_words"]
    assert item["last_evidence_on"] == "2025-08-29"


def test_detail_lists_only_published_milestones(summit, client):
    c = Commitment.objects.filter(milestones__isnull=False).first()
    factories.milestone(c, occurred_on=date(2025, 9, 2), title="Secret draft", status="draft")
    item = client.get(f"/api/v1/commitments/{c.slug}/").json()
    titles = [m["title"] for m in item["milestones"]]
    assert "Secret draft" not in titles
    assert titles and len(titles) == c.milestones.on_record(today()).count()


FILTER_LOOKUPS = {
    "pillar": "pillar__slug",
    "kind": "kind",
    "status": "progress__status",
    "stage": "progress__stage",
    "agreement": "agreement__slug",
    "meeting": "meeting__slug",
    "deadline_basis": "deadline_basis",
}
# A value of each filter that the seed data holds, with the smaller share of matches.
FILTER_VALUES = {
    "pillar": "economic-security",
    "kind": "quantitative",
    "status": "in_progress",
    "stage": "agreed",
    "agreement": None,  # the first agreement that has commitments
    "meeting": "modi-takaichi-meeting",
    "deadline_basis": "stated",
}


@pytest.mark.parametrize("field", FILTER_LOOKUPS)
def test_filters_return_exactly_the_matching_commitments(summit, client, field):
    value = (
        FILTER_VALUES[field]
        or (Commitment.objects.exclude(agreement=None).values_list("agreement__slug", flat=True)[0])
    )
    body = client.get("/api/v1/commitments/", {field: value, "page_size": 500}).json()
    expected = set(
        Commitment.objects.filter(**{FILTER_LOOKUPS[field]: value}).values_list("slug", flat=True)
    )
    assert expected and len(expected) < Commitment.objects.count()
    assert {item["slug"] for item in body["results"]} == expected


def test_text_search_finds_chandrayaan(summit, client):
    body = client.get("/api/v1/commitments/", {"q": "Chandrayaan"}).json()
    assert any("Chandrayaan-5" in item["title"] for item in body["results"])


def test_pillars_and_summary(summit, client):
    pillars = client.get("/api/v1/pillars/").json()
    assert [p["slug"] for p in pillars] == list(Pillar.objects.values_list("slug", flat=True))
    first = pillars[0]
    assert {
        "slug",
        "name",
        "order",
        "progress",
        "status_counts",
        "stage_counts",
        "commitment_count",
        "as_of",
    } <= set(first)
    detail = client.get(f"/api/v1/pillars/{first['slug']}/").json()
    assert (
        detail["commitment_count"] == Commitment.objects.filter(pillar__slug=first["slug"]).count()
    )
    summary = client.get("/api/v1/summary/").json()
    assert sum(summary["status_counts"].values()) == Commitment.objects.count()
    assert (
        sum(summary["stage_counts"].values())
        == Commitment.objects.filter(kind="deliverable").count()
    )
    assert 0 <= summary["progress"] <= 1


@pytest.mark.parametrize(
    "params",
    [
        {"pillar": "no-such-pillar"},
        {"status": "exploded"},
        {"status": "not_started"},  # a status the vocabulary no longer has
        {"kind": "milestone"},  # the kind renamed to deliverable
        {"stage": "halfway"},
        {"meeting": "no-such-meeting"},
        {"kind": "' OR 1=1 --"},
        {"page": "abc"},
        {"page": "-1"},
        {"page_size": "501"},
        {"page_size": "0"},
        {"sort": "password"},
        {"q": "a\x00b"},
    ],
)
def test_bad_parameters_get_a_400_with_a_message(summit, client, params):
    response = client.get("/api/v1/commitments/", params)
    assert response.status_code == 400
    assert response.json()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/commitments/no-such-thing/", "/api/v1/pillars/no-such-thing/",
     "/api/v1/commitments/%E2%80%AE%3Cx%3E/", "/api/v1/nothing-here/"],
)  # fmt: skip
def test_unknown_paths_are_json_404s(db, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_anonymous_clients_can_only_read(summit, client):
    assert client.post("/api/v1/commitments/", {"slug": "x"}).status_code in (401, 403, 405)
    slug = Commitment.objects.first().slug
    assert client.delete(f"/api/v1/commitments/{slug}/").status_code in (401, 403, 405)
    assert Commitment.objects.filter(slug=slug).exists()


def test_openapi_schema_documents_the_filters(db, client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert "/api/v1/commitments/" in text
    for name in ("pillar", "agreement", "status", "stage", "kind", "deadline_basis", "meeting",
                 "q", "page_size"):  # fmt: skip
        assert f"name: {name}" in text or f'"name": "{name}"' in text or (schema and name in text)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/commitments/%00/", "/api/v1/pillars/%00/", "/api/v1/commitments/a%00b/"],
)
def test_a_nul_in_a_slug_is_a_json_404_not_a_database_error(summit, client, path):
    # PostgreSQL refuses to compare a string holding NUL; the path must never reach it.
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
