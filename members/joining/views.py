"""The public join pages (/bli-medlem/): the form, the neutral answer, the e-mail
verification link, and two htmx helpers (postal place from postal code, employer
search). Everything here is open without login, so nothing here reveals whether a
national id, a recruiter or an e-mail address is known."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clubs.bankid import bankid_prefill, forget_prefill
from config.client import client_ip
from members import postal
from privacy.consent import current_notice_version

from . import services
from .forms import JoinForm, find_employers

logger = logging.getLogger(__name__)

RATE_LIMIT = 10  # applications per IP address …
RATE_WINDOW = 60 * 60  # … per hour


def _rate_key(request) -> str:
    # Only a hash of the address is kept, and only for the window.
    digest = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    return f"joining:ip:{digest}"


def throttled(request) -> bool:
    limit = getattr(settings, "JOIN_RATE_LIMIT", RATE_LIMIT)
    return (cache.get(_rate_key(request)) or 0) >= limit


def count_attempt(request) -> None:
    key = _rate_key(request)
    # add() starts the window; incr() keeps its expiry.
    if not cache.add(key, 1, RATE_WINDOW):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, RATE_WINDOW)


def _employer_results(form: JoinForm):
    query = form.data.get("employer_query", "") if form.is_bound else ""
    return list(find_employers(query)) if query else []


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def join(request):
    """The application form. A valid application (or a bot, or a known member) gets
    the same answer: "check your e-mail"."""
    prefill = bankid_prefill(request)
    form = JoinForm(request.POST or None, bankid=prefill)
    status = 200
    if request.method == "POST":
        if throttled(request):
            return render(request, "members/joining/throttled.html", status=429)
        count_attempt(request)
        if form.is_bot:
            return redirect("joining:sent")
        if form.is_valid():
            data = form.application_data()
            data["privacy_notice_version"] = current_notice_version()
            try:
                services.application_submit(
                    data=data, national_id=form.cleaned_data["national_id"], request=request
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, errors in error.error_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, error)
                status = 400
            else:
                forget_prefill(request)
                return redirect("joining:sent")
        else:
            status = 400
    return render(
        request,
        "members/joining/join.html",
        {"form": form, "employer_results": _employer_results(form)},
        status=status,
    )


@login_not_required
@require_GET
def sent(request):
    return render(request, "members/joining/sent.html")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request, token: str):
    """The link from the e-mail. GET shows a button (mail scanners that follow links
    must not confirm anything); POST confirms."""
    application = services.application_lookup(token)
    if application is None:
        return render(request, "members/joining/verify_invalid.html", status=410)
    if request.method == "POST":
        try:
            application = services.application_verify(token=token, request=request)
        except ValidationError:
            return render(request, "members/joining/verify_invalid.html", status=410)
        return render(request, "members/joining/verified.html", {"application": application})
    return render(request, "members/joining/verify.html", {"token": token})


@login_not_required
@require_GET
def postal_lookup(request):
    """htmx: the postal-place field, filled from Posten's register."""
    code = (request.GET.get("postal_code") or "").strip()
    entry = postal.lookup(code) if len(code) == 4 else None
    value = entry.city_title if entry else (request.GET.get("city") or "")
    return render(
        request,
        "members/joining/_city.html",
        {"value": value, "found": entry is not None, "code": code},
    )


@login_not_required
@require_GET
def employer_search(request):
    """htmx: known employers matching a name or org number, as choices."""
    query = request.GET.get("employer_query", "")
    return render(
        request,
        "members/joining/_employers.html",
        {"employer_results": list(find_employers(query)), "query": query},
    )
