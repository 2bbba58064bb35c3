"""The public site in a real browser: Debian's Chromium driven by Playwright."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import require_service
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
    failures = {}
    for path in ["/", "/commitments/?pillar=health", yen.get_absolute_url(), "/methodology/",
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
