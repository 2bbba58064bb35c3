from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "tracker.public"
    verbose_name = "Public site"

    def ready(self):
        # Connect the page cache's receivers in every process: a worker or a management
        # command never loads the URLconf that would otherwise import them, and its
        # recomputes would leave stale pages cached.
        from . import caching  # noqa: F401
