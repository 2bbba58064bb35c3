from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "tracker.commitments"
    verbose_name = "Commitments and evidence"
