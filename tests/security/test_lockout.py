"""Wrong admin passwords lock a username out from that address (django-axes)."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_password_hashing")]

LIMIT = 20


def sign_in(client, username, password):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


def fail(client, username, times):
    return [sign_in(client, username, "wrong").status_code for _ in range(times)]


def test_the_limit_is_twenty():
    assert settings.AXES_FAILURE_LIMIT == LIMIT


def test_twenty_wrong_passwords_lock_the_account_out(editor, client):
    # Nineteen wrong passwords each get the sign-in form back; the twentieth, the lockout.
    assert fail(client, "ed", LIMIT - 1) == [200] * (LIMIT - 1)
    assert sign_in(client, "ed", "wrong").status_code == 429
    # Now even the right password is refused, and no session is opened.
    response = sign_in(client, "ed", "pw")
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_nineteen_wrong_passwords_do_not_lock(editor, client):
    fail(client, "ed", LIMIT - 1)
    response = sign_in(client, "ed", "pw")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_another_user_at_the_same_address_can_still_sign_in(editor, reviewer, client):
    fail(client, "ed", LIMIT)
    other = Client()
    assert sign_in(other, "rev", "pw").status_code == 302
    assert other.get("/admin/").status_code == 200


def test_the_same_user_from_another_address_can_still_sign_in(editor, client):
    fail(client, "ed", LIMIT)
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_in(elsewhere, "ed", "pw").status_code == 302


def test_a_successful_sign_in_starts_the_count_again(editor, client):
    fail(client, "ed", LIMIT - 1)
    assert sign_in(client, "ed", "pw").status_code == 302
    client.logout()
    assert fail(client, "ed", LIMIT - 1) == [200] * (LIMIT - 1)
    assert sign_in(client, "ed", "pw").status_code == 302


def test_failures_are_counted_where_every_web_process_sees_them(editor, client):
    from axes.helpers import get_client_cache_keys
    from axes.models import AccessAttempt
    from django.core.cache import cache

    fail(client, "ed", 3)
    if settings.REDIS_URL:
        assert settings.AXES_HANDLER == "axes.handlers.cache.AxesCacheHandler"
        (key,) = get_client_cache_keys(AccessAttempt(username="ed", ip_address="127.0.0.1"))
        assert cache.get(key) == 3
    else:
        assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
        attempt = AccessAttempt.objects.get(username="ed", ip_address="127.0.0.1")
        assert attempt.failures_since_start == 3


def test_an_administrator_can_lift_the_pause(editor, client):
    fail(client, "ed", LIMIT)
    call_command("axes_reset_ip_username", "127.0.0.1", "ed", stdout=io.StringIO())
    assert sign_in(client, "ed", "pw").status_code == 302


def test_the_lockout_page_says_what_happened_and_how_long_it_lasts(editor, client):
    response = fail(client, "ed", LIMIT - 1) and sign_in(client, "ed", "wrong")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed sign-ins as “ed” from your address" in text
    assert "After 20 wrong attempts" in text
    assert "paused for 1\xa0hour" in text
    assert "Content-Security-Policy" in response.headers
