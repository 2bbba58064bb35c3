from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tracker.api"
    verbose_name = "JSON API"
