"""The central staff's privacy pages: the record of processing activities, the
anonymous search log and the data-subject requests (list, detail, assignment, notes,
access report, erasure approval, corrections, completion)."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clubs.permissions import is_central_staff, mfa_authenticated

from . import consent as consent_cookie
from . import processing, services
from . import search as site_search
from .access_log import log_access
from .forms import (
    AssignForm,
    CompleteForm,
    CorrectionForm,
    NoteForm,
    RequestCreateForm,
    RequestFilterForm,
)
from .models import (
    AccessAction,
    DataSubjectRequest,
    Recipient,
    RequestKind,
    RequestStatus,
)
from .request_text import payload_items
from .selectors import cookie_groups, recipient_rows

OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)


def staff_only(view):
    """Central staff only: 404 for everyone else (the page does not exist for them);
    MFA must be set up, as for every page that shows member data."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_central_staff(request.user):
            raise Http404
        if not mfa_authenticated(request):
            messages.warning(
                request, _("Du må sette opp tofaktorautentisering før du kan åpne denne siden.")
            )
            return redirect("mfa_index")
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@require_GET
@staff_only
def processing_record(request):
    notice = consent_cookie.current_notice()
    return render(
        request,
        "privacy/processing_record.html",
        {
            "notice": notice,
            "activities": processing.activities(),
            "recipients": recipient_rows(),
            "cookie_groups": cookie_groups(),
            "security": processing.SECURITY_MEASURES,
            "retention_years": processing.RETENTION_YEARS,
            "today": timezone.localdate(),
        },
    )


@never_cache
@require_GET
@staff_only
def search_terms(request):
    try:
        days = int(request.GET.get("dager", 30))
    except ValueError:
        days = 30
    days = days if days in (7, 30, 90, 365) else 30
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    return render(
        request,
        "privacy/search_terms.html",
        {
            "days": days,
            "day_choices": (7, 30, 90, 365),
            "since": since,
            "top": site_search.top_terms(since=since),
            "empty": site_search.top_terms(since=since, zero_only=True),
        },
    )


def _requests_filtered(request, form: RequestFilterForm):
    today = timezone.localdate()
    qs = DataSubjectRequest.objects.select_related("member", "assigned_to").annotate(
        overdue_first=Case(
            When(status__in=OPEN_STATUSES, due_on__lt=today, then=Value(0)),
            When(status__in=OPEN_STATUSES, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    data = form.cleaned_data if form.is_valid() else {"status": "open"}
    status = data.get("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("assigned") == "me":
        qs = qs.filter(assigned_to=request.user)
    elif data.get("assigned") == "none":
        qs = qs.filter(assigned_to__isnull=True)
    if data.get("overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    return qs.order_by("overdue_first", "due_on", "id")


@never_cache
@require_GET
@staff_only
def request_list(request):
    form = RequestFilterForm(request.GET or {"status": "open"})
    page = Paginator(_requests_filtered(request, form), 50).get_page(request.GET.get("side"))
    query = request.GET.copy()
    query.pop("side", None)
    today = timezone.localdate()
    counts = {
        "open": DataSubjectRequest.objects.filter(status__in=OPEN_STATUSES).count(),
        "overdue": DataSubjectRequest.objects.filter(
            status__in=OPEN_STATUSES, due_on__lt=today
        ).count(),
    }
    return render(
        request,
        "privacy/requests/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "counts": counts, "today": today},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_only
def request_new(request):
    from members.models import Member

    form = RequestCreateForm(request.POST or None, members=Member.objects.visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            dsr = services.request_create(
                member=form.member,
                kind=form.cleaned_data["kind"],
                channel=form.cleaned_data["channel"],
                details=form.cleaned_data["details"],
                received_on=form.cleaned_data["received_on"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Henvendelsen er registrert, og medlemmet får kvittering."))
            return redirect("privacy:request_detail", pk=dsr.pk)
    return render(request, "privacy/requests/new.html", {"form": form})


def _get_request(pk: int) -> DataSubjectRequest:
    return get_object_or_404(
        DataSubjectRequest.objects.select_related("member", "assigned_to"), pk=pk
    )


@never_cache
@require_GET
@staff_only
def request_detail(request, pk: int):
    dsr = _get_request(pk)
    if dsr.member is not None:
        log_access(
            user=request.user,
            action=AccessAction.VIEW_MEMBER,
            member=dsr.member,
            view="privacy:request_detail",
            detail={"request": dsr.pk},
        )
    correction_form = None
    if dsr.kind == RequestKind.RECTIFICATION and dsr.is_open and dsr.member is not None:
        correction_form = CorrectionForm(
            member=dsr.member, proposed=services.correction_from_payload(dsr.payload)
        )
    return render(
        request,
        "privacy/requests/detail.html",
        _detail_context(dsr, correction_form=correction_form),
    )


def _detail_context(dsr, **forms) -> dict:
    context = {
        "dsr": dsr,
        "assign_form": AssignForm(initial={"assigned_to": dsr.assigned_to_id}),
        "note_form": NoteForm(),
        "complete_form": CompleteForm(),
        "correction_form": None,
        "notes": [line for line in dsr.notes.splitlines() if line.strip()],
        "payload_items": payload_items(dsr.payload),
        "member_url": None,
    }
    if dsr.member_id:
        try:
            context["member_url"] = reverse("register:member", args=[dsr.member_id])
        except NoReverseMatch:
            context["member_url"] = None
    context.update({k: v for k, v in forms.items() if v is not None})
    return context


def _done(request, dsr, message: str):
    messages.success(request, message)
    return redirect("privacy:request_detail", pk=dsr.pk)


def _failed(request, dsr, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)
    return redirect("privacy:request_detail", pk=dsr.pk)


@require_POST
@staff_only
def request_assign(request, pk: int):
    dsr = _get_request(pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _failed(request, dsr, ValidationError(_("Velg en saksbehandler.")))
    try:
        services.request_assign(request=dsr, to=form.cleaned_data["assigned_to"], by=request.user)
    except ValidationError as exc:
        return _failed(request, dsr, exc)
    return _done(request, dsr, _("Saksbehandler er oppdatert."))


@require_POST
@staff_only
def request_note(request, pk: int):
    dsr = _get_request(pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _failed(request, dsr, ValidationError(_("Notatet er tomt.")))
    services.request_add_note(request=dsr, text=form.cleaned_data["text"], by=request.user)
    return _done(request, dsr, _("Notatet er lagt til."))


@never_cache
@require_GET
@staff_only
def request_access_report(request, pk: int):
    """The member's access report (the same document as on Min side), for sending by
    post or e-mail when the request came that way."""
    from members.documents import render_pdf
    from members.minside import mydata

    dsr = _get_request(pk)
    if dsr.member is None:
        raise Http404
    member = dsr.member
    data = mydata.collect(member, access_log_limit=None)
    pdf = render_pdf(
        "pdf/access_report.html",
        {
            "member": member,
            "data": data,
            "recipients": list(Recipient.objects.filter(active=True).order_by("name")),
            "notice": consent_cookie.current_notice(),
        },
    )
    log_access(
        user=request.user,
        action=AccessAction.ACCESS_REPORT,
        member=member,
        view="privacy:request_access_report",
        detail={"request": dsr.pk},
    )
    if dsr.is_open:
        services.request_add_note(
            request=dsr, text=str(_("Innsynsrapport laget.")), by=request.user
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="innsynsrapport-{member.member_number}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_only
def request_approve_erasure(request, pk: int):
    dsr = _get_request(pk)
    try:
        services.request_approve_erasure(request=dsr, by=request.user)
    except ValidationError as exc:
        return _failed(request, dsr, exc)
    return _done(
        request, dsr, _("Slettingen er godkjent. Slettejobben sletter medlemmet innen ett døgn.")
    )


@require_POST
@staff_only
def request_apply_correction(request, pk: int):
    dsr = _get_request(pk)
    if dsr.member is None or dsr.kind != RequestKind.RECTIFICATION:
        raise Http404
    form = CorrectionForm(request.POST, member=dsr.member, proposed={})
    if form.is_valid():
        try:
            services.request_apply_correction(request=dsr, changes=form.changes(), by=request.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            return _done(request, dsr, _("Opplysningene er rettet, og medlemmet har fått beskjed."))
    return render(
        request,
        "privacy/requests/detail.html",
        _detail_context(dsr, correction_form=form),
        status=400,
    )


@require_POST
@staff_only
def request_complete(request, pk: int):
    dsr = _get_request(pk)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        return _failed(request, dsr, ValidationError(_("Velg utfall.")))
    try:
        services.request_complete(
            request=dsr,
            by=request.user,
            note=form.cleaned_data["note"],
            rejected=form.cleaned_data["outcome"] == "rejected",
        )
    except ValidationError as exc:
        return _failed(request, dsr, exc)
    return _done(request, dsr, _("Henvendelsen er avsluttet, og medlemmet har fått beskjed."))
