from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the tracker: the health endpoint, logs, the process configuration, snapshots."""

    name = "tracker.ops"
    verbose_name = "Operations"
