"""Issue 13 on the public pages, feeds and exports: only counted evidence is shown as having
happened, planned events are upcoming, assessments carry their reason beside the computed
status, distributions match the stored rollups, sub-targets count towards their parent."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import feedparser
import pytest
from django.core.cache import cache
from django.utils.html import escape

from tests import factories
from tests.public.builders import html_of, section
from tests.summit import CHANDRAYAAN, EXCHANGE, TAKAICHI_ITEM, WORKERS, YEN
from tracker.commitments.models import Assessment, Commitment, ExchangeRate
from tracker.methodology import vocabulary as v
from tracker.methodology.wording import percent
from tracker.progress import engine
from tracker.progress.models import CommitmentProgress, OverallProgress, PillarProgress

pytestmark = pytest.mark.django_db


def get(slug):
    return Commitment.objects.get(slug=slug)


def feed_titles(client, path):
    feed = feedparser.parse(client.get(path).content)
    assert not feed.bozo, feed.get("bozo_exception")
    return [entry.title for entry in feed.entries]


def csv_titles(client):
    body = client.get("/export/milestones.csv").getvalue().decode()
    return [row["title"] for row in csv.DictReader(io.StringIO(body))]


def api_titles(client, slug):
    item = client.get(f"/api/v1/commitments/{slug}/").json()
    return [m["title"] for m in item["milestones"]], [m["title"] for m in item["upcoming"]]


def public_texts(client, commitment):
    """Every public surface that lists milestones, for one commitment."""
    pillar = commitment.pillar
    milestones, upcoming = api_titles(client, commitment.slug)
    pillar_page = html_of(client, pillar.get_absolute_url())
    return {
        "home latest": section(html_of(client, "/"), "latest-title"),
        "pillar latest": pillar_page[pillar_page.index("Latest evidence</h2>") :],
        "commitment page": html_of(client, commitment.get_absolute_url()),
        "feed": "\n".join(feed_titles(client, "/feed/milestones.atom")),
        "pillar feed": "\n".join(
            feed_titles(client, f"/feed/pillars/{pillar.slug}/milestones.atom")
        ),
        "API milestones": "\n".join(milestones),
        "API upcoming": "\n".join(upcoming),
        "milestones.csv": "\n".join(csv_titles(client)),
    }


# --- Evidence that does not count appears nowhere ---------------------------------------


@pytest.mark.parametrize("slug", [YEN, CHANDRAYAAN])
def test_unsourced_or_future_milestones_appear_nowhere_publicly(
    summit, client, slug, django_capture_on_commit_callbacks
):
    c = get(slug)
    before = CommitmentProgress.objects.get(commitment=c)
    moves = (
        {"amount": Decimal("5e11"), "unit": "JPY"} if c.is_quantitative else {"stage": "complete"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(
            c, sources=[], occurred_on=date(2025, 10, 1), title="Claim with no source", **moves
        )
        factories.milestone(
            c,
            occurred_on=engine.today() + timedelta(days=1),
            title="Claim dated tomorrow",
            **moves,
        )
        factories.milestone(c, occurred_on=date(2099, 1, 1), title="Claim dated in 2099", **moves)
        # A control: the same claim, sourced and dated in the past, is everywhere.
        factories.milestone(c, occurred_on=date(2025, 10, 2), title="Sourced claim", **moves)
    for surface, text in public_texts(client, c).items():
        for title in ("Claim with no source", "Claim dated tomorrow", "Claim dated in 2099"):
            assert title not in text, (surface, title)
        if surface != "API upcoming":
            assert "Sourced claim" in text, surface
    after = CommitmentProgress.objects.get(commitment=c)
    assert after.counted_milestones == before.counted_milestones + 1
    assert after.last_evidence_on == date(2025, 10, 2)
    if c.is_quantitative:
        assert after.achieved_value == Decimal("5e11")  # the control only
    else:
        assert after.stage == "complete"


def test_a_published_milestone_without_a_source_moves_nothing(summit, client):
    """The issue's example: an unsourced milestone turned a commitment green."""
    c = get(YEN)
    factories.milestone(
        c, sources=[], occurred_on=date(2025, 10, 1), amount=Decimal("4e12"), unit="JPY"
    )
    engine.recompute([c.pk])
    progress = CommitmentProgress.objects.get(commitment=c)
    assert progress.status == "no_evidence"
    assert progress.achieved_value == 0 and progress.counted_milestones == 0
    html = html_of(client, c.get_absolute_url())
    assert "No evidence yet: no published milestone with a source." in section(
        html, "milestones-title"
    )


def test_a_planned_milestone_is_shown_as_planned_never_as_evidence(
    summit, client, django_capture_on_commit_callbacks
):
    c = get(CHANDRAYAAN)
    before = CommitmentProgress.objects.get(commitment=c)
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(
            c,
            kind="planned",
            occurred_on=engine.today() + timedelta(days=60),
            title="Launch of the joint lunar mission",
        )
    texts = public_texts(client, c)
    page = texts.pop("commitment page")
    assert "Launch of the joint lunar mission" in section(page, "upcoming-title")
    assert ">Planned</h2>" in section(page, "upcoming-title")
    assert "Launch of the joint lunar mission" not in section(page, "milestones-title")
    assert "Launch of the joint lunar mission" in texts.pop("API upcoming")
    for surface, text in texts.items():  # latest evidence, feeds, API milestones, export
        assert "Launch of the joint lunar mission" not in text, surface
    after = CommitmentProgress.objects.get(commitment=c)
    assert (after.stage, after.status, after.counted_milestones) == (
        before.stage,
        before.status,
        before.counted_milestones,
    )


def test_a_commitment_with_nothing_planned_has_no_planned_section(summit, client):
    assert 'id="upcoming-title"' not in html_of(client, get(CHANDRAYAAN).get_absolute_url())


def test_a_reaffirmation_is_shown_but_moves_no_stage(summit, client):
    c = get(CHANDRAYAAN)
    meeting = get(TAKAICHI_ITEM).meeting
    factories.milestone(
        c, kind="reaffirmed", meeting=meeting, occurred_on=date(2025, 11, 1), title="Said again"
    )
    engine.recompute([c.pk])
    cache.clear()
    progress = CommitmentProgress.objects.get(commitment=c)
    assert progress.stage == "agreed" and progress.last_evidence_on == date(2025, 8, 29)
    evidence = section(html_of(client, c.get_absolute_url()), "milestones-title")
    assert "Said again" in evidence and f"reaffirmed at {meeting.name}" in evidence


def test_sources_of_milestones_not_on_record_stay_off_the_sources_page(summit, client):
    c = get(CHANDRAYAAN)
    draft = factories.source(title="Draft source", excerpt="A sentence still being checked.")
    future = factories.source(title="Future source", excerpt="It will happen in 2099.")
    factories.milestone(c, sources=[draft], status="draft", title="Draft")
    factories.milestone(c, sources=[future], occurred_on=date(2099, 1, 1), title="Future")
    shown = factories.source(title="Shown source", excerpt="It happened in October.")
    factories.milestone(c, sources=[shown], occurred_on=date(2025, 10, 1), title="Shown")
    html = html_of(client, "/sources/")
    assert "A sentence still being checked." not in html
    assert "It will happen in 2099." not in html
    assert "It happened in October." in html


# --- Editors' assessments ---------------------------------------------------------------


def test_an_assessed_commitment_shows_the_assessment_its_reason_and_the_computed_status(
    summit, client, editor, django_capture_on_commit_callbacks
):
    c = get(CHANDRAYAAN)
    reason = "No launch date has been set since the arrangement was signed."
    with django_capture_on_commit_callbacks(execute=True):
        Assessment.objects.create(
            commitment=c,
            status="at_risk",
            reason=reason,
            assessed_on=date(2025, 9, 15),
            assessed_by=editor,
        )
    standing = section(html_of(client, c.get_absolute_url()), "status-title")
    assert re.search(
        r'<span class="status status-at_risk">At risk</span>\s*'
        r"<strong>Assessed by the editors on 15 September 2025\.</strong>",
        standing,
    )
    assert reason in standing
    # The computed status stands beside it, with the sentence that explains it.
    assert re.search(
        r'Computed by the rules, for comparison: <span class="status status-in_progress">'
        r"In progress</span>\s*In progress: the Agreed stage evidenced so far\.",
        standing,
    )
    assert "Newer evidence" not in standing  # the only evidence is older than the assessment
    # Cards say it is an assessment too.
    card = html_of(client, c.pillar.get_absolute_url())
    assert "assessed by the editors on 15 September 2025" in card

    # Evidence that does not count is not "newer evidence".
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(c, sources=[], occurred_on=date(2025, 10, 1), stage="under_way")
    assert "Newer evidence" not in html_of(client, c.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(
            c, occurred_on=date(2025, 10, 1), stage="under_way", title="First joint test"
        )
    standing = section(html_of(client, c.get_absolute_url()), "status-title")
    assert '<span class="flag">Newer evidence</span>' in standing
    assert "last evidence 1 October 2025" in standing
    assert "At risk" in standing  # still what the editors said, until they reassess
    progress = CommitmentProgress.objects.get(commitment=c)
    assert (progress.status, progress.computed_status, progress.stage) == (
        "at_risk",
        "in_progress",
        "under_way",
    )


def test_assessments_are_kept_and_listed_newest_first(
    summit, client, django_capture_on_commit_callbacks
):
    c = get(YEN)
    with django_capture_on_commit_callbacks(execute=True):
        Assessment.objects.create(
            commitment=c, status="off_track", reason="First look.", assessed_on=date(2025, 9, 1)
        )
        Assessment.objects.create(
            commitment=c, status="stalled", reason="Second look.", assessed_on=date(2025, 10, 1)
        )
    html = html_of(client, c.get_absolute_url())
    history = section(html, "assessments-title")
    assert history.index("Second look.") < history.index("First look.")
    assert re.search(r"1 October 2025</time>\s*<span[^>]*>\(current\)</span>", history)
    assert "Assessed by the editors on 1 October 2025" in section(html, "status-title")
    assert CommitmentProgress.objects.get(commitment=c).status == "stalled"


# --- Deadlines, stages and meetings on the page -----------------------------------------


def test_pages_say_whether_a_deadline_is_stated_or_assumed(summit, client):
    yen = html_of(client, get(YEN).get_absolute_url())
    assert "29 August 2035</time>, stated in a source" in yen
    assert escape(get(YEN).deadline_words) in yen  # the source's words beside the date
    chandrayaan = html_of(client, get(CHANDRAYAAN).get_absolute_url())
    assert "29 August 2035</time>, assumed by the tracker" in chandrayaan
    later = html_of(client, get(TAKAICHI_ITEM).get_absolute_url())
    assert "<dd>None in the sources" in later
    assert "(the sources do not give its date)" in later
    assert "Tokyo summit of Prime Ministers Narendra Modi and Shigeru Ishiba, 29 August 2025" in (
        chandrayaan
    )
    cards = html_of(client, get(CHANDRAYAAN).pillar.get_absolute_url())
    assert "no stated deadline; the tracker assumes" in cards


def test_a_deliverable_page_shows_its_stage_ladder_and_no_percentage(summit, client):
    html = html_of(client, get(CHANDRAYAAN).get_absolute_url())
    ladder = re.search(r'<ol class="ladder".*?</ol>', html, re.S).group(0)
    assert re.findall(r"<strong>([^<]+)</strong>", ladder) == [v.STAGE_LABELS[s] for s in v.STAGES]
    current = re.findall(r'<li class="rung rung-current" aria-current="step"><strong>(\w+)', ladder)
    assert current == ["Agreed"]
    assert "<progress" not in section(html, "status-title")
    assert "%" not in section(html, "status-title")


def test_a_converted_milestone_shows_the_rate_and_the_converted_value(
    summit, client, django_capture_on_commit_callbacks
):
    c = get(YEN)
    with django_capture_on_commit_callbacks(execute=True):
        ExchangeRate.objects.create(currency="JPY", date=date(2025, 9, 1), units_per_usd=150)
        factories.milestone(
            c, occurred_on=date(2025, 9, 30), amount=Decimal("1e9"), unit="USD", title="Deal"
        )
    evidence = section(html_of(client, c.get_absolute_url()), "milestones-title")
    assert "Counted as ¥150 billion (¥150,000,000,000) at 150 JPY per US dollar " in evidence
    assert "(1 September 2025, an approximate reference rate)" in evidence
    assert CommitmentProgress.objects.get(commitment=c).achieved_value == Decimal("1.5e11")


def quiet_flags(html):
    return re.findall(r'<span class="flag">([^<]*)</span>', html)


def test_quiet_commitments_are_flagged_after_the_configured_days(summit, client, settings):
    c = get(CHANDRAYAAN)
    settings.EVIDENCE_QUIET_DAYS = 1
    factories.milestone(c, occurred_on=engine.today() - timedelta(days=2), stage="under_way")
    engine.recompute([c.pk])
    cache.clear()
    assert CommitmentProgress.objects.get(commitment=c).quiet
    page = html_of(client, c.get_absolute_url())
    [flag] = quiet_flags(section(page, "status-title"))
    assert flag.endswith(" more than 1 day.")
    settings.EVIDENCE_QUIET_DAYS = 2
    engine.recompute([c.pk])
    cache.clear()
    assert not CommitmentProgress.objects.get(commitment=c).quiet
    assert quiet_flags(section(html_of(client, c.get_absolute_url()), "status-title")) == []


# --- Methodology ------------------------------------------------------------------------


def stage_table(html):
    table = section(html.replace("</table>", "</table></section>"), "stages")
    return re.findall(r'<th scope="row">([^<]+)</th><td>[^<]*</td><td>([^<]+)</td>', table)


def test_methodology_shows_the_stage_table_the_engine_uses(db, client):
    rows = stage_table(html_of(client, "/methodology/"))
    assert rows == [(v.STAGE_LABELS[s], percent(v.STAGE_FRACTIONS[s])) for s in v.STAGES]
    assert rows == [
        ("Announced", "0%"),
        ("Agreed", "10%"),
        ("Under way", "30%"),
        ("Substantial", "60%"),
        ("Complete", "100%"),
    ]


def test_methodology_quotes_the_thresholds_and_the_quiet_days_from_settings(db, client, settings):
    html = html_of(client, "/methodology/")
    assert "when progress is at least 90% of expected progress" in html
    assert "for more than 365 days" in html
    settings.PROGRESS_ON_TRACK_RATIO = "0.75"
    settings.PROGRESS_AT_RISK_RATIO = "0.25"
    settings.EVIDENCE_QUIET_DAYS = 1
    cache.clear()
    html = html_of(client, "/methodology/")
    assert "when progress is at least 75% of expected progress" in html
    assert "when it is at least 25%;" in html
    assert "for more than 1 day " in html
    assert "90%" not in html and "365" not in html


# --- Distributions ----------------------------------------------------------------------


def distributions(html):
    """(title, legend counts, legend labels, bar widths) of each stacked bar, in page order."""
    found = []
    for figure in re.findall(r'<figure class="distribution">(.*?)</figure>', html, re.S):
        title = re.search(r'class="distribution-title">([^<]*)<', figure).group(1)
        legend = re.findall(
            r'<span class="swatch seg-(\w+)" aria-hidden="true"></span>([^<]+): '
            r"<strong>(\d+)</strong>",
            figure,
        )
        bars = re.findall(r'<rect class="seg seg-(\w+)" x="[^"]+" y="0" width="([^"]+)"', figure)
        found.append(
            (
                title,
                {key: int(n) for key, _, n in legend},
                {key: label for key, label, _ in legend},
                {key: float(width) for key, width in bars},
            )
        )
    return found


def nonzero(counts):
    return {key: n for key, n in counts.items() if n}


def assert_matches(distribution, counts, labels):
    title, legend, words, bars = distribution
    assert legend == nonzero(counts), title
    assert words == {key: labels[key] for key in legend}, title
    total = sum(legend.values())
    assert bars == pytest.approx({k: 100 * n / total for k, n in legend.items()}, abs=0.01)


def test_home_shows_the_status_and_stage_distribution_of_the_stored_rollup(
    summit, client, django_capture_on_commit_callbacks
):
    overall = OverallProgress.objects.get()
    home = distributions(html_of(client, "/"))
    assert home[0][0] == "Status" and home[1][0] == "Stage of the deliverables"
    assert_matches(home[0], overall.status_counts, v.STATUS_LABELS)
    assert_matches(home[1], overall.stage_counts, v.STAGE_LABELS)
    assert sum(home[0][1].values()) == Commitment.objects.count()
    assert sum(home[1][1].values()) == Commitment.objects.filter(kind="deliverable").count()

    # An assessment moves one commitment from its computed status to the assessed one.
    with django_capture_on_commit_callbacks(execute=True):
        Assessment.objects.create(commitment=get(CHANDRAYAAN), status="stalled", reason="Quiet.")
    overall = OverallProgress.objects.get()
    assert overall.status_counts["stalled"] == 1
    home = distributions(html_of(client, "/"))
    assert_matches(home[0], overall.status_counts, v.STATUS_LABELS)
    assert home[0][1]["stalled"] == 1


def test_pillar_pages_show_their_own_distribution(summit, client):
    for progress in PillarProgress.objects.select_related("pillar"):
        found = distributions(html_of(client, progress.pillar.get_absolute_url()))
        assert found[0][0] == "Status"
        assert_matches(found[0], progress.status_counts, v.STATUS_LABELS)
        if any(progress.stage_counts.values()):
            assert_matches(found[1], progress.stage_counts, v.STAGE_LABELS)


# --- Sub-targets ------------------------------------------------------------------------


def test_the_parent_lists_its_sub_target_and_counts_its_amounts_once(summit, client):
    exchange, workers = get(EXCHANGE), get(WORKERS)
    assert workers.parent == exchange
    page = html_of(client, exchange.get_absolute_url())
    assert f'<a href="{workers.get_absolute_url()}">{workers.title}</a>' in section(
        page, "children-title"
    )
    assert f'<a href="{exchange.get_absolute_url()}">{exchange.title}</a>' in html_of(
        client, workers.get_absolute_url()
    )
    before = CommitmentProgress.objects.get(commitment=exchange).achieved_value

    factories.milestone(
        workers,
        occurred_on=date(2025, 10, 1),
        amount=Decimal(20000),
        unit="persons",
        title="First cohort of skilled workers arrives",
    )
    engine.recompute([workers.pk])  # recomputes the parent too
    child = CommitmentProgress.objects.get(commitment=workers)
    parent = CommitmentProgress.objects.get(commitment=exchange)
    assert child.achieved_value == 20000
    assert parent.achieved_value - before == child.achieved_value
    assert parent.last_evidence_on == date(2025, 10, 1)

    engine.recompute()  # a full run counts it once, not once per path
    assert CommitmentProgress.objects.get(commitment=exchange).achieved_value == before + 20000

    cache.clear()
    page = html_of(client, exchange.get_absolute_url())
    assert "20,000 people" in page
    assert "Counted from sub-targets" in page
    assert "First cohort of skilled workers arrives" in section(page, "milestones-title")
