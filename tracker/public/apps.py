from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "tracker.public"
    verbose_name = "Public site"
