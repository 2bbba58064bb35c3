from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "tracker.progress"
    verbose_name = "Progress"

    def ready(self):
        from . import triggers  # noqa: F401  (connects the signal receivers)
