"""Min side pages of the membership lifecycle: withdrawing a resignation, changing the
membership type or employer, and the members one has recruited (verving). Like the
other Min side pages they work only on the logged-in member's own record."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from members.choices import MemberStatus
from members.joining import lifecycle
from members.joining.forms import EmployerChangeForm, MembershipTypeForm, find_employers
from members.joining.models import ChangeStatus, Resignation, ResignationStatus

from .views import _errors_to_form, _own_member


@require_POST
def resign_withdraw(request):
    member = _own_member(request)
    resignation = get_object_or_404(Resignation, member=member, status=ResignationStatus.PENDING)
    try:
        lifecycle.resignation_withdraw(resignation=resignation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Utmeldingen er trukket. Du er fortsatt medlem."))
    return redirect("minside:resign")


@never_cache
@require_http_methods(["GET", "POST"])
def membership(request):
    member = _own_member(request)
    type_form = MembershipTypeForm(
        request.POST if request.POST.get("form") == "type" else None,
        initial={"membership_type": member.membership_type},
    )
    employer_form = EmployerChangeForm(
        request.POST if request.POST.get("form") == "employer" else None
    )
    status = 200
    if member.status == MemberStatus.ACTIVE and request.method == "POST":
        if type_form.is_bound and type_form.is_valid():
            try:
                change = lifecycle.membership_type_change_request(
                    member=member,
                    by=request.user,
                    membership_type=type_form.cleaned_data["membership_type"],
                    school=type_form.cleaned_data["school"],
                )
            except ValidationError as error:
                _errors_to_form(type_form, error)
                status = 400
            else:
                if change.status == ChangeStatus.APPLIED:
                    messages.success(request, _("Medlemskapstypen er endret."))
                else:
                    messages.success(
                        request,
                        _(
                            "Endringen påvirker kontingenten og venter på godkjenning fra "
                            "forbundet. Du får beskjed på e-post."
                        ),
                    )
                return redirect("minside:membership")
        elif employer_form.is_bound and employer_form.is_valid():
            try:
                change = lifecycle.employer_change(
                    member=member, by=request.user, employer=employer_form.cleaned_data["employer"]
                )
            except ValidationError as error:
                _errors_to_form(employer_form, error)
                status = 400
            else:
                if change.new_club is not None:
                    messages.success(
                        request,
                        _("Arbeidsgiveren er endret, og du hører nå til %(club)s.")
                        % {"club": change.new_club},
                    )
                else:
                    messages.success(request, _("Arbeidsgiveren er endret."))
                return redirect("minside:membership")
        else:
            status = 400
    query = employer_form.data.get("employer_query", "") if employer_form.is_bound else ""
    return render(
        request,
        "members/minside/membership.html",
        {
            "member": member,
            "type_form": type_form,
            "employer_form": employer_form,
            "employer_results": list(find_employers(query)) if query else [],
            "changes": member.membership_changes.select_related("employer", "new_club")[:10],
            "section": "membership",
        },
        status=status,
    )


@never_cache
def recruits(request):
    """The members I have recruited (credited once each), and how many this year."""
    member = _own_member(request)
    credits = member.recruitments.select_related("recruit").order_by("-credited_on")
    year = timezone.localdate().year
    return render(
        request,
        "members/minside/recruits.html",
        {
            "member": member,
            "credits": credits[:200],
            "this_year": credits.filter(credited_on__year=year).count(),
            "total": credits.count(),
            "year": year,
            "section": "recruits",
        },
    )
