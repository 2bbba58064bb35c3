"""Feeds, CSV exports and the sitemap, read by real parsers."""

import csv
import io
import xml.etree.ElementTree as ET

import feedparser
import pytest

from tracker.commitments.models import Commitment, Milestone, Pillar

pytestmark = pytest.mark.django_db


def test_atom_feed_parses_and_has_entries(summit, client):
    response = client.get("/feed/milestones.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == min(50, Milestone.objects.published().count())
    entry = feed.entries[0]
    assert entry.title and entry.link.startswith("http") and entry.id


def test_pillar_feed_only_has_that_pillars_milestones(summit, client):
    pillar = Pillar.objects.filter(commitments__milestones__isnull=False).first()
    feed = feedparser.parse(client.get(f"/feed/pillars/{pillar.slug}/milestones.atom").content)
    titles = {c.title for c in Commitment.objects.filter(pillar=pillar)}
    assert feed.entries
    assert all(any(e.title.startswith(t + ":") for t in titles) for e in feed.entries)


def test_drafts_stay_out_of_the_feed(summit, client):
    c = Commitment.objects.filter(kind="milestone").first()
    c.milestones.create(occurred_on="2025-09-01", title="Unpublished draft", percent_complete=5)
    assert b"Unpublished draft" not in client.get("/feed/milestones.atom").content


def test_commitments_csv_has_one_row_per_commitment_in_the_api(summit, client):
    response = client.get("/export/commitments.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    api = client.get("/api/v1/commitments/", {"page_size": 500}).json()
    assert sorted(r["slug"] for r in rows) == sorted(item["slug"] for item in api["results"])
    yen = next(
        r
        for r in rows
        if r["target_unit"] == "JPY" and r["target_value"].startswith("10000000000000")
    )
    assert yen["deadline"] == "2035-08-29"


def test_milestones_csv_has_one_row_per_published_milestone(summit, client):
    rows = list(csv.DictReader(io.StringIO(client.get("/export/milestones.csv").content.decode())))
    assert len(rows) == Milestone.objects.published().count()


def test_csv_cells_cannot_become_spreadsheet_formulas(summit, client):
    c = Commitment.objects.filter(kind="milestone").first()
    c.milestones.create(
        occurred_on="2025-09-01",
        title='=HYPERLINK("http://x")',
        percent_complete=5,
        status="published",
    )
    body = client.get("/export/milestones.csv").content.decode()
    assert "'=HYPERLINK" in body


def test_sitemap_lists_every_commitment(summit, client):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    locs = {el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    for c in Commitment.objects.all():
        assert any(loc.endswith(c.get_absolute_url()) for loc in locs)
