from django.conf import settings


def site(request):
    """Absolute URLs for canonical links and Open Graph metadata."""
    return {"site_url": settings.SITE_URL, "canonical_url": settings.SITE_URL + request.path}
