"""Two-factor sign-in for staff with an authenticator app (django-otp's TOTP devices)."""

import re
from base64 import b32decode
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import models as otp_models
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_password_hashing")]


@pytest.fixture
def clock(monkeypatch):
    """The devices' clock, for their codes and their throttling after a wrong code, held
    still until a test moves it on."""
    now = SimpleNamespace(value=1_800_000_000.0)
    monkeypatch.setattr(totp_models, "time", SimpleNamespace(time=lambda: now.value))
    aware = SimpleNamespace(now=lambda: datetime.fromtimestamp(now.value, UTC))
    monkeypatch.setattr(otp_models, "timezone", aware)
    return now


def code(device, at):
    """The code an authenticator app holding the device's key shows at that time."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at
    return f"{totp.token():06d}"


def sign_in(client, username, password="pw", token=""):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "otp_token": token, "next": "/admin/"},
    )


def enrol(client, user, clock):
    client.get("/admin/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    return client.post("/admin/two-factor/", {"token": code(device, clock.value)}), device


def test_the_enrolment_page_shows_the_key_as_a_qr_code_and_as_text(editor_client, editor):
    response = editor_client.get("/admin/two-factor/")
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=editor)
    assert not device.confirmed
    html = response.content.decode()
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="QR code', html)
    key = response.context["secret"].replace(" ", "")
    assert b32decode(key + "=" * (-len(key) % 8)) == device.bin_key
    assert response.context["secret"] in html
    # A reload shows the same key, so a code from the app scanned first still works.
    editor_client.get("/admin/two-factor/")
    assert TOTPDevice.objects.get(user=editor).key == device.key


def test_a_code_from_the_key_confirms_the_device_and_verifies_the_session(
    editor_client, editor, clock
):
    response, device = enrol(editor_client, editor, clock)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert editor_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert editor_client.get("/admin/").status_code == 200
    assert b"Two-factor sign-in is on" in editor_client.get("/admin/two-factor/").content


def test_a_wrong_code_does_not_confirm_the_device(editor_client, editor, clock):
    editor_client.get("/admin/two-factor/")
    device = TOTPDevice.objects.get(user=editor)
    wrong = f"{(int(code(device, clock.value)) + 1) % 10**6:06d}"
    response = editor_client.post("/admin/two-factor/", {"token": wrong})
    assert response.status_code == 200
    assert "That code is wrong" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert DEVICE_ID_SESSION_KEY not in editor_client.session


def test_staff_without_a_device_sign_in_with_their_password_by_default(editor, client):
    assert sign_in(client, "ed").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_signing_in_with_a_device_needs_its_current_code(editor, clock):
    enrolling = Client()
    enrolling.force_login(editor)
    _, device = enrol(enrolling, editor, clock)
    client = Client()

    response = sign_in(client, "ed")
    assert response.status_code == 200
    assert "enter the 6-digit code from your authenticator app" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # The code that confirmed the device is spent; the next one the app shows is not.
    response = sign_in(client, "ed", token=code(device, clock.value))
    assert response.status_code == 200
    assert "That code is wrong or has expired" in response.content.decode()
    # After a wrong code the device waits a second before it checks another one.
    clock.value += 30
    response = sign_in(client, "ed", token=code(device, clock.value))
    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/admin/").status_code == 200


def test_a_wrong_password_with_a_right_code_is_still_refused(editor, clock):
    device = TOTPDevice.objects.create(user=editor, name="app", confirmed=True)
    client = Client()
    response = sign_in(client, "ed", password="wrong", token=code(device, clock.value))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_session_without_the_code_of_a_device_it_has_is_sent_to_verify(editor, clock):
    device = TOTPDevice.objects.create(user=editor, name="app", confirmed=True)
    client = Client()
    client.force_login(editor)  # a session from before the device, say
    response = client.get("/admin/commitments/milestone/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/two-factor/?next=")
    assert response.context["state"] == "verify"
    response = client.post(
        "/admin/two-factor/?next=/admin/commitments/milestone/",
        {"token": code(device, clock.value), "next": "/admin/commitments/milestone/"},
    )
    assert response["Location"] == "/admin/commitments/milestone/"
    assert client.get("/admin/commitments/milestone/").status_code == 200


def test_a_reviewer_must_enrol_when_the_setting_requires_it(
    settings, reviewer, reviewer_client, editor_client, clock
):
    settings.OTP_REQUIRED_FOR_REVIEWERS = True
    response = reviewer_client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/admin/two-factor/?next=%2Fadmin%2F"
    assert response.context["state"] == "enrol"
    assert "Your account must use two-factor sign-in" in response.content.decode()
    assert reviewer_client.get("/admin/desk/", follow=True).context["state"] == "enrol"
    # Editors, who are not reviewers, keep signing in with their password.
    assert editor_client.get("/admin/").status_code == 200

    response, _ = enrol(reviewer_client, reviewer, clock)
    assert response["Location"] == "/admin/"
    assert reviewer_client.get("/admin/").status_code == 200


def test_a_reviewer_signing_in_with_a_password_alone_is_sent_to_enrol(settings, reviewer, client):
    settings.OTP_REQUIRED_FOR_REVIEWERS = True
    response = sign_in(client, "rev")
    assert response.status_code == 302
    response = client.get("/admin/", follow=True)
    assert response.context["state"] == "enrol"
    assert client.get("/admin/commitments/milestone/").status_code == 302


def test_every_staff_member_must_enrol_when_the_setting_requires_it(settings, editor_client):
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = editor_client.get("/admin/", follow=True)
    assert response.context["state"] == "enrol"


def test_the_two_factor_page_is_for_staff_only(client, django_user_model):
    reader = django_user_model.objects.create_user("reader", password="pw")
    client.force_login(reader)
    response = client.get("/admin/two-factor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not TOTPDevice.objects.exists()


def test_the_two_factor_page_only_returns_to_this_site(editor_client, editor, clock):
    editor_client.get("/admin/two-factor/")
    device = TOTPDevice.objects.get(user=editor)
    response = editor_client.post(
        "/admin/two-factor/", {"token": code(device, clock.value), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"
