from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health


@never_cache
@require_safe
def healthz(request):
    """For the load balancer and the monitor: 200 while the tracker can serve and catch up,
    503 when the database or the broker is down or the rollups have long fallen behind."""
    body = health.report()
    return JsonResponse(body, status=503 if body["status"] == health.FAIL else 200)
