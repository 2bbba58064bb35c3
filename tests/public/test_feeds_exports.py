"""Feeds, CSV exports and the sitemap, read by real parsers."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

import feedparser
import pytest
from django.conf import settings

from tests import factories
from tracker.commitments import imports
from tracker.commitments.models import Commitment, ExchangeRate, Milestone, Pillar
from tracker.progress import selectors
from tracker.progress.engine import today
from tracker.public import exports
from tracker.public.exports import COMMITMENT_COLUMNS, MILESTONE_COLUMNS

pytestmark = pytest.mark.django_db


def test_atom_feed_parses_and_has_entries(summit, client):
    response = client.get("/feed/milestones.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == min(50, Milestone.objects.on_record(today()).count())
    entry = feed.entries[0]
    assert entry.title and entry.link.startswith("http") and entry.id


def test_pillar_feed_only_has_that_pillars_milestones(summit, client):
    pillar = Pillar.objects.filter(commitments__milestones__isnull=False).first()
    feed = feedparser.parse(client.get(f"/feed/pillars/{pillar.slug}/milestones.atom").content)
    titles = {c.title for c in Commitment.objects.filter(pillar=pillar)}
    assert feed.entries
    assert all(any(e.title.startswith(t + ":") for t in titles) for e in feed.entries)


def test_drafts_stay_out_of_the_feed(summit, client):
    c = Commitment.objects.filter(kind="deliverable").first()
    factories.milestone(c, occurred_on=date(2025, 9, 1), title="Unpublished draft", status="draft")
    assert b"Unpublished draft" not in client.get("/feed/milestones.atom").content
    assert b"Unpublished draft" not in client.get("/export/milestones.csv").getvalue()


def test_commitments_csv_has_one_row_per_commitment_in_the_api(summit, client):
    response = client.get("/export/commitments.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.getvalue().decode()))
    rows = list(reader)
    assert reader.fieldnames == COMMITMENT_COLUMNS
    for column in ("status", "deadline_basis", "stage", "last_evidence_on", "meeting", "parent",
                   "assessment_status", "assessment_reason", "assessed_on"):  # fmt: skip
        assert column in reader.fieldnames
    api = client.get("/api/v1/commitments/", {"page_size": 500}).json()
    assert sorted(r["slug"] for r in rows) == sorted(item["slug"] for item in api["results"])
    yen = next(
        r
        for r in rows
        if r["target_unit"] == "JPY" and r["target_value"].startswith("10000000000000")
    )
    assert yen["deadline"] == "2035-08-29" and yen["deadline_basis"] == "stated"
    assert yen["status"] == "no_evidence" and yen["stage"] == ""
    assert yen["meeting"] == "tokyo-summit-modi-ishiba"
    workers = next(r for r in rows if r["slug"] == "skilled-indian-workers-50000")
    assert workers["parent"] == "human-resource-exchange-500000"
    chandrayaan = next(r for r in rows if r["slug"].startswith("chandrayaan-5"))
    assert chandrayaan["kind"] == "deliverable" and chandrayaan["stage"] == "agreed"
    assert chandrayaan["progress"] == ""  # a deliverable's progress is its stage, not a percent
    assert chandrayaan["last_evidence_on"] == "2025-08-29"
    assert yen["target_value"] == "10000000000000"  # exact and plain, as the importer reads it
    assert all(r["source_title"] for r in rows) and not any(r["change_reason"] for r in rows)


def test_milestones_csv_has_one_row_per_milestone_on_record(summit, client):
    reader = csv.DictReader(io.StringIO(client.get("/export/milestones.csv").getvalue().decode()))
    rows = list(reader)
    assert reader.fieldnames == MILESTONE_COLUMNS
    assert len(rows) == Milestone.objects.on_record(today()).count() > 0
    assert all(r["source_title"] and r["id"] and r["status"] == "published" for r in rows)


def test_milestones_csv_writes_amounts_as_exact_plain_numbers(summit, client):
    workers = Commitment.objects.get(slug="skilled-indian-workers-50000")
    yen = Commitment.objects.get(target_unit="JPY", target_value=10**13)
    factories.milestone(workers, title="Cohort", amount=20000, unit="persons")
    factories.milestone(yen, title="Tranche", amount=500_000_000_000, unit="JPY")
    reader = csv.DictReader(io.StringIO(client.get("/export/milestones.csv").getvalue().decode()))
    amounts = {r["title"]: (r["amount"], r["unit"]) for r in reader}
    assert amounts["Cohort"] == ("20000", "persons")
    assert amounts["Tranche"] == ("500000000000", "JPY")


def test_exchange_rates_csv_has_every_rate(db, client):
    from tracker.commitments.models import ExchangeRate

    ExchangeRate.objects.create(date=date(2026, 1, 15), currency="JPY", units_per_usd="151.25")
    ExchangeRate.objects.create(
        date=date(2026, 1, 15), currency="INR", units_per_usd=84, is_reference=False, note="RBI"
    )
    response = client.get("/export/exchange-rates.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.getvalue().decode()))
    assert reader.fieldnames == ["date", "currency", "units_per_usd", "is_reference", "note"]
    assert list(reader) == [
        {"date": "2026-01-15", "currency": "INR", "units_per_usd": "84",
         "is_reference": "false", "note": "RBI"},
        {"date": "2026-01-15", "currency": "JPY", "units_per_usd": "151.25",
         "is_reference": "true", "note": ""},
    ]  # fmt: skip


def test_csv_cells_cannot_become_spreadsheet_formulas(summit, client):
    c = Commitment.objects.filter(kind="deliverable").first()
    factories.milestone(c, occurred_on=date(2025, 9, 1), title='=HYPERLINK("http://x")')
    body = client.get("/export/milestones.csv").getvalue().decode()
    assert "'=HYPERLINK" in body


def test_sitemap_lists_every_commitment(summit, client):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    locs = {el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    for c in Commitment.objects.all():
        assert any(loc.endswith(c.get_absolute_url()) for loc in locs)


def test_feed_entries_carry_the_commitments_standing(summit, client):
    """Issue 13: feeds carry status, stage, deadline basis, meeting, parent and assessment."""
    from tracker.commitments.models import Assessment
    from tracker.progress import engine

    chandrayaan = Commitment.objects.get(slug__startswith="chandrayaan-5")
    workers = Commitment.objects.get(slug="skilled-indian-workers-50000")
    Assessment.objects.create(
        commitment=chandrayaan, status="stalled", reason="Nothing since the signing.",
        assessed_on=date(2025, 10, 1),
    )  # fmt: skip
    factories.milestone(
        workers, occurred_on=date(2025, 10, 2), title="First cohort", amount=20000, unit="persons"
    )
    engine.recompute()
    feed = feedparser.parse(client.get("/feed/milestones.atom").content)
    entries = {e.title: e for e in feed.entries}

    moon = entries[f"{chandrayaan.title}: ISRO–JAXA implementing arrangement signed"]
    tags = {t.term for t in moon.tags}
    assert tags >= {chandrayaan.pillar.name, "status:stalled", "stage:agreed"}
    assert "Status: Stalled, assessed by the editors on 1 October 2025" in moon.summary
    assert "Nothing since the signing." in moon.summary and "computed: In progress" in moon.summary
    assert "(assumed by the tracker)" in moon.summary
    assert "First made at Tokyo summit of Prime Ministers" in moon.summary

    cohort = entries[f"{workers.title}: First cohort"]
    assert "20,000 people" in cohort.summary
    assert f"(part of {workers.parent.title})" in cohort.summary
    assert "(stated in a source)" in cohort.summary
    assert "status:" + workers.progress.status in {t.term for t in cohort.tags}


# --- Streaming exports (issue 16) ----------------------------------------------------------


def model_sources(record):
    return imports.source_cells(record.sources.all())


def old_milestone_row(m):
    """A milestones.csv row as the export wrote it from model instances before it streamed."""
    return [
        m.pk, m.commitment.slug, m.occurred_on, m.kind, m.title, imports.plain_number(m.amount),
        m.unit, m.stage, m.status, *model_sources(m), m.meeting.slug if m.meeting else "",
        m.withdrawal_reason, "",
    ]  # fmt: skip


def old_commitment_row(c):
    """A commitments.csv row as the export wrote it from model instances before it streamed."""
    p = getattr(c, "progress", None)
    a = p.assessment if p else None
    return [
        c.slug,
        c.title,
        c.pillar.slug,
        c.agreement.slug if c.agreement else "",
        c.meeting.slug if c.meeting else "",
        c.parent.slug if c.parent else "",
        c.kind,
        imports.plain_number(c.target_value),
        c.target_unit,
        c.start_date,
        c.deadline,
        c.deadline_basis,
        c.deadline_words,
        c.weight,
        c.promised_by,
        *model_sources(c),
        "",
        *(
            (imports.plain_number(p.achieved_value), p.progress if c.is_quantitative else "")
            + (p.stage, p.expected_progress, p.status, p.computed_status)
            if p
            else ("",) * 6
        ),
        *((a.status, a.reason, a.assessed_on) if a else ("", "", "")),
        p.last_evidence_on if p else "",
        p.as_of if p else "",
        settings.SITE_URL + c.get_absolute_url(),
    ]


def old_export(header, rows) -> bytes:
    buffer = io.StringIO(newline="")
    imports.write_csv(buffer, header, rows)
    return buffer.getvalue().encode()


@pytest.fixture
def awkward_rows(summit):
    """Rows that test the writing: several sources with bars and formulas in their cells,
    quotes and a line break in a title, a commitment with no computed progress."""
    deliverable = Commitment.objects.filter(kind="deliverable").first()
    sources = [
        factories.source(title="Zeta | piped", url="https://example.org/z"),
        factories.source(title="Alpha", url=""),
        factories.source(title="=cmd", url="https://example.org/a|b"),
    ]
    factories.milestone(deliverable, title='=HYPERLINK("x")', sources=sources)
    factories.milestone(deliverable, title='Said "twice",\nand again', sources=sources[1:2])
    deliverable.sources.add(*sources)
    factories.commitment(title="Not computed yet")
    ExchangeRate.objects.create(date=date(2026, 1, 15), currency="JPY", units_per_usd="151.25")
    ExchangeRate.objects.create(
        date=date(2026, 1, 14), currency="INR", units_per_usd=84, is_reference=False, note="-1"
    )


def test_exports_stream_the_same_bytes_the_model_rows_give(awkward_rows, client):
    milestones = selectors.on_record_milestones().order_by("occurred_on", "id")
    commitments = selectors.commitments().prefetch_related("sources")
    rates = ExchangeRate.objects.order_by("currency", "date")
    expected = {
        "/export/milestones.csv": old_export(MILESTONE_COLUMNS, map(old_milestone_row, milestones)),
        "/export/commitments.csv": old_export(
            COMMITMENT_COLUMNS, map(old_commitment_row, commitments)
        ),
        "/export/exchange-rates.csv": old_export(
            imports.RATE_COLUMNS, map(imports.rate_cells, rates)
        ),
    }
    for path, body in expected.items():
        response = client.get(path)
        assert response.streaming, path
        assert not response.has_header("Content-Length"), path
        assert response.getvalue() == body, path
    assert b"Zeta \\| piped" in expected["/export/milestones.csv"]  # the fixture bites
    assert b"Not computed yet" in expected["/export/commitments.csv"]


def test_a_long_export_arrives_in_pieces(awkward_rows, client, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_CHARS", 100)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    response = client.get("/export/milestones.csv")
    pieces = list(response.streaming_content)
    assert len(pieces) > 3
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode())))
    assert len(rows) - 1 == Milestone.objects.on_record(today()).count()


def test_an_export_is_never_served_from_the_cache(summit, client):
    c = Commitment.objects.filter(kind="deliverable").first()
    assert b"Fresh evidence" not in client.get("/export/milestones.csv").getvalue()
    # Saved outside any transaction hook, so no recompute drops the cached pages.
    factories.milestone(c, occurred_on=date(2025, 9, 2), title="Fresh evidence")
    assert b"Fresh evidence" in client.get("/export/milestones.csv").getvalue()


def test_a_head_request_for_an_export_reads_no_rows(summit, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.head("/export/milestones.csv")
        assert response.getvalue() == b""
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="milestones.csv"'


@pytest.mark.django_db(transaction=True)
def test_an_export_reads_its_rows_inside_a_transaction(client):
    """In autocommit, Django declares PostgreSQL's cursor WITH HOLD, which computes every
    row before the first byte leaves; inside a transaction the rows stream as they are read."""
    from django.db import connection

    target = factories.commitment()
    factories.milestone(target, amount=1, unit="USD")
    response = client.get("/export/milestones.csv")
    chunks = iter(response.streaming_content)
    assert next(chunks)
    assert connection.in_atomic_block
    list(chunks)
    assert not connection.in_atomic_block
