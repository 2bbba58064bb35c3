"""The public pages: answers, filters, figures and evidence."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from tests import factories
from tests.summit import YEN
from tracker.commitments.models import Agreement, Commitment, Pillar

pytestmark = pytest.mark.django_db


@pytest.fixture
def yen_target(summit):
    return Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13"))


def test_every_pillar_and_commitment_page_answers(summit, client):
    for obj in [*Pillar.objects.all(), *Commitment.objects.all()]:
        assert client.get(obj.get_absolute_url()).status_code == 200, obj


@pytest.mark.parametrize(
    "path", ["/", "/commitments/", "/agreements/", "/sources/", "/methodology/", "/sitemap.xml"]
)
def test_site_pages_answer(summit, client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/pillars/nope/", "/commitments/nope/", "/feed/pillars/nope/milestones.atom"]
)
def test_unknown_slugs_are_404(db, client, path):
    assert client.get(path).status_code == 404


def listed_slugs(html):
    return set(re.findall(r'<h3 class="card-title"><a href="/commitments/([^/]+)/">', html))


def test_filtering_by_pillar_shows_exactly_that_pillars_commitments(summit, client):
    for pillar in Pillar.objects.all():
        html = client.get("/commitments/", {"pillar": pillar.slug}).content.decode()
        expected = set(Commitment.objects.filter(pillar=pillar).values_list("slug", flat=True))
        assert listed_slugs(html) == expected, pillar


def test_search_finds_chandrayaan(summit, client):
    html = client.get("/commitments/", {"q": "Chandrayaan"}).content.decode()
    slugs = listed_slugs(html)
    assert slugs and all("chandrayaan" in s for s in slugs)
    assert "Chandrayaan-5" in html


def test_filters_combine_and_stay_in_the_pagination_links(summit, client, settings):
    from tracker.public import views

    views.PAGE_SIZE, old = 5, views.PAGE_SIZE
    try:
        html = client.get(
            "/commitments/", {"kind": "deliverable", "sort": "-deadline"}
        ).content.decode()
    finally:
        views.PAGE_SIZE = old
    assert "kind=deliverable&amp;sort=-deadline&amp;page=2" in html


def test_sorting_by_progress(summit, client):
    from tracker.progress import engine

    workers = Commitment.objects.get(slug="skilled-indian-workers-50000")
    factories.milestone(workers, amount=Decimal(20000), unit="persons")  # 40%, and 4% of 500,000
    factories.milestone(Commitment.objects.get(slug=YEN), amount=Decimal("1e12"), unit="JPY")
    engine.recompute()
    params = {"sort": "-progress", "kind": "quantitative"}
    html = client.get("/commitments/", params).content.decode()
    values = [int(v) for v in re.findall(r'<span class="meter-value">(\d+)%</span>', html)]
    assert values == [40, 10, 4, 0]


@pytest.mark.parametrize(
    "params",
    [
        {"pillar": "../../etc/passwd"},
        {"status": "<script>alert(1)</script>"},
        {"sort": "password"},
        {"kind": "' OR 1=1 --"},
        {"q": "x" * 5000},
        {"q": "nul\x00byte"},
        {"page": "999999"},
        {"page": "-1"},
        "agreement=%ff%fe%00",  # not UTF-8 at all
        "pillar=%E2%80%AE&pillar=health",
    ],
)
def test_hostile_filter_values_never_5xx(summit, client, params):
    response = (
        client.get(f"/commitments/?{params}")
        if isinstance(params, str)
        else client.get("/commitments/", params)
    )
    assert response.status_code in (200, 400)
    assert b"<script>alert(1)</script>" not in response.content


def test_ten_trillion_yen_page_shows_the_target_chart_bar_and_quotes(yen_target, client):
    html = client.get(yen_target.get_absolute_url()).content.decode()
    assert "¥10 trillion" in html and "¥10,000,000,000,000" in html
    assert '<svg viewBox="0 0 420 240" role="img"' in html
    assert re.search(r'<progress class="bar[^"]*" max="1" value="[0-9.]+" aria-label="[^"]+"', html)
    for excerpt in yen_target.sources.values_list("excerpt", flat=True):
        assert f"<blockquote>{excerpt}</blockquote>".replace("“", "“") in html.replace(
            "&quot;", '"'
        )
    assert "Japan" in html and "29 August 2035" in html


def test_commitment_page_explains_its_status(yen_target, client):
    html = client.get(yen_target.get_absolute_url()).content.decode()
    assert re.search(
        r'class="status status-no_evidence">No evidence yet</span>\s+No evidence yet: ', html
    )
    # The straight path is information, not a verdict, until evidence exists.
    assert "For information, not as a verdict: a straight path from 29 August 2025 to the " in html
    assert "stated deadline of 29 August 2035" in html
    assert "no editors’ assessment has been recorded" in html


def test_markdown_in_milestones_is_sanitized(summit, client):
    c = Commitment.objects.filter(kind="deliverable").first()
    factories.milestone(
        c,
        occurred_on=date(2025, 9, 1),
        title="Hostile",
        description=(
            '**bold** <script>alert("x")</script> <img src=x onerror=alert(1)> '
            "[l](javascript:alert(1))"
        ),
        stage="under_way",
    )
    html = client.get(c.get_absolute_url()).content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html and "onerror" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript:' not in html


def test_methodology_quotes_the_engine_settings(db, client, settings):
    html = client.get("/methodology/").content.decode()
    assert "when progress is at least 90% of expected progress" in html
    assert "when it is at least 50%;" in html
    settings.PROGRESS_ON_TRACK_RATIO = "0.8"
    cache.clear()  # the page is cached until the rollups change
    html = client.get("/methodology/").content.decode()
    assert "when progress is at least 80% of expected progress" in html
    assert "when it is at least 50%;" in html
    assert "at least 90%" not in html


def test_agreements_page_links_to_filtered_commitments(summit, client):
    html = client.get("/agreements/").content.decode()
    agreement = Agreement.objects.filter(commitments__isnull=False).first()
    assert f"/commitments/?agreement={agreement.slug}" in html


def test_pages_carry_canonical_and_open_graph_metadata(yen_target, client, settings):
    settings.SITE_URL = "https://tracker.example"
    html = client.get(yen_target.get_absolute_url()).content.decode()
    url = f"https://tracker.example{yen_target.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:title" content="¥10 trillion' in html
