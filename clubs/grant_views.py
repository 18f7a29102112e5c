"""Access grants: central staff give and end them (routed under
`/medlemsregister/tilganger/`); the holder takes a new one into use from the e-mailed
link (`/klubbkontoret/tilgang/<token>/`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from members.register.forms import UserFilterForm

from .forms import GrantEndForm, GrantForm
from .models import AccessGrant
from .permissions import central_staff_required, has_mfa, mfa_authenticated
from .services import (
    grant_activate,
    grant_create,
    grant_end,
    grant_resend_activation,
    grants_for_activation,
)
from .views import LIST_PAGE_SIZE


@central_staff_required
@require_http_methods(["GET", "POST"])
def grants(request):
    """List access grants (in force first) and give a new one."""
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = grant_create(
                user=data["user"],
                level=data["level"],
                branch=data["branch"] if data["level"] == "branch" else None,
                club=data["club"] if data["level"] == "club" else None,
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _(
                    "Tilgangen er gitt: %(grant)s. Den gjelder når brukeren har åpnet lenken "
                    "vi har sendt på e-post og bekreftet med tofaktorautentisering."
                )
                % {"grant": grant},
            )
            return redirect("register:grants")
    today = timezone.localdate()
    show = request.GET.get("vis", "")
    show = show if show in ("alle", "venter") else ""
    queryset = AccessGrant.objects.select_related("user", "branch", "club").order_by(
        "user__email", "level", "-valid_from"
    )
    if show == "venter":
        queryset = queryset.awaiting_activation(today)
    elif show != "alle":
        # In force today, or waiting for its holder to take it into use.
        queryset = queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).filter(
            Q(activated_at__isnull=True) | Q(valid_from__lte=today)
        )
    if query := UserFilterForm(request.GET).value():
        queryset = queryset.filter(user__email__icontains=query)
    page = Paginator(queryset, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clubs/grants.html",
        {"form": form, "page": page, "show": show, "query": query, "today": today},
    )


@central_staff_required
@require_http_methods(["GET", "POST"])
def grant_end_view(request, grant_id: int):
    """Confirm and end one grant."""
    queryset = AccessGrant.objects.select_related("user", "club", "branch")
    grant = get_object_or_404(queryset, pk=grant_id)
    form = GrantEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant_end(grant=grant, on=form.cleaned_data["last_day"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Tilgangen er avsluttet."))
            return redirect("register:grants")
    return render(request, "clubs/grant_end.html", {"grant": grant, "form": form})


@central_staff_required
@require_POST
def grant_resend(request, grant_id: int):
    grant = get_object_or_404(AccessGrant, pk=grant_id)
    try:
        grant_resend_activation(grant=grant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Ny aktiveringslenke er sendt til %(email)s.") % {"email": grant.user.email}
        )
    return redirect("register:grants")


@never_cache
@require_http_methods(["GET", "POST"])
def grant_activate_view(request, token: str):
    """The holder takes a new grant into use: from the e-mailed link, logged in as
    themselves, after confirming with the second factor in this session."""
    grants = grants_for_activation(token=token, user=request.user)
    if not grants:
        return render(request, "clubs/grant_activate_invalid.html", status=410)
    here = request.path
    if not has_mfa(request.user):
        messages.info(
            request,
            _("Sett opp tofaktorautentisering først. Åpne deretter lenken i e-posten på nytt."),
        )
        return redirect("mfa_activate_totp")
    if not mfa_authenticated(request):
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': here})}")
    if request.method == "POST":
        try:
            grant = grant_activate(token=token, user=request.user)
        except ValidationError:
            return render(request, "clubs/grant_activate_invalid.html", status=410)
        messages.success(request, _("Tilgangen er tatt i bruk: %(grant)s") % {"grant": grant})
        return redirect("register:search" if grant.level == "central" else "klubb:roster")
    return render(request, "clubs/grant_activate.html", {"grant": grants[0]})
