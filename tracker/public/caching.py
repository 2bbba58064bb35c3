"""Whole-page caching for the public site, dropped whenever the rollups change.

Pages are keyed by a version number that the engine's rollups_changed signal bumps, so a
recompute makes every cached page stale at once without listing keys. A cache outage
only costs speed: every cache call falls back to rendering.
"""

import hashlib
import logging
import time
from functools import wraps

from django.core.cache import cache
from django.dispatch import receiver

from tracker.progress.engine import rollups_changed

logger = logging.getLogger(__name__)
VERSION_KEY = "public-pages:version"
PAGE_TIMEOUT = 600


def pages_version() -> str:
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            version = str(time.time_ns())
            cache.add(VERSION_KEY, version, None)
        return str(version)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
        return ""


@receiver(rollups_changed, dispatch_uid="drop_cached_pages")
def drop_cached_pages(**kwargs):
    try:
        cache.set(VERSION_KEY, str(time.time_ns()), None)
    except Exception:
        logger.warning("could not drop cached pages", exc_info=True)


def cached_page(view):
    """Cache a public GET view's successful responses until the rollups next change."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        version = pages_version() if request.method in ("GET", "HEAD") else ""
        if not version:
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"public-page:{version}:{view.__module__}.{view.__name__}:{path}"
        try:
            response = cache.get(key)
        except Exception:
            response = None
        if response is not None:
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            if hasattr(response, "render"):
                response = response.render()
            try:
                cache.set(key, response, PAGE_TIMEOUT)
            except Exception:
                logger.warning("could not cache %s", request.path, exc_info=True)
        return response

    return wrapper
