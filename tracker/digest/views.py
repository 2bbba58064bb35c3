"""Subscribe, confirm, choose pillars, unsubscribe: thin views over services, never cached.

Every answer to a subscribe request is the same whether or not the address is known.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import emails, services
from .forms import PillarsForm, SubscribeForm

logger = logging.getLogger(__name__)


def invalid_link(request, error: services.InvalidLink, purpose: str):
    context = {"reason": error.reason, "purpose": purpose}
    # A confirmation link used up or overtaken by an unsubscribe is gone for good.
    gone = error.reason in (services.InvalidLink.USED, services.InvalidLink.WITHDRAWN)
    return render(request, "digest/invalid_link.html", context, status=410 if gone else 400)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not services.subscribe_allowed(request.META.get("REMOTE_ADDR", "")):
            period_minutes = settings.DIGEST_SUBSCRIBE_PERIOD_SECONDS // 60
            response = render(
                request, "digest/rate_limited.html", {"minutes": period_minutes}, status=429
            )
            response["Retry-After"] = str(settings.DIGEST_SUBSCRIBE_PERIOD_SECONDS)
            return response
        if form.is_valid():
            try:
                services.request_subscription(
                    form.cleaned_data["email"], list(form.cleaned_data["pillars"])
                )
            except OSError:  # smtplib's errors included
                logger.exception("could not send a confirmation email")
                return render(request, "digest/send_failed.html", status=503)
            return redirect("digest:subscribe-sent")
    return render(request, "digest/subscribe.html", {"form": form})


@never_cache
def subscribe_sent(request):
    context = {"max_age_days": settings.DIGEST_CONFIRM_MAX_AGE_DAYS}
    return render(request, "digest/subscribe_sent.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """Opening the link shows a button; only its POST confirms, since mail scanners open links."""
    try:
        if request.method != "POST":
            subscriber, pillars = services.confirmation(token)
            context = {"subscriber": subscriber, "pillars": pillars}
            return render(request, "digest/confirm.html", context)
        subscriber = services.confirm(token)
    except services.InvalidLink as error:
        return invalid_link(request, error, "confirm")
    context = {
        "subscriber": subscriber,
        "pillars": list(subscriber.pillars.all()),
        "manage_url": emails.manage_url(subscriber.pk),
    }
    return render(request, "digest/confirmed.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    try:
        subscriber = services.subscriber_to_manage(token)
    except services.InvalidLink as error:
        return invalid_link(request, error, "manage")
    form = PillarsForm(
        request.POST if request.method == "POST" else None,
        initial={"pillars": subscriber.pillars.all()},
    )
    if request.method == "POST" and form.is_valid():
        services.choose_pillars(subscriber, list(form.cleaned_data["pillars"]))
        messages.success(request, "Saved. The next digest follows these pillars.")
        return redirect(request.path)
    context = {
        "subscriber": subscriber,
        "form": form,
        "unsubscribe_url": emails.unsubscribe_url(subscriber.pk),
    }
    return render(request, "digest/manage.html", context)


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST here with no CSRF token
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    try:
        subscriber = services.subscriber_to_unsubscribe(token)
    except services.InvalidLink as error:
        return invalid_link(request, error, "unsubscribe")
    if request.method == "POST":
        services.unsubscribe(subscriber)
        return render(request, "digest/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "digest/unsubscribe.html", {"subscriber": subscriber})
