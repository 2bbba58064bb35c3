from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # The editors' desk lives under the milestone admin; this is the address to remember.
    path("admin/desk/", RedirectView.as_view(pattern_name="admin:desk"), name="desk"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls")),
    path("", include("tracker.digest.urls")),
    path("", include("tracker.public.urls")),
]

handler404 = "tracker.api.views.not_found"
