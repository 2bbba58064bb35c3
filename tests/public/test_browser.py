"""The public site in a real browser: Debian's Chromium driven by Playwright."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.public.builders import assess_and_plan
from tracker.commitments.models import Commitment, Pillar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": 360, "desktop": 1280}


@pytest.fixture
def watched_page(page):
    """A page that records console errors and uncaught exceptions."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    return page


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_click_from_dashboard_to_pillar_to_commitment(summit, live_server, watched_page):
    page = watched_page
    yen = Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13"))
    page.goto(live_server.url + "/")
    shot(page, "dashboard-desktop")
    page.get_by_role("link", name=yen.pillar.name, exact=True).first.click()
    page.wait_for_url(f"**{yen.pillar.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == yen.pillar.name
    page.get_by_role("link", name=yen.title).first.click()
    page.wait_for_url(f"**{yen.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == yen.title
    assert page.locator("svg[role=img]").count() == 1
    assert page.locator("progress").first.get_attribute("aria-label")
    assert "¥10 trillion" in page.locator(".facts").inner_text()
    shot(page, "commitment-yen-desktop")
    assert page.problems == []


def test_navigation_reaches_meetings_and_the_latest_evidence(summit, live_server, watched_page):
    page = watched_page
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Latest evidence").is_visible()
    assert page.get_by_role("heading", name="Latest milestones").count() == 0
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Meetings & agreements").click()
    page.wait_for_url("**/agreements/")
    assert page.get_by_role("heading", level=1).inner_text() == "Meetings and agreements"
    later = "Meeting of Prime Ministers Narendra Modi and Sanae Takaichi"
    assert page.get_by_role("heading", name=later).is_visible()
    assert page.get_by_text("Date not given in the sources").count() == 1
    assert page.problems == []


def test_a_deliverable_shows_its_stage_ladder_and_the_chart_has_a_table(
    summit, live_server, watched_page
):
    page = watched_page
    deliverable = Commitment.objects.get(slug__startswith="chandrayaan-5")
    page.goto(live_server.url + deliverable.get_absolute_url())
    ladder = page.get_by_role("list", name="Completion stages")
    assert ladder.get_by_role("listitem").count() == 5
    assert "Agreed" in ladder.locator("[aria-current=step]").inner_text()
    yen = Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13"))
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + yen.get_absolute_url())
    legend = page.locator("figure.chart .legend").inner_text()
    assert "evidenced progress" in legend and "straight path to the stated deadline" in legend
    page.get_by_text("The chart as a table").click()
    assert page.locator("details.chart-data table tbody tr").count() >= 1
    # Axis labels stay at least 9 CSS pixels tall on a 390 px phone.
    sizes = page.locator("svg.chart-svg text.tick").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 9, sizes
    shot(page, "commitment-yen-390")
    assert page.problems == []


def test_apply_and_clear_filters(summit, live_server, watched_page):
    page = watched_page
    pillar = Pillar.objects.get(slug="economic-security")
    page.goto(live_server.url + "/commitments/")
    page.get_by_label("Pillar").select_option(pillar.slug)
    page.get_by_label("Sort by").select_option("-deadline")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**pillar=economic-security**")
    expected = Commitment.objects.filter(pillar=pillar).count()
    assert page.locator("li.commitment").count() == expected
    assert page.get_by_role("status").inner_text().startswith(f"{expected} commitment")
    shot(page, "commitments-filtered-desktop")
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(live_server.url + "/commitments/")
    assert page.locator("li.commitment").count() == min(25, Commitment.objects.count())
    assert page.problems == []


@pytest.mark.parametrize("screen", WIDTHS)
def test_pages_fit_phone_and_desktop_without_horizontal_scroll(
    summit, live_server, watched_page, screen
):
    page = watched_page
    page.set_viewport_size({"width": WIDTHS[screen], "height": 800})
    yen = Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13"))
    paths = ["/", "/commitments/", yen.get_absolute_url(), "/pillars/security-cooperation/",
             "/agreements/", "/sources/", "/methodology/", "/subscribe/"]  # fmt: skip
    for path in paths:
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {screen} width"
        shot(page, f"{path.strip('/').replace('/', '-') or 'dashboard'}-{screen}")
    assert page.problems == []


def test_keyboard_users_can_skip_to_content(summit, live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_pages_pass_an_axe_wcag_aa_audit(summit, live_server, page):
    require_service("axe-core (npm ci)", AXE.exists())
    yen = Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13"))
    deliverable = Commitment.objects.get(slug__startswith="chandrayaan-5")
    assess_and_plan(deliverable)
    failures = {}
    for path in ["/", "/commitments/?pillar=health", yen.get_absolute_url(), "/methodology/",
                 deliverable.get_absolute_url(), "/pillars/economic-security/",
                 "/commitments/human-resource-exchange-500000/", "/agreements/",
                 "/sources/", "/subscribe/"]:  # fmt: skip
        page.goto(live_server.url + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => await axe.run(document, "
            "{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        )
        if result["violations"]:
            failures[path] = [
                (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]
            ]
    assert failures == {}, json.dumps(failures, indent=1)
