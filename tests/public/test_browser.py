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


# The Content-Security-Policy would block the injected axe-core script; the audit's browser
# context alone bypasses it (every other test runs under the policy).
@pytest.mark.browser_context_args(bypass_csp=True)
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


@pytest.fixture
def editorial_groups(transactional_db):
    """The Editors and Reviewers groups, made again by the data migrations' own functions:
    an earlier test in this module emptied every table, those groups included."""
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    state = MigrationLoader(connection).project_state().apps
    for module, function in [
        ("tracker.commitments.migrations.0002_editors_group", "create_editors"),
        ("tracker.commitments.migrations.0004_editors_see_meetings_and_assessments", "grant"),
        ("tracker.digest.migrations.0002_editors_view_digest", "grant"),
        ("tracker.commitments.migrations.0006_reviewers_group", "create_reviewers"),
    ]:
        getattr(import_module(module), function)(state, None)


def test_a_milestone_goes_from_draft_to_review_to_correction_to_withdrawal(
    summit, live_server, watched_page, editorial_groups, django_user_model
):
    """The editorial path in the admin: an editor drafts a figure typed as people write it;
    a reviewer finds it on the desk, publishes it, corrects it with a reason and withdraws
    it with a reason."""
    from django.contrib.auth.models import Group

    from tests.summit import YEN
    from tracker.commitments.models import Correction, Milestone

    for username, group in [("ed", "Editors"), ("rev", "Reviewers")]:
        user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
    yen = Commitment.objects.get(slug=YEN)
    page = watched_page

    def sign_in(username):
        page.context.clear_cookies()
        page.goto(live_server.url + "/admin/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(live_server.url + "/admin/")

    def choose(field, search, option):
        """Pick from one of the admin's autocomplete boxes."""
        page.locator(f".field-{field} .select2-selection").click()
        page.locator(".select2-search__field").last.fill(search)
        page.locator(".select2-results__option", has_text=option).first.click()

    def said():
        return page.locator("ul.messagelist").inner_text()

    # The editor drafts, typing the amount as a reader would write it, and previews it.
    sign_in("ed")
    page.goto(live_server.url + "/admin/commitments/milestone/add/")
    assert page.get_by_role("button", name="Publish").count() == 0
    choose("commitment", "10 trillion", yen.title)
    page.locator("#id_occurred_on").fill("2025-10-01")
    page.locator("#id_title").fill("First tranche of private investment")
    page.locator("#id_amount").fill("¥500 billion")
    choose("sources", "trillion", "")
    page.locator("input[name=_preview]").click()
    assert "Understood: ¥500 billion (¥500,000,000,000) = 5% of the target" in said()
    assert page.locator("#id_unit").input_value() == ""  # nothing saved yet
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/commitments/milestone/")
    milestone = Milestone.objects.get(title="First tranche of private investment")
    assert (milestone.status, milestone.amount, milestone.unit) == ("draft", 5 * 10**11, "JPY")
    shot(page, "admin-draft-saved")

    # The reviewer finds it on the desk and publishes it.
    sign_in("rev")
    page.get_by_role("link", name="Open the editors’ desk").click()
    waiting = page.locator("#waiting-for-review")
    assert "ed" in waiting.inner_text()
    shot(page, "admin-desk")
    waiting.get_by_role("link", name="First tranche of private investment").click()
    shot(page, "admin-draft-for-review")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/admin/commitments/milestone/")
    assert "Published" in said()
    milestone.refresh_from_db()
    assert milestone.status == "published"

    # A correction of the figure needs a reason, which readers will see.
    page.goto(live_server.url + f"/admin/commitments/milestone/{milestone.pk}/change/")
    page.locator("#id_amount").fill("¥450 billion")
    page.locator("input[name=_save]").click()
    assert "readers see it as a correction" in page.locator(".field-change_reason").inner_text()
    page.locator("#id_change_reason").fill("The ministry revised the first tranche.")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/commitments/milestone/")

    # Withdrawing asks for the reason shown in the milestone's place.
    page.goto(live_server.url + f"/admin/commitments/milestone/{milestone.pk}/change/")
    page.get_by_role("link", name="Withdraw…").click()
    page.get_by_role("button", name="Withdraw").click()
    assert "readers see this reason" in page.locator("#content form").inner_text()
    page.get_by_label("Reason for withdrawing").fill("The tranche was announced, not invested.")
    page.get_by_role("button", name="Withdraw").click()
    page.wait_for_url(f"**/admin/commitments/milestone/{milestone.pk}/change/")
    assert "Withdrawn" in said()
    shot(page, "admin-withdrawn")
    page.get_by_role("link", name="History").click()
    assert "The ministry revised the first tranche." in page.locator("#change-history").inner_text()
    shot(page, "admin-history")

    milestone.refresh_from_db()
    assert (milestone.status, milestone.amount) == ("withdrawn", 45 * 10**10)
    kinds = list(Correction.objects.order_by("made_at").values_list("kind", "reason"))
    assert kinds == [
        ("correction", "The ministry revised the first tranche."),
        ("withdrawal", "The tranche was announced, not invested."),
    ]
    assert page.problems == []
