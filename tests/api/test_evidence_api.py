"""Issue 13 in the JSON API: the fields every commitment carries, assessments, sub-targets,
and only counted evidence listed as having happened."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests import factories
from tests.summit import CHANDRAYAAN, EXCHANGE, TAKAICHI_ITEM, WORKERS, YEN
from tracker.commitments.models import Assessment, Commitment
from tracker.progress import engine
from tracker.progress.models import CommitmentProgress, OverallProgress, PillarProgress

pytestmark = pytest.mark.django_db

ISSUE_13_FIELDS = {
    "status",
    "deadline_basis",
    "stage",
    "last_evidence_on",
    "meeting",
    "parent",
    "assessment",
}


def detail(client, slug):
    response = client.get(f"/api/v1/commitments/{slug}/")
    assert response.status_code == 200
    return response.json()


def listed(client, **params):
    body = client.get("/api/v1/commitments/", {"page_size": 500, **params}).json()
    return {item["slug"]: item for item in body["results"]}


def test_every_commitment_carries_the_issue_13_fields(summit, client):
    items = listed(client)
    assert len(items) == Commitment.objects.count()
    for item in items.values():
        assert ISSUE_13_FIELDS <= set(item), item["slug"]
        assert item["status"] in {
            "achieved", "on_track", "at_risk", "off_track", "stalled", "overdue",
            "in_progress", "no_evidence",
        }  # fmt: skip
        assert item["deadline_basis"] in {"stated", "assumed", "none"}
        assert (item["stage"] is None) == (item["kind"] == "quantitative")
        assert (item["progress"] is None) == (item["kind"] == "deliverable")
        assert item["assessment"] is None
    for slug, row in CommitmentProgress.objects.values_list("commitment__slug", "status"):
        assert items[slug]["status"] == row


def test_fields_of_a_quantitative_commitment(summit, client):
    item = detail(client, YEN)
    assert item["status"] == item["computed_status"] == "no_evidence"
    assert item["deadline_basis"] == "stated" and item["deadline"] == "2035-08-29"
    assert item["stage"] is None and item["progress"] == 0
    assert item["last_evidence_on"] is None
    assert item["meeting"] == {
        "slug": "tokyo-summit-modi-ishiba",
        "name": "Tokyo summit of Prime Ministers Narendra Modi and Shigeru Ishiba",
        "held_on": "2025-08-29",
        "date_note": item["meeting"]["date_note"],
        "place": "Tokyo",
    }
    assert item["parent"] is None and item["children"] == []
    assert item["assessment"] is None and item["assessments"] == []
    assert item["milestones"] == [] and item["upcoming"] == []


def test_fields_of_a_deliverable(summit, client):
    item = detail(client, CHANDRAYAAN)
    assert item["kind"] == "deliverable" and item["target_value"] is None
    assert item["stage"] == "agreed" and item["progress"] is None
    assert item["status"] == "in_progress" and item["deadline_basis"] == "assumed"
    assert item["last_evidence_on"] == "2025-08-29"
    assert [m["stage"] for m in item["milestones"]] == ["agreed"]
    assert all(m["sources"] for m in item["milestones"])


def test_a_commitment_from_a_meeting_without_a_date(summit, client):
    item = detail(client, TAKAICHI_ITEM)
    assert item["meeting"]["slug"] == "modi-takaichi-meeting"
    assert item["meeting"]["held_on"] is None and item["meeting"]["date_note"]
    assert item["deadline_basis"] == "none" and item["deadline"] is None
    assert item["start_date"] is None and item["status"] == "no_evidence"


def test_sub_targets_name_their_parent_and_the_parent_lists_them(summit, client):
    assert detail(client, WORKERS)["parent"] == EXCHANGE
    assert listed(client)[WORKERS]["parent"] == EXCHANGE
    assert WORKERS in detail(client, EXCHANGE)["children"]


def test_the_parent_moves_by_the_amount_logged_against_its_sub_target(summit, client):
    before = Decimal(detail(client, EXCHANGE)["achieved_value"])
    factories.milestone(
        Commitment.objects.get(slug=WORKERS),
        occurred_on=date(2025, 10, 1),
        amount=Decimal(20000),
        unit="persons",
    )
    engine.recompute([Commitment.objects.get(slug=WORKERS).pk])
    child, parent = detail(client, WORKERS), detail(client, EXCHANGE)
    assert Decimal(child["achieved_value"]) == 20000
    assert Decimal(parent["achieved_value"]) - before == 20000
    assert parent["last_evidence_on"] == child["last_evidence_on"] == "2025-10-01"


def test_assessment_is_null_then_the_latest_after_the_engine_recomputes(summit, client, editor):
    c = Commitment.objects.get(slug=CHANDRAYAAN)
    assert detail(client, c.slug)["assessment"] is None
    Assessment.objects.create(
        commitment=c, status="off_track", reason="Older view.", assessed_on=date(2025, 9, 1)
    )
    Assessment.objects.create(
        commitment=c,
        status="stalled",
        reason="No activity reported since signing.",
        assessed_on=date(2025, 10, 1),
        assessed_by=editor,
    )
    engine.recompute([c.pk])
    item = detail(client, c.slug)
    assert item["assessment"] == {
        "status": "stalled",
        "reason": "No activity reported since signing.",
        "assessed_on": "2025-10-01",
    }
    assert item["status"] == "stalled" and item["computed_status"] == "in_progress"
    assert [a["assessed_on"] for a in item["assessments"]] == ["2025-10-01", "2025-09-01"]
    assert listed(client)[c.slug]["assessment"] == item["assessment"]
    assert set(listed(client, status="stalled")) == {c.slug}
    assert "editor" not in str(item) and "ed@example.org" not in str(item)


def test_the_detail_lists_only_counted_evidence_and_planned_events_apart(summit, client):
    c = Commitment.objects.get(slug=CHANDRAYAAN)
    factories.milestone(c, sources=[], occurred_on=date(2025, 10, 1), title="No source")
    factories.milestone(c, occurred_on=engine.today() + timedelta(days=1), title="Tomorrow")
    factories.milestone(c, status="draft", occurred_on=date(2025, 10, 1), title="Draft")
    factories.milestone(
        c, kind="planned", occurred_on=engine.today() + timedelta(days=30), title="Planned"
    )
    factories.milestone(
        c, kind="planned", sources=[], occurred_on=engine.today() + timedelta(days=30),
        title="Planned without a source",
    )  # fmt: skip
    factories.milestone(c, occurred_on=date(2025, 10, 2), title="Counted")
    item = detail(client, c.slug)
    assert [m["title"] for m in item["milestones"]] == [
        "Counted",
        *[m.title for m in c.milestones.filter(occurred_on=date(2025, 8, 29))],
    ]
    assert [m["title"] for m in item["upcoming"]] == ["Planned"]
    assert item["upcoming"][0]["kind"] == "planned" and item["upcoming"][0]["stage"] == ""


def test_summary_and_pillars_carry_the_stored_stage_and_status_counts(summit, client):
    overall = OverallProgress.objects.get()
    summary = client.get("/api/v1/summary/").json()
    assert summary["status_counts"] == overall.status_counts
    assert summary["stage_counts"] == overall.stage_counts
    for pillar in client.get("/api/v1/pillars/").json():
        stored = PillarProgress.objects.get(pillar__slug=pillar["slug"])
        assert pillar["status_counts"] == stored.status_counts
        assert pillar["stage_counts"] == stored.stage_counts


@pytest.fixture
def richer_data(summit, editor):
    """The seed data plus what it lacks: amounts, an assessment, a reaffirmation, a planned
    event and a sub-target's evidence, so documented shapes are checked on every field."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    yen, chandrayaan = (Commitment.objects.get(slug=s) for s in (YEN, CHANDRAYAAN))
    factories.milestone(yen, occurred_on=date(2025, 10, 1), amount=Decimal("5e11"), unit="JPY")
    factories.milestone(
        Commitment.objects.get(slug=WORKERS), occurred_on=date(2025, 10, 1),
        amount=Decimal(20000), unit="persons",
    )  # fmt: skip
    factories.milestone(
        chandrayaan, kind="reaffirmed", occurred_on=date(2025, 11, 1),
        meeting=Commitment.objects.get(slug=TAKAICHI_ITEM).meeting,
    )  # fmt: skip
    factories.milestone(
        chandrayaan, kind="planned", occurred_on=engine.today() + timedelta(days=30)
    )
    Assessment.objects.create(
        commitment=chandrayaan, status="stalled", reason="Quiet.", assessed_by=editor
    )
    engine.recompute()
    # Requests through the WSGI app keep the test's connection open, as Django's Client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    "path, parameters",
    [
        ("/api/v1/commitments/", {"query": {"page_size": 500}}),
        *(("/api/v1/commitments/{slug}/", {"path_parameters": {"slug": slug}})
          for slug in (YEN, CHANDRAYAAN, EXCHANGE, WORKERS, TAKAICHI_ITEM)),
        ("/api/v1/pillars/", {}),
        ("/api/v1/summary/", {}),
    ],
)  # fmt: skip
def test_responses_with_every_new_field_filled_match_the_openapi_schema(
    richer_data, path, parameters
):
    from tests.api.test_fuzz import schema

    case = schema[path]["GET"].Case(**parameters)
    response = case.call()
    assert response.status_code == 200
    case.validate_response(response)
