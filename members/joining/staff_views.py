"""Staff pages of the membership lifecycle under /medlemsregister/: the queue of join
applications (central staff decide; a branch's officers see their branch's), staff
registering a member, pending resignations, type changes waiting for approval, the
recruitment list per period and branch, and the table of access from positions."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clubs.permissions import central_staff_required, scope_for
from privacy.access_log import AccessAction, log_access
from privacy.consent import current_notice_version

from . import lifecycle, services
from .forms import AcceptForm, AccessRuleForm, PeriodForm, RejectForm, StaffJoinForm
from .models import (
    ApplicationStatus,
    ChangeKind,
    ChangeStatus,
    JoinApplication,
    MembershipChange,
    PositionAccessRule,
    Recruitment,
    Resignation,
    ResignationStatus,
)

PAGE_SIZE = 50


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _applications_for(request):
    """The applications the user may see, or 404 for anyone who may see none."""
    scope = scope_for(request.user)
    if not (scope.central or scope.branch_ids):
        raise Http404
    return JoinApplication.objects.visible_to(request.user)


@require_GET
def applications(request):
    queryset = _applications_for(request).select_related("branch", "employer")
    status = request.GET.get("status") or ApplicationStatus.PENDING
    if status not in ApplicationStatus.values:
        status = ApplicationStatus.PENDING
    counts = dict(
        _applications_for(request).values_list("status").annotate(n=Count("pk")).order_by()
    )
    page = Paginator(
        queryset.filter(status=status)
        .order_by("created_at")
        .only(
            "id",
            "first_name",
            "last_name",
            "birth_date",
            "membership_type",
            "created_at",
            "verified_at",
            "status",
            "rejoin_member_id",
            "new_employer_name",
            "branch__name",
            "branch__number",
            "employer__name",
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("side"))
    tabs = [
        {"value": s.value, "label": s.label, "count": counts.get(s.value, 0)}
        for s in ApplicationStatus
    ]
    return render(
        request,
        "members/joining/staff/applications.html",
        {
            "page": page,
            "status": status,
            "tabs": tabs,
            "central": scope_for(request.user).central,
        },
    )


@require_GET
def application_detail(request, application_id: int):
    application = get_object_or_404(
        _applications_for(request).select_related(
            "branch", "club", "employer", "previous_union", "rejoin_member", "member"
        ),
        pk=application_id,
    )
    central = scope_for(request.user).central
    if application.rejoin_member_id:
        log_access(
            user=request.user,
            action=AccessAction.VIEW_MEMBER,
            member=application.rejoin_member,
            view="joining:application",
        )
    return render(
        request,
        "members/joining/staff/application.html",
        {
            "a": application,
            "central": central,
            "accept_form": AcceptForm(
                initial={"branch": application.branch, "club": application.club}
            ),
            "reject_form": RejectForm(),
        },
    )


@central_staff_required
@require_POST
def application_accept(request, application_id: int):
    application = get_object_or_404(JoinApplication, pk=application_id)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            member = services.application_accept(
                application=application,
                by=request.user,
                branch=form.cleaned_data["branch"],
                club=form.cleaned_data["club"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            log_access(
                user=request.user,
                action=AccessAction.EDIT,
                member=member,
                view="joining:accept",
                detail={"action": "accept_application"},
            )
            messages.success(
                request,
                _("Innmeldingen er godkjent. Medlemsnummer %(number)s.")
                % {"number": member.member_number},
            )
            return redirect("joining_staff:applications")
    return render(
        request,
        "members/joining/staff/application.html",
        {"a": application, "central": True, "accept_form": form, "reject_form": RejectForm()},
        status=400,
    )


@central_staff_required
@require_POST
def application_reject(request, application_id: int):
    application = get_object_or_404(JoinApplication, pk=application_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.application_reject(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Innmeldingen er avslått, og søkeren har fått beskjed."))
            return redirect("joining_staff:applications")
    return render(
        request,
        "members/joining/staff/application.html",
        {"a": application, "central": True, "accept_form": AcceptForm(), "reject_form": form},
        status=400,
    )


@central_staff_required
@require_http_methods(["GET", "POST"])
def register_member(request):
    """Staff register a member with the join form plus the organisation fields."""
    form = StaffJoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.application_data()
        data["privacy_notice_version"] = current_notice_version()
        try:
            application = services.application_submit(
                data=data,
                national_id=form.cleaned_data["national_id"],
                by=request.user,
                request=request,
                verified=True,
            )
            if application is None:
                raise ValidationError(
                    _("Personen er allerede aktivt medlem eller har en innmelding til behandling."),
                    code="exists",
                )
            member = services.application_accept(
                application=application,
                by=request.user,
                branch=form.cleaned_data.get("branch"),
                club=form.cleaned_data.get("club"),
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Medlemmet er registrert med medlemsnummer %(number)s.")
                % {"number": member.member_number},
            )
            return redirect("register:member", member_id=member.pk)
    return render(request, "members/joining/staff/register.html", {"form": form})


@central_staff_required
@require_GET
def resignations(request):
    page = Paginator(
        Resignation.objects.filter(status=ResignationStatus.PENDING)
        .select_related("member", "member__branch", "union")
        .order_by("effective_on", "created_at"),
        PAGE_SIZE,
    ).get_page(request.GET.get("side"))
    return render(request, "members/joining/staff/resignations.html", {"page": page})


@central_staff_required
@require_http_methods(["GET", "POST"])
def changes(request):
    if request.method == "POST":
        change = get_object_or_404(
            MembershipChange, pk=request.POST.get("change"), status=ChangeStatus.PENDING
        )
        approve = request.POST.get("decision") == "approve"
        try:
            lifecycle.membership_change_decide(
                change=change, by=request.user, approve=approve, note=request.POST.get("note", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Endringen er godkjent.") if approve else _("Endringen er avslått.")
            )
        return redirect("joining_staff:changes")
    page = Paginator(
        MembershipChange.objects.filter(
            status=ChangeStatus.PENDING, kind=ChangeKind.MEMBERSHIP_TYPE
        )
        .select_related("member")
        .order_by("created_at"),
        PAGE_SIZE,
    ).get_page(request.GET.get("side"))
    return render(request, "members/joining/staff/changes.html", {"page": page})


@central_staff_required
@require_GET
def recruitment(request):
    """Recruits credited per recruiter in a period, optionally in one branch."""
    today = timezone.localdate()
    initial = {"start": dt.date(today.year, 1, 1), "end": today}
    form = PeriodForm(request.GET or None, initial=initial)
    period = initial
    branch = None
    if form.is_bound and form.is_valid():
        period = {"start": form.cleaned_data["start"], "end": form.cleaned_data["end"]}
        branch = form.cleaned_data["branch"]
    elif not form.is_bound:
        form = PeriodForm(initial=initial)
    credits = Recruitment.objects.filter(
        credited_on__gte=period["start"], credited_on__lte=period["end"]
    )
    if branch is not None:
        credits = credits.filter(branch=branch)
    rows = (
        credits.values(
            "recruiter_id",
            "recruiter__member_number",
            "recruiter__first_name",
            "recruiter__last_name",
            "recruiter__branch__name",
        )
        .annotate(recruits=Count("pk"))
        .order_by("-recruits", "recruiter__last_name")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "members/joining/staff/recruitment.html",
        {"form": form, "page": page, "total": credits.count(), "period": period},
    )


@central_staff_required
@require_http_methods(["GET", "POST"])
def access_rules(request):
    """The table of which position titles give which access; staff add and remove rows."""
    form = AccessRuleForm(request.POST or None)
    if request.method == "POST":
        if "delete" in request.POST:
            PositionAccessRule.objects.filter(pk=request.POST.get("delete")).delete()
            messages.success(request, _("Regelen er fjernet. Tilganger som finnes, består."))
            return redirect("joining_staff:access_rules")
        if form.is_valid():
            form.save()
            messages.success(
                request, _("Regelen er lagt til. Den gjelder verv som starter fra nå.")
            )
            return redirect("joining_staff:access_rules")
    return render(
        request,
        "members/joining/staff/access_rules.html",
        {"rules": PositionAccessRule.objects.all(), "form": form},
        status=400 if form.errors else 200,
    )
