"""Whole-page caching for the public site; a recompute drops only the pages it changed.

A page's key holds the version of what it shows: a commitment's page its commitment's, a
pillar's page its pillar's, every other page (they aggregate everything) the site's; and
every key holds one generation. When the engine's rollups_changed signal names the
commitments it recomputed, their versions, their direct children's (a child's page shows
its parent), their pillars' and the site's are bumped; a signal without ids (a full
recompute, an import) bumps the generation, dropping every page. Versions live in the
cache, so every process sees a bump, and a hit reads them in one round trip with no
database query. A cache outage only costs speed: every cache call falls back to rendering.
"""

import hashlib
import logging
import uuid
from functools import wraps

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from tracker.commitments.models import Commitment
from tracker.progress.engine import rollups_changed

logger = logging.getLogger(__name__)
PAGE_TIMEOUT = 600
GENERATION = "public-pages:generation"
SCOPES = ("site", "pillar", "commitment")


def version_key(scope: str, slug: str | None = None) -> str:
    """Where the version of the site's pages, or of one pillar's or commitment's, is kept."""
    if slug is None:
        return f"public-pages:{scope}"
    # Hashed: an address may carry any slug, up to the longest a client sends, and a key
    # must stay short whatever the cache.
    return f"public-pages:{scope}:{hashlib.sha256(slug.encode()).hexdigest()}"


def current_versions(keys: list[str]) -> list[str] | None:
    """These versions, read in one round trip (a missing one starts afresh); None when the
    cache is unavailable."""
    try:
        found = cache.get_many(keys)
        missing = {key: uuid.uuid4().hex for key in keys if key not in found}
        if missing:
            cache.set_many(missing, None)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
        return None
    return [found.get(key) or missing[key] for key in keys]


def bump(keys) -> None:
    """Give these versions a value never used before, so the pages keyed by them are stale."""
    try:
        cache.set_many(dict.fromkeys(keys, uuid.uuid4().hex), None)
    except Exception:
        logger.warning("could not drop cached pages", exc_info=True)


def versions_showing(commitment_ids) -> set[str]:
    """The versions of the pages that show these commitments' figures, found in one query:
    the site's, theirs, their direct children's and their pillars'."""
    ids = set(commitment_ids)
    keys = {version_key("site")}
    rows = Commitment.objects.filter(Q(pk__in=ids) | Q(parent_id__in=ids)).values_list(
        "pk", "slug", "pillar__slug"
    )
    for pk, slug, pillar_slug in rows:
        keys.add(version_key("commitment", slug))
        if pk in ids:
            keys.add(version_key("pillar", pillar_slug))
    return keys


@receiver(rollups_changed, dispatch_uid="drop_cached_pages")
def drop_cached_pages(**kwargs):
    commitment_ids = kwargs.get("commitment_ids")
    if commitment_ids is None:
        bump([GENERATION])
        return
    try:
        keys = versions_showing(commitment_ids)
    except DatabaseError:
        logger.warning("could not tell which pages changed; dropping them all", exc_info=True)
        keys = [GENERATION]
    bump(keys)


@receiver(pre_save, sender=Commitment, dispatch_uid="drop_pages_a_commitment_leaves_on_save")
@receiver(pre_delete, sender=Commitment, dispatch_uid="drop_pages_a_commitment_leaves_on_delete")
def drop_pages_it_leaves(sender, instance, signal, using, raw=False, **kwargs):
    """A commitment renamed, moved to another pillar or deleted leaves pages that no
    recompute names: the one at its old address and its old pillar's."""
    if raw or instance.pk is None:
        return
    old = (
        Commitment.objects.using(using)
        .filter(pk=instance.pk)
        .values_list("slug", "pillar_id", "pillar__slug")
        .first()
    )
    if old is None:
        return
    slug, pillar_id, pillar_slug = old
    deleted = signal is pre_delete
    keys = []
    if deleted or slug != instance.slug:
        keys.append(version_key("commitment", slug))
    if deleted or pillar_id != instance.pillar_id:
        keys.append(version_key("pillar", pillar_slug))
    if keys:
        transaction.on_commit(lambda: bump(keys), using=using)


def cached_page(*, scope: str):
    """Cache a public GET view's successful responses until what it shows next changes:
    scope "site" for a page over everything, "pillar" or "commitment" for a page of the
    one its slug names."""
    if scope not in SCOPES:
        raise ValueError(f"unknown page scope {scope!r}")

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            slug = None if scope == "site" else kwargs["slug"]
            versions = current_versions([GENERATION, version_key(scope, slug)])
            if versions is None:
                return view(request, *args, **kwargs)
            page = hashlib.sha256(":".join([*versions, request.get_full_path()]).encode())
            key = f"public-page:{view.__module__}.{view.__name__}:{page.hexdigest()}"
            try:
                response = cache.get(key)
            except Exception:
                logger.warning("could not read cached %s", request.path, exc_info=True)
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

    return decorator
