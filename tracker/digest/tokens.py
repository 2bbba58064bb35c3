"""Signed links for subscribers: each purpose has its own salt, so no token opens another door.

Confirmation links carry the pillars asked for, expire, and are bound to the subscriber's
consent as it stood when the link was sent (when they last confirmed and unsubscribed), the
way Django's password reset tokens are bound to the last login: confirming or unsubscribing
afterwards changes that state and voids the link, so it is single-use and cannot undo an
unsubscribe. The links in every digest (manage the pillars, unsubscribe) do not expire,
since a reader may open an old digest months later.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC

from django.core import signing

CONFIRM_SALT = "tracker.digest.confirm"
MANAGE_SALT = "tracker.digest.manage"
UNSUBSCRIBE_SALT = "tracker.digest.unsubscribe"

# Raised by the readers below: SignatureExpired for an old confirmation link (a subclass of
# BadSignature, so catch it first), BadSignature for anything altered or made up.
BadSignature = signing.BadSignature
SignatureExpired = signing.SignatureExpired


@dataclass(frozen=True)
class ConfirmLink:
    subscriber_id: int
    consent: str
    pillar_ids: list[int]


def consent_state(subscriber) -> str:
    """A short fingerprint of when a subscriber last confirmed and last unsubscribed."""
    moments = (subscriber.confirmed_at, subscriber.unsubscribed_at)
    text = "|".join(m.astimezone(UTC).isoformat() if m else "" for m in moments)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def confirm_token(subscriber, pillar_ids) -> str:
    payload = {"s": subscriber.pk, "c": consent_state(subscriber), "p": sorted(pillar_ids)}
    return signing.dumps(payload, salt=CONFIRM_SALT)


def read_confirm_token(token: str, max_age_seconds: float) -> ConfirmLink:
    payload = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age_seconds)
    try:
        return ConfirmLink(int(payload["s"]), str(payload["c"]), [int(p) for p in payload["p"]])
    except (KeyError, TypeError, ValueError) as error:
        raise BadSignature("malformed confirmation token") from error


def manage_token(subscriber_id: int) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign(str(subscriber_id))


def read_manage_token(token: str) -> int:
    return _read_id(token, MANAGE_SALT)


def unsubscribe_token(subscriber_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscriber_id))


def read_unsubscribe_token(token: str) -> int:
    return _read_id(token, UNSUBSCRIBE_SALT)


def _read_id(token: str, salt: str) -> int:
    value = signing.Signer(salt=salt).unsign(token)
    if not value.isdigit():
        raise BadSignature("malformed token")
    return int(value)
