"""Celery application; configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def catch_up_on_start(sender, **kwargs):
    """A worker that starts (or restarts after a crash) first catches up on any rollup left
    behind, rather than waiting for the beat."""
    sender.app.send_task("tracker.progress.tasks.recompute_stale")
