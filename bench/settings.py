"""Settings of the benchmark's processes: production's (tracker.settings, with DEBUG off from
the environment), with two differences that change no figure's meaning.

- Static files are served by name, without the manifest `collectstatic` writes, so a fresh
  clone can serve pages without collecting them first; no measured page requests one.
- BENCH_PAGE_CACHE=off swaps the cache for a dummy one, so every page is rendered: the
  figures of uncached pages do not depend on how the page cache keys its entries.
"""

import os
import warnings

from tracker.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise warns that STATIC_ROOT does not exist when nothing was collected.
warnings.filterwarnings("ignore", "No directory at", UserWarning)

if os.environ.get("BENCH_PAGE_CACHE") == "off":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
