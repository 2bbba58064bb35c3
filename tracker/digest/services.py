"""Subscribing, confirming, choosing pillars and unsubscribing: the writes behind the pages.

A subscribe request never changes an existing subscription by itself: it only sends a
confirmation link that carries the pillars asked for, so typing someone else's address
neither reveals nor alters anything.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tracker.commitments.models import Pillar

from . import emails, tokens
from .models import Subscriber, normalize_email

logger = logging.getLogger(__name__)


class InvalidLink(Exception):
    """A signed link that was altered, made up, expired, or whose subscriber is gone."""

    def __init__(self, expired: bool = False):
        super().__init__("expired link" if expired else "invalid link")
        self.expired = expired


def subscribe_allowed(client: str) -> bool:
    """Count one subscribe request from a client; False once over the limit for the period.

    A fixed window in the shared cache. A cache outage lets requests through rather than
    taking the form down.
    """
    key = f"digest:subscribe-requests:{client}"
    period = settings.DIGEST_SUBSCRIBE_PERIOD_SECONDS
    try:
        cache.add(key, 0, period)
        try:
            count = cache.incr(key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(key, 1, period)
            count = 1
    except Exception:
        logger.warning("rate limit unavailable; letting a subscribe request through", exc_info=True)
        return True
    return count <= settings.DIGEST_SUBSCRIBE_LIMIT


def request_subscription(email: str, pillars: list[Pillar]) -> None:
    """Send a confirmation link, whether the address is new, waiting, confirmed or gone."""
    subscriber, _ = Subscriber.objects.get_or_create(email=normalize_email(email))
    emails.confirmation_message(subscriber.email, subscriber.pk, pillars).send()


def confirm(token: str) -> Subscriber:
    """Confirm the subscription a link was sent for, with the pillars it carries."""
    max_age = settings.DIGEST_CONFIRM_MAX_AGE_DAYS * 24 * 3600
    try:
        subscriber_id, pillar_ids = tokens.read_confirm_token(token, max_age)
    except tokens.SignatureExpired as error:
        raise InvalidLink(expired=True) from error
    except tokens.BadSignature as error:
        raise InvalidLink() from error
    with transaction.atomic():
        subscriber = _locked(subscriber_id)
        if not subscriber.is_receiving:
            subscriber.confirmed_at = timezone.now()
            subscriber.unsubscribed_at = None
            subscriber.save(update_fields=["confirmed_at", "unsubscribed_at", "updated_at"])
        subscriber.pillars.set(Pillar.objects.filter(id__in=pillar_ids))
    return subscriber


def subscriber_to_manage(token: str) -> Subscriber:
    return _subscriber(token, tokens.read_manage_token)


def subscriber_to_unsubscribe(token: str) -> Subscriber:
    return _subscriber(token, tokens.read_unsubscribe_token)


def choose_pillars(subscriber: Subscriber, pillars: list[Pillar]) -> None:
    subscriber.pillars.set(pillars)
    subscriber.save(update_fields=["updated_at"])


def unsubscribe(subscriber: Subscriber) -> None:
    """Stop the digest; a second unsubscribe keeps the first date."""
    Subscriber.objects.filter(pk=subscriber.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now(), updated_at=timezone.now()
    )


def _subscriber(token: str, read) -> Subscriber:
    try:
        subscriber_id = read(token)
    except tokens.BadSignature as error:
        raise InvalidLink() from error
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        raise InvalidLink()
    return subscriber


def _locked(subscriber_id: int) -> Subscriber:
    subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
    if subscriber is None:
        raise InvalidLink()
    return subscriber
