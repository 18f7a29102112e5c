"""Cross-app pages: the public home page and the health check."""

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
def home(request):
    return render(request, "home.html")


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """Report database and cache reachability; 503 when the database is down."""
    status = {"database": "ok", "cache": "absent"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        status["database"] = "error"
        code = 503
    from django.conf import settings

    if settings.REDIS_URL:
        try:
            cache.set("healthz", "1", 5)
            status["cache"] = "ok" if cache.get("healthz") == "1" else "error"
        except Exception:
            status["cache"] = "error"
    return JsonResponse(status, status=code)
