"""Subscribe, confirm, choose pillars, unsubscribe: through the test client."""

import re
import time
from unittest import mock

import pytest
from django.test import Client

from tests import factories
from tracker.digest import tokens
from tracker.digest.models import Subscriber

from . import mail_backends
from .conftest import subscriber

pytestmark = pytest.mark.django_db


def subscribe(client, email, *pillars, **extra):
    return client.post("/subscribe/", {"email": email, "pillars": [p.pk for p in pillars]}, **extra)


def link_in(message, path):
    return re.search(rf"https://tracker\.example({path}[^\s\"<]+)", message.body).group(1)


def confirmation_link(client, mailoutbox, email, *pillars):
    """Ask to subscribe and return the path of the link the confirmation email carries."""
    subscribe(client, email, *pillars)
    return link_in(mailoutbox[-1], "/subscribe/confirm/")


def test_the_subscribe_page_has_a_form_with_a_csrf_token(client):
    factories.pillar(name="Mobility")
    response = client.get("/subscribe/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'type="email"' in html and 'name="pillars"' in html and "Mobility" in html


def test_subscribe_pages_are_never_cached(client):
    assert "no-store" in client.get("/subscribe/")["Cache-Control"]


def test_the_subscribe_form_refuses_a_post_without_csrf_token():
    assert subscribe(Client(enforce_csrf_checks=True), "a@example.org").status_code == 403


def test_a_subscribe_request_sends_one_confirmation_email(client, mailoutbox):
    response = subscribe(client, "reader@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/subscribe/check-your-email/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["reader@example.org"]
    assert "/subscribe/confirm/" in mailoutbox[0].body
    assert "/subscribe/confirm/" in mailoutbox[0].alternatives[0][0]


def test_known_and_unknown_addresses_get_the_same_answer(client, mailoutbox):
    subscriber("known@example.org")
    known = subscribe(client, "known@example.org", follow=True)
    unknown = subscribe(client, "unknown@example.org", follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert len(mailoutbox) == 2


def test_subscribing_again_in_another_case_does_not_duplicate(client):
    subscribe(client, "Reader@Example.org")
    subscribe(client, "reader@example.ORG ")
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["reader@example.org"]


def test_an_invalid_address_shows_the_form_again(client, mailoutbox):
    response = subscribe(client, "not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mailoutbox == []


def test_subscribe_requests_are_limited_per_client(client, settings):
    for n in range(settings.DIGEST_SUBSCRIBE_LIMIT):
        assert subscribe(client, f"r{n}@example.org").status_code == 302
    over = subscribe(client, "one-more@example.org")
    assert over.status_code == 429
    assert "Too many requests" in over.content.decode()
    assert int(over["Retry-After"]) > 0


def test_over_the_limit_known_and_unknown_addresses_get_the_same_answer(client, settings):
    subscriber("known@example.org")
    for n in range(settings.DIGEST_SUBSCRIBE_LIMIT):
        subscribe(client, f"r{n}@example.org")
    known = subscribe(client, "known@example.org")
    unknown = subscribe(client, "unknown@example.org")
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content


def test_the_limit_is_per_client_address(client, settings):
    for n in range(settings.DIGEST_SUBSCRIBE_LIMIT + 1):
        subscribe(client, f"r{n}@example.org")
    assert subscribe(client, "other@example.org", REMOTE_ADDR="10.0.0.2").status_code == 302


def test_unticking_every_pillar_follows_them_all(client):
    reader = subscriber("reader@example.org", factories.pillar(name="Mobility"))
    client.post(f"/subscribe/manage/{tokens.manage_token(reader.pk)}/", {})
    assert list(reader.pillars.all()) == []


def test_a_confirmation_the_mail_server_refuses_is_a_clear_503(client, settings):
    settings.EMAIL_BACKEND = "tests.digest.mail_backends.RefusingBackend"
    mail_backends.REFUSED.add("reader@example.org")
    try:
        response = subscribe(client, "reader@example.org")
    finally:
        mail_backends.REFUSED.clear()
    assert response.status_code == 503
    assert "We could not send the email" in response.content.decode()


def test_opening_the_emailed_link_asks_with_a_button_and_subscribes_nobody(client, mailoutbox):
    health = factories.pillar(name="Health")
    link = confirmation_link(client, mailoutbox, "reader@example.org", health)
    for response in (client.get(link), client.head(link)):
        assert response.status_code == 200
    html = client.get(link).content.decode()
    assert "<h1>Confirm your subscription</h1>" in html
    assert '<form method="post"' in html and 'name="csrfmiddlewaretoken"' in html
    assert '<button type="submit">Confirm my subscription</button>' in html
    assert "reader@example.org" in html and "Health" in html
    reader = Subscriber.objects.get()
    assert reader.confirmed_at is None
    assert list(reader.pillars.all()) == []


def test_the_confirm_page_has_no_inline_script_or_style(client, mailoutbox):
    html = client.get(confirmation_link(client, mailoutbox, "reader@example.org")).content
    html = html.decode()
    assert "style=" not in html and "<style" not in html
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []


def test_the_button_confirms_with_the_pillars_chosen(client, mailoutbox):
    factories.pillar(name="Mobility")
    health = factories.pillar(name="Health")
    response = client.post(confirmation_link(client, mailoutbox, "reader@example.org", health))
    assert response.status_code == 200
    assert "You are subscribed" in response.content.decode()
    reader = Subscriber.objects.get()
    assert reader.is_receiving
    assert list(reader.pillars.all()) == [health]
    assert "Health" in response.content.decode()


def test_the_confirm_button_needs_a_csrf_token(client, mailoutbox):
    link = confirmation_link(client, mailoutbox, "reader@example.org")
    assert Client(enforce_csrf_checks=True).post(link).status_code == 403
    assert Subscriber.objects.get().confirmed_at is None


def test_a_confirmation_link_works_once(client, mailoutbox):
    mobility, health = factories.pillar(name="Mobility"), factories.pillar(name="Health")
    link = confirmation_link(client, mailoutbox, "reader@example.org", mobility)
    client.post(link)
    reader = Subscriber.objects.get()
    confirmed_at = reader.confirmed_at
    client.post(f"/subscribe/manage/{tokens.manage_token(reader.pk)}/", {"pillars": [health.pk]})
    for replay in (client.post(link), client.get(link)):
        assert replay.status_code == 410
        assert "This link has already been used" in replay.content.decode()
        assert "<button" not in replay.content.decode()
    reader.refresh_from_db()
    assert reader.confirmed_at == confirmed_at
    assert list(reader.pillars.all()) == [health]


def test_confirming_voids_the_links_sent_before(client, mailoutbox):
    first = confirmation_link(client, mailoutbox, "reader@example.org")
    second = confirmation_link(client, mailoutbox, "reader@example.org")
    assert client.post(second).status_code == 200
    assert client.post(first).status_code == 410


def test_a_link_sent_before_unsubscribing_does_not_subscribe_again(client, mailoutbox):
    reader = subscriber("reader@example.org")
    link = confirmation_link(client, mailoutbox, "reader@example.org")
    client.post(f"/unsubscribe/{tokens.unsubscribe_token(reader.pk)}/")
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 410
        assert "The address was unsubscribed after this link was sent" in (
            response.content.decode()
        )
    reader.refresh_from_db()
    assert reader.unsubscribed_at is not None
    assert not reader.is_receiving


def test_a_confirmed_link_does_not_subscribe_again_after_unsubscribing(client, mailoutbox):
    link = confirmation_link(client, mailoutbox, "reader@example.org")
    client.post(link)
    reader = Subscriber.objects.get()
    client.post(f"/unsubscribe/{tokens.unsubscribe_token(reader.pk)}/")
    assert client.post(link).status_code == 410
    reader.refresh_from_db()
    assert not reader.is_receiving


def test_a_subscribe_request_changes_nothing_until_confirmed(client, mailoutbox):
    mobility = factories.pillar(name="Mobility")
    reader = subscriber("reader@example.org", mobility)
    link = confirmation_link(client, mailoutbox, "reader@example.org")
    client.get(link)
    reader.refresh_from_db()
    assert list(reader.pillars.all()) == [mobility]
    client.post(link)
    assert list(reader.pillars.all()) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_confirmation_link_is_a_clear_400(client, settings, method):
    reader = subscriber("reader@example.org", confirmed=False)
    eight_days_ago = time.time() - (settings.DIGEST_CONFIRM_MAX_AGE_DAYS + 1) * 86400
    with mock.patch("time.time", return_value=eight_days_ago):
        token = tokens.confirm_token(reader, [])
    response = getattr(client, method)(f"/subscribe/confirm/{token}/")
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    reader.refresh_from_db()
    assert reader.confirmed_at is None


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "path",
    [
        "/subscribe/confirm/{confirm}x/",
        "/subscribe/confirm/{unsubscribe}/",
        "/subscribe/confirm/nonsense/",
        "/subscribe/manage/{unsubscribe}/",
        "/subscribe/manage/1:forged/",
        "/unsubscribe/{manage}/",
        "/unsubscribe/{confirm}/",
    ],
)
def test_a_tampered_or_foreign_token_is_a_clear_400(client, path, method):
    reader = subscriber("reader@example.org", confirmed=False)
    path = path.format(
        confirm=tokens.confirm_token(reader, []),
        manage=tokens.manage_token(reader.pk),
        unsubscribe=tokens.unsubscribe_token(reader.pk),
    )
    response = getattr(client, method)(path)
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    reader.refresh_from_db()
    assert (reader.confirmed_at, reader.unsubscribed_at) == (None, None)


def test_a_link_for_a_deleted_subscriber_is_a_400(client):
    reader = subscriber("reader@example.org")
    token = tokens.unsubscribe_token(reader.pk)
    reader.delete()
    assert client.get(f"/unsubscribe/{token}/").status_code == 400


def test_readers_change_their_pillars_from_the_manage_link(client):
    mobility, health = factories.pillar(name="Mobility"), factories.pillar(name="Health")
    reader = subscriber("reader@example.org", mobility)
    url = f"/subscribe/manage/{tokens.manage_token(reader.pk)}/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = client.post(url, {"pillars": [health.pk]}, follow=True)
    assert response.status_code == 200
    assert "Saved." in response.content.decode()
    assert list(reader.pillars.all()) == [health]


def test_unsubscribe_get_asks_with_a_button_and_changes_nothing(client):
    reader = subscriber("reader@example.org")
    url = f"/unsubscribe/{tokens.unsubscribe_token(reader.pk)}/"
    html = client.get(url).content.decode()
    assert '<form method="post"' in html and "<button" in html
    reader.refresh_from_db()
    assert reader.is_receiving


def test_one_click_unsubscribe_needs_no_csrf_token_nor_login():
    reader = subscriber("reader@example.org")
    url = f"/unsubscribe/{tokens.unsubscribe_token(reader.pk)}/"
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.unsubscribed_at is not None


def test_subscribing_again_after_unsubscribing_needs_a_new_confirmation(client, mailoutbox):
    reader = subscriber("reader@example.org")
    client.post(f"/unsubscribe/{tokens.unsubscribe_token(reader.pk)}/")
    subscribe(client, "reader@example.org")
    reader.refresh_from_db()
    assert not reader.is_receiving
    client.post(link_in(mailoutbox[0], "/subscribe/confirm/"))
    reader.refresh_from_db()
    assert reader.is_receiving


def test_the_navigation_links_to_the_subscribe_page(client):
    html = client.get("/subscribe/").content.decode()
    assert '<a href="/subscribe/" aria-current="page">Subscribe</a>' in html
