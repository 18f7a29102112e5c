"""Public privacy pages: the notice and its archive, cookies and consent, site search
and the information pages. The central staff's pages are in `staff_views.py`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clubs.bankid import INTENT_SESSION_KEY as BANKID_INTENT_SESSION_KEY
from config.client import client_ip

from . import consent as consent_cookie
from . import processing, services, text
from . import search as site_search
from .forms import (
    ConsentForm,
    PublicAccessRequestForm,
    SearchForm,
)
from .models import (
    CookieDefinition,
    InfoPage,
    PrivacyNotice,
)
from .selectors import cookie_groups, english, recipient_rows

# --- Public: the notice ----------------------------------------------------------------


def _notice_context(notice: PrivacyNotice | None) -> dict:
    en = english()
    body = (notice.body_en if en else notice.body_nb) if notice else ""
    blocks = text.with_all_sections(text.parse(body))
    return {
        "notice": notice,
        "notice_title": (notice.title_en if en else notice.title_nb) if notice else "",
        "blocks": blocks,
        "toc": [b for b in blocks if b.kind == "h2"],
        "recipients": recipient_rows(),
        "cookie_groups": cookie_groups(),
        "retention_years": processing.RETENTION_YEARS,
        "datatilsynet": processing.DATATILSYNET,
    }


@login_not_required
@require_GET
def notice(request):
    current = consent_cookie.current_notice()
    context = _notice_context(current)
    context["archive_count"] = PrivacyNotice.objects.filter(published=True).count()
    return render(request, "privacy/notice.html", context)


@login_not_required
@require_GET
def notice_archive(request):
    today = timezone.localdate()
    notices = PrivacyNotice.objects.filter(published=True, effective_from__lte=today).only(
        "version", "effective_from", "title_nb", "title_en"
    )
    current = consent_cookie.current_notice()
    return render(
        request,
        "privacy/notice_archive.html",
        {"notices": notices, "current": current, "english": english()},
    )


@login_not_required
@require_GET
def notice_version(request, version: int):
    old = get_object_or_404(
        PrivacyNotice,
        version=version,
        published=True,
        effective_from__lte=timezone.localdate(),
    )
    context = _notice_context(old)
    context["archived"] = True
    context["current"] = consent_cookie.current_notice()
    return render(request, "privacy/notice.html", context)


# --- Public: cookies and consent --------------------------------------------------------


def _safe_next(request, value: str | None) -> str:
    """A same-site path to go back to, or the front page."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        if not value.startswith(reverse("privacy:consent")):
            return value
    return reverse("home")


@login_not_required
@require_GET
def cookies(request):
    current = consent_cookie.read_consent(request)
    next_url = _safe_next(request, request.GET.get("next"))
    return render(
        request,
        "privacy/cookies.html",
        {
            "cookie_groups": cookie_groups(),
            "current": current,
            "next_url": next_url if next_url != reverse("home") else request.path,
            # The page holds the full settings: the banner would only repeat them.
            "hide_consent_banner": True,
        },
    )


def _delete_tracking_cookies(request, response, *, statistics: bool, marketing: bool) -> None:
    """Expire third-party tags' first-party cookies for the categories now refused."""
    refused = [
        c for c, granted in (("statistics", statistics), ("marketing", marketing)) if not granted
    ]
    if not refused:
        return
    names = set(
        CookieDefinition.objects.filter(category__in=refused).values_list("name", flat=True)
    )
    if "statistics" in refused:
        names |= {n for n in request.COOKIES if n.startswith("_ga_")}
    host = request.get_host().split(":")[0]
    labels = host.split(".")
    # Tags set their cookies on the registrable domain (".example.org").
    domain = "." + ".".join(labels[-2:]) if len(labels) >= 2 and not host[-1].isdigit() else None
    for name in names & set(request.COOKIES):
        response.delete_cookie(name)
        if domain:
            response.delete_cookie(name, domain=domain)


def _own_member_or_none(user):
    from members.models import Member

    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user).only("pk").first()


@login_not_required
@require_POST
@never_cache
def consent(request):
    """Store a cookie choice. Plain form posts are redirected back to a same-site `next`;
    script requests (Accept: application/json) get the new state as JSON."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = ConsentForm(request.POST)
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"error": "invalid"}, status=400)
        return HttpResponseBadRequest(_("Ugyldig valg."))
    next_url = _safe_next(request, form.cleaned_data.get("next"))
    if form.cleaned_data["choice"] == "customize":
        # Without JavaScript "Tilpass" opens the full settings page.
        query = urlencode({"next": next_url})
        return redirect(f"{reverse('privacy:cookies')}?{query}#innstillinger")

    previous = consent_cookie.read_consent(request)
    earlier = previous or consent_cookie.decode(request.COOKIES.get(consent_cookie.COOKIE_NAME))
    statistics, marketing = form.granted()
    _record, chosen = services.consent_record(
        statistics=statistics,
        marketing=marketing,
        consent_id=earlier.consent_id if earlier else None,
        # A choice made while logged in belongs to the member ("Mine data" shows it).
        member=_own_member_or_none(request.user),
    )
    # A tag manager already running in the page cannot be unloaded: withdrawing a
    # category there needs a fresh page.
    revoked = bool(
        previous
        and ((previous.statistics and not statistics) or (previous.marketing and not marketing))
    )
    message = _("Valget ditt om informasjonskapsler er lagret.")
    if wants_json:
        response = JsonResponse(
            {
                "statistics": statistics,
                "marketing": marketing,
                "version": chosen.version,
                "reload": revoked,
                "message": message,
            }
        )
    else:
        messages.success(request, message)
        response = redirect(next_url)
    response.set_cookie(
        consent_cookie.COOKIE_NAME,
        consent_cookie.encode(chosen),
        max_age=consent_cookie.COOKIE_MAX_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    _delete_tracking_cookies(request, response, statistics=statistics, marketing=marketing)
    return response


# --- Public: search and information pages ----------------------------------------------


@login_not_required
@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    query, results = "", []
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
    if query:
        results = site_search.search(query)
        site_search.log_search(query, hits=len(results))
    return render(
        request,
        "privacy/search.html",
        {"form": form, "query": query, "results": results[:50], "count": len(results)},
    )


@login_not_required
@require_GET
def info(request, slug: str):
    page = get_object_or_404(InfoPage, slug=slug, published=True)
    en = english()
    return render(
        request,
        "privacy/info.html",
        {
            "page": page,
            "title": page.title_en if en else page.title_nb,
            "blocks": [
                b for b in text.parse(page.body_en if en else page.body_nb) if b.kind != "section"
            ],
            "others": InfoPage.objects.filter(published=True)
            .exclude(pk=page.pk)
            .only("slug", "title_nb", "title_en"),
            "english": en,
        },
    )


@login_not_required
@require_GET
def info_index(request):
    return render(
        request,
        "privacy/info_index.html",
        {"pages": InfoPage.objects.filter(published=True), "english": english()},
    )


# --- Public: "what do you hold about me?" ------------------------------------------------

ACCESS_REQUESTS_PER_HOUR = 5


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def access_request(request):
    """Anyone may ask whether the union holds data about them: with BankID (answered
    for the member, or "nothing held" at once) or with this form, which staff verify
    by hand."""
    form = PublicAccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"privacy:access_request:ip:{client_ip(request)}"
        cache.add(key, 0, 3600)
        if form.cleaned_data["website"]:
            # A robot: answer as if it went through, keep nothing.
            return render(request, "privacy/access_request_done.html", {"manual": True})
        if cache.incr(key) > ACCESS_REQUESTS_PER_HOUR:
            form.add_error(
                None, _("For mange henvendelser fra denne maskinen. Prøv igjen om en time.")
            )
        else:
            data = form.cleaned_data
            dsr = services.request_from_public(
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                birth_date=data["birth_date"],
                details=data["details"],
            )
            return render(request, "privacy/access_request_done.html", {"manual": True, "dsr": dsr})
    return render(request, "privacy/access_request.html", {"form": form})


@login_not_required
@require_POST
def access_request_bankid(request):
    """Start BankID for an access request: remember the intent, then hand the same POST
    on to the BankID login (307 keeps method and CSRF token)."""
    if not settings.BANKID_ENABLED:
        raise Http404
    request.session[BANKID_INTENT_SESSION_KEY] = "access_request"
    response = HttpResponseRedirect(reverse("openid_connect_login", args=["bankid"]))
    response.status_code = 307
    return response
