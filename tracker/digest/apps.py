from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "tracker.digest"
    verbose_name = "Weekly digest"
