"""The admin and its sign-in pages under the Content-Security-Policy, in Debian's Chromium."""

from pathlib import Path

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import require_service
from tests.security.test_lockout import LIMIT, fail

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("quick_password_hashing"),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = [1280, 390]


@pytest.fixture
def staff(django_user_model):
    """A staff account; the editorial groups are not there in a test that empties tables."""
    return django_user_model.objects.create_user("ed", password="pw", is_staff=True)


def sign_in(page, base, username, password="pw"):
    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def shot_at_each_width(page, name):
    """Screenshots at desktop and phone widths; the page must not scroll sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"


def test_the_admin_change_forms_run_with_nothing_blocked(summit, live_server, watched_page):
    from django.contrib.auth import get_user_model

    from tracker.commitments.models import Commitment, Milestone

    get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
    page = watched_page
    sign_in(page, live_server.url, "boss")
    page.wait_for_url(live_server.url + "/admin/")
    commitment, milestone = Commitment.objects.first(), Milestone.objects.first()
    for path in [
        "/admin/",
        "/admin/desk/",
        "/admin/commitments/commitment/",
        "/admin/commitments/commitment/add/",
        f"/admin/commitments/commitment/{commitment.pk}/change/",
        "/admin/commitments/milestone/",
        "/admin/commitments/milestone/add/",
        f"/admin/commitments/milestone/{milestone.pk}/change/",
        f"/admin/commitments/milestone/{milestone.pk}/history/",
        "/admin/otp_totp/totpdevice/add/",
        "/admin/two-factor/",
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    # The scripts run: the autocomplete box opens and searches.
    page.goto(live_server.url + "/admin/commitments/milestone/add/")
    page.locator(".field-commitment .select2-selection").click()
    page.locator(".select2-search__field").last.fill("trillion")
    assert page.locator(".select2-results__option").first.inner_text() != ""
    assert page.problems == []


def test_the_enrolment_page_shows_a_scannable_code(staff, live_server, watched_page):
    page = watched_page
    page.goto(live_server.url + "/admin/login/")
    shot_at_each_width(page, "admin-sign-in")
    sign_in(page, live_server.url, "ed")
    page.get_by_role("link", name="Two-factor sign-in").click()
    qr = page.get_by_role("img", name="QR code")
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 100
    shot_at_each_width(page, "two-factor-enrol")

    device = TOTPDevice.objects.get(user=staff)
    page.get_by_label("6-digit code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url(live_server.url + "/admin/")
    assert "Two-factor sign-in is on" in page.locator("ul.messagelist").inner_text()
    assert page.problems == []


def test_the_lockout_page_explains_the_pause(staff, live_server, watched_page):
    # The test client and the browser both come from 127.0.0.1: one count for "ed" there.
    fail(Client(), "ed", LIMIT - 1)
    page = watched_page
    sign_in(page, live_server.url, "ed", password="wrong")
    assert "Too many failed sign-ins" in page.locator(".errornote").inner_text()
    shot_at_each_width(page, "lockout")
    # The lockout answers 429, which the console reports; nothing else may be there.
    assert [p for p in page.problems if "429" not in p] == []


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.browser_context_args(bypass_csp=True)  # or the policy blocks the injected axe
def test_the_sign_in_pages_pass_an_axe_wcag_aa_audit(staff, live_server, page):
    require_service("axe-core (npm ci)", AXE.exists())
    failures = {}

    def audit(name):
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => await axe.run(document, "
            "{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        )
        failures[name] = [(v["id"], v["help"]) for v in result["violations"]]

    page.goto(live_server.url + "/admin/login/")
    audit("sign-in")
    sign_in(page, live_server.url, "ed")
    page.goto(live_server.url + "/admin/two-factor/")
    audit("enrolment")
    page.context.clear_cookies()
    fail(Client(), "ed", LIMIT - 1)
    sign_in(page, live_server.url, "ed", password="wrong")
    audit("lockout")
    assert failures == {"sign-in": [], "enrolment": [], "lockout": []}
