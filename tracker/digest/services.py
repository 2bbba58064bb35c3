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
    """A signed link that was altered, made up, expired, used, or whose subscriber is gone."""

    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"  # a confirmation link after the subscription was confirmed
    WITHDRAWN = "withdrawn"  # a confirmation link sent before the address unsubscribed

    def __init__(self, reason: str = INVALID):
        super().__init__(f"{reason} link")
        self.reason = reason


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
    emails.confirmation_message(subscriber, pillars).send()


def confirmation(token: str) -> tuple[Subscriber, list[Pillar]]:
    """Who a confirmation link would subscribe and to which pillars, if it still may; no write.

    Opening the link only asks: mail scanners open links, and must subscribe nobody.
    """
    subscriber, pillar_ids = _confirmable(token, Subscriber.objects)
    return subscriber, list(Pillar.objects.filter(id__in=pillar_ids))


def confirm(token: str) -> Subscriber:
    """Confirm the subscription a link was sent for, with the pillars it carries; once."""
    with transaction.atomic():
        # Locked, so of two clicks at once the second waits and finds the link used.
        subscriber, pillar_ids = _confirmable(token, Subscriber.objects.select_for_update())
        # A new consent each time, even from a reader already receiving the digest who asked
        # for other pillars: the new date voids this link and any other sent before it.
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


def _confirmable(token: str, subscribers) -> tuple[Subscriber, list[int]]:
    """The subscriber a confirmation link is for and the pillar ids it carries, unless the
    link is bad, expired, or the subscriber confirmed or unsubscribed since it was sent."""
    max_age = settings.DIGEST_CONFIRM_MAX_AGE_DAYS * 24 * 3600
    try:
        link = tokens.read_confirm_token(token, max_age)
    except tokens.SignatureExpired as error:
        raise InvalidLink(InvalidLink.EXPIRED) from error
    except tokens.BadSignature as error:
        raise InvalidLink() from error
    subscriber = subscribers.filter(pk=link.subscriber_id).first()
    if subscriber is None:
        raise InvalidLink()
    if tokens.consent_state(subscriber) != link.consent:
        # Confirming resubscribes an unsubscribed address, so a mismatch while receiving
        # means a confirmation since; otherwise an unsubscribe since, not to be undone.
        raise InvalidLink(InvalidLink.USED if subscriber.is_receiving else InvalidLink.WITHDRAWN)
    return subscriber, link.pillar_ids
