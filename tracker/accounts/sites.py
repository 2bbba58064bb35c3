from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from . import two_factor
from .forms import AdminLoginForm


class TrackerAdminSite(admin.AdminSite):
    """Django's admin site, which lets staff in only once their session has given the
    second factor it owes (see two_factor.is_outstanding); staff without an authenticator
    who are not required to have one sign in with their password, as before."""

    login_form = AdminLoginForm

    def has_permission(self, request):
        return super().has_permission(request) and not two_factor.is_outstanding(request.user)

    def login(self, request, extra_context=None):
        # A signed-in staff member who still owes a code finishes on the two-factor page
        # (enrolment or verification) instead of being shown the password form again.
        user = request.user
        if request.method == "GET" and user.is_active and user.is_staff:
            if two_factor.is_outstanding(user):
                next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
                return redirect(f"{reverse('two-factor')}?{urlencode({'next': next_url})}")
        return super().login(request, extra_context)
