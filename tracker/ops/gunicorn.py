"""Gunicorn's configuration: `gunicorn -c python:tracker.ops.gunicorn tracker.wsgi`.

Logs go through Django's LOGGING (JSON lines in production), gunicorn's own and its access
log included, so every process of a deployment writes the same kind of line.
"""

import os

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

# Behind a reverse proxy on the same machine by default; a load balancer elsewhere needs
# GUNICORN_BIND=0.0.0.0:8000 (and its address in FORWARDED_ALLOW_IPS). Any other option:
# GUNICORN_CMD_ARGS, which gunicorn reads itself.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Nothing here uses gunicornc; two servers on one machine would share its default socket.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
logconfig_dict = {
    **settings.LOGGING,
    "loggers": {
        **settings.LOGGING.get("loggers", {}),
        # No handlers of their own: their lines go through the root handler.
        "gunicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
        "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
