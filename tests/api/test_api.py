"""The read-only JSON API: shapes, filters, errors."""

from decimal import Decimal

import pytest

from tracker.commitments.models import Commitment, Milestone, Pillar
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


def test_detail_lists_only_published_milestones(summit, client):
    c = Commitment.objects.filter(milestones__isnull=False).first()
    Milestone.objects.create(
        commitment=c,
        occurred_on="2026-01-01",
        title="Secret draft",
        status="draft",
        percent_complete=50 if c.kind == "milestone" else None,
        amount=None if c.kind == "milestone" else 1,
        unit="" if c.kind == "milestone" else c.target_unit,
    )
    item = client.get(f"/api/v1/commitments/{c.slug}/").json()
    titles = [m["title"] for m in item["milestones"]]
    assert "Secret draft" not in titles
    assert len(titles) == c.milestones.published().count()


@pytest.mark.parametrize("field", ["pillar", "kind", "status", "agreement"])
def test_filters_return_exactly_the_matching_commitments(summit, client, field):
    sample = Commitment.objects.with_progress().first()
    value = {
        "pillar": sample.pillar.slug,
        "kind": sample.kind,
        "status": sample.progress.status,
        "agreement": sample.agreement.slug,
    }[field]
    body = client.get("/api/v1/commitments/", {field: value, "page_size": 500}).json()
    lookup = {
        "pillar": "pillar__slug",
        "status": "progress__status",
        "agreement": "agreement__slug",
    }
    expected = set(
        Commitment.objects.filter(**{lookup.get(field, field): value}).values_list(
            "slug", flat=True
        )
    )
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
        "commitment_count",
        "as_of",
    } <= set(first)
    detail = client.get(f"/api/v1/pillars/{first['slug']}/").json()
    assert (
        detail["commitment_count"] == Commitment.objects.filter(pillar__slug=first["slug"]).count()
    )
    summary = client.get("/api/v1/summary/").json()
    assert sum(summary["status_counts"].values()) == Commitment.objects.count()
    assert 0 <= summary["progress"] <= 1


@pytest.mark.parametrize(
    "params",
    [
        {"pillar": "no-such-pillar"},
        {"status": "exploded"},
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
    for name in ("pillar", "agreement", "status", "kind", "q", "page_size"):
        assert f"name: {name}" in text or f'"name": "{name}"' in text or (schema and name in text)
