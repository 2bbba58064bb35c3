"""The digest's emails: each a trio of templates (subject, text, HTML) under digest/email/."""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from tracker.commitments.models import Pillar

from . import tokens
from .content import Digest

TEMPLATES = "digest/email"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def confirm_url(subscriber, pillar_ids) -> str:
    token = tokens.confirm_token(subscriber, pillar_ids)
    return absolute(reverse("digest:confirm", args=[token]))


def manage_url(subscriber_id: int) -> str:
    return absolute(reverse("digest:manage", args=[tokens.manage_token(subscriber_id)]))


def unsubscribe_url(subscriber_id: int) -> str:
    return absolute(reverse("digest:unsubscribe", args=[tokens.unsubscribe_token(subscriber_id)]))


def render_subject(name: str, context: dict) -> str:
    subject = render_to_string(f"{TEMPLATES}/{name}_subject.txt", context)
    return " ".join(subject.split())


def build_message(subject: str, text: str, html: str, to: str, headers=None):
    message = EmailMultiAlternatives(subject, text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


def confirmation_message(subscriber, pillars: list[Pillar]):
    """The email whose link confirms a subscription and sets the pillars asked for."""
    context = {
        "confirm_url": confirm_url(subscriber, [p.id for p in pillars]),
        "pillar_names": [p.name for p in pillars],
        "max_age_days": settings.DIGEST_CONFIRM_MAX_AGE_DAYS,
        "site_url": settings.SITE_URL,
    }
    return build_message(
        render_subject("confirm", context),
        render_to_string(f"{TEMPLATES}/confirm.txt", context),
        render_to_string(f"{TEMPLATES}/confirm.html", context),
        to=subscriber.email,
    )


@dataclass(frozen=True)
class RenderedDigest:
    """The part of a digest every reader of one pillar selection shares, rendered once."""

    digest: Digest
    subject: str
    text: str
    html: SafeString


def render_digest(digest: Digest) -> RenderedDigest:
    context = {"digest": digest, "site_url": settings.SITE_URL}
    return RenderedDigest(
        digest=digest,
        subject=render_subject("digest", context),
        text=render_to_string(f"{TEMPLATES}/digest_body.txt", context).strip(),
        html=render_to_string(f"{TEMPLATES}/digest_body.html", context),
    )


def digest_message(rendered: RenderedDigest, email: str, manage_link: str, unsubscribe_link: str):
    """One reader's digest: the shared body inside a frame with their own links."""
    context = {
        "digest": rendered.digest,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,  # safe: the template rendered and escaped it
        "email": email,
        "manage_url": manage_link,
        "unsubscribe_url": unsubscribe_link,
        "site_url": settings.SITE_URL,
    }
    headers = {
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs here.
        "List-Unsubscribe": f"<{unsubscribe_link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return build_message(
        rendered.subject,
        render_to_string(f"{TEMPLATES}/digest.txt", context),
        render_to_string(f"{TEMPLATES}/digest.html", context),
        to=email,
        headers=headers,
    )
