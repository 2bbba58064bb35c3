from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from tracker.accounts.views import two_factor_page
from tracker.ops.views import healthz

urlpatterns = [
    # The editors' desk lives under the milestone admin; this is the address to remember.
    path("admin/desk/", RedirectView.as_view(pattern_name="admin:desk"), name="desk"),
    # Outside the admin's own views: staff who still owe a second factor come here first.
    path("admin/two-factor/", two_factor_page, name="two-factor"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls")),
    # For the load balancer and the monitor (tracker/ops/health.py).
    path("healthz", healthz, name="healthz"),
    path("", include("tracker.digest.urls")),
    path("", include("tracker.public.urls")),
]

# JSON under /api/, the site's pages elsewhere.
handler400 = "tracker.api.views.bad_request"
handler403 = "tracker.api.views.permission_denied"
handler404 = "tracker.api.views.not_found"
handler500 = "tracker.api.views.server_error"
