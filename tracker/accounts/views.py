import django_otp
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timeuntil
from django.views.decorators.cache import never_cache

from . import two_factor
from .forms import AuthenticatorCodeForm


@never_cache
@staff_member_required
def two_factor_page(request):
    """Set up an authenticator app, or give this session its code, or see that it is on."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("admin:index")
    device = two_factor.confirmed_device(user)
    if device and two_factor.is_verified(user):
        state = "on"
    elif device:
        state = "verify"
    else:
        state, device = "enrol", two_factor.pending_device(user)

    form = None
    if state != "on":
        form = AuthenticatorCodeForm(device, request.POST or None)
        if form.is_valid():
            if state == "enrol":
                two_factor.confirm(device)
                messages.success(
                    request, "Two-factor sign-in is on: the admin asks for a code at each sign-in."
                )
            django_otp.login(request, device)
            return redirect(next_url)

    context = {
        **admin.site.each_context(request),
        "title": "Two-factor sign-in",
        "state": state,
        "device": device,
        "form": form,
        "next": next_url,
        "required": two_factor.is_required(user),
    }
    if state == "enrol":
        context |= {"qr_code": two_factor.qr_code(device), "secret": two_factor.secret(device)}
    return TemplateResponse(request, "accounts/two_factor.html", context)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once a username has failed too often from one address."""
    now = timezone.now()
    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in paused",
        "username": get_client_username(request, credentials),
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off": timeuntil(now + cool_off, now) if cool_off else None,
    }
    return TemplateResponse(request, "accounts/locked_out.html", context, status=429).render()
