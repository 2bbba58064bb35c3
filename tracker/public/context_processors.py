from django.conf import settings


def site(request):
    """Absolute URLs for canonical links and Open Graph metadata, and the quiet-evidence limit
    that every card's flag quotes."""
    return {
        "site_url": settings.SITE_URL,
        "canonical_url": settings.SITE_URL + request.path,
        "quiet_days": settings.EVIDENCE_QUIET_DAYS,
    }
