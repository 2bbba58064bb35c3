"""Signed links for subscribers: each purpose has its own salt, so no token opens another door.

Confirmation links carry the pillars asked for and expire; the links in every digest (manage
the pillars, unsubscribe) do not, since a reader may open an old digest months later.
"""

from django.core import signing

CONFIRM_SALT = "tracker.digest.confirm"
MANAGE_SALT = "tracker.digest.manage"
UNSUBSCRIBE_SALT = "tracker.digest.unsubscribe"

# Raised by the readers below: SignatureExpired for an old confirmation link (a subclass of
# BadSignature, so catch it first), BadSignature for anything altered or made up.
BadSignature = signing.BadSignature
SignatureExpired = signing.SignatureExpired


def confirm_token(subscriber_id: int, pillar_ids) -> str:
    return signing.dumps({"s": subscriber_id, "p": sorted(pillar_ids)}, salt=CONFIRM_SALT)


def read_confirm_token(token: str, max_age_seconds: float) -> tuple[int, list[int]]:
    """The subscriber id and pillar ids of a confirmation link."""
    payload = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age_seconds)
    try:
        return int(payload["s"]), [int(p) for p in payload["p"]]
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
