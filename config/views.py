"""Cross-app pages: the public home page and the health check."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from privacy import delivery


@login_not_required
def home(request):
    return render(request, "home.html")


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """Report database and cache reachability and the outbox (rows waiting, failed,
    dead, the oldest waiting row's age in seconds); 503 when the database is down.
    A late outbox is reported (`outbox.status` = "late"), not a 503: the web process
    is fine, the partners or the workers are not."""
    status: dict = {"database": "ok", "cache": "absent"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        status["database"] = "error"
        code = 503
    if settings.REDIS_URL:
        try:
            cache.set("healthz", "1", 5)
            ok = cache.get("healthz") == "1" and not getattr(cache, "outage", False)
            status["cache"] = "ok" if ok else "error"
        except Exception:
            status["cache"] = "error"
    if code == 200:
        backlog = delivery.delivery_backlog()
        oldest = delivery.oldest_pending_age()
        late = oldest is not None and oldest > settings.OUTBOX_LATE_SECONDS
        status["outbox"] = {
            **backlog,
            "oldest_pending_seconds": round(oldest) if oldest is not None else None,
            "status": "late" if late else "ok",
        }
    return JsonResponse(status, status=code)
