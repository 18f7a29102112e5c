"""Unsubscribe without a login, by a signed token (compose.unsubscribe_token).

Two doors: the footer link opens a page that asks before it changes anything (a link
scanner that follows links must not unsubscribe anyone), confirmed by an ordinary
CSRF-protected POST; and the RFC 8058 one-click endpoint named in the List-Unsubscribe
header, which mail providers POST to without a page, cookie or CSRF token. That one
endpoint is CSRF-exempt; it changes only the one preference the token names.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .compose import read_unsubscribe_token
from .models import MessageCategory
from .services import member_unsubscribe


def _read(token: str) -> tuple[int, str] | None:
    try:
        return read_unsubscribe_token(token)
    except (signing.BadSignature, ValueError):
        return None


@login_not_required
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    found = _read(token)
    if found is None:
        return render(request, "members/messaging/unsubscribe_invalid.html", status=400)
    member_id, category = found
    context = {"category": MessageCategory(category).label, "done": False}
    if request.method == "POST":
        member_unsubscribe(member_id=member_id, category=category)
        context["done"] = True
    response = render(request, "members/messaging/unsubscribe.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


@csrf_exempt
@login_not_required
@require_POST
def one_click(request, token: str):
    """RFC 8058: `List-Unsubscribe=One-Click` POSTed by the receiver's mail system."""
    found = _read(token)
    if found is None:
        return HttpResponse(status=400)
    member_unsubscribe(member_id=found[0], category=found[1])
    return HttpResponse("OK", content_type="text/plain")
