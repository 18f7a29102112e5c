"""Staff pages for dues (/medlemsregister/kontingent/): imports of OCR files and
deduction lists, deviations and unmatched payments to resolve, arrears by branch, the
strike-off review and the tax report. Central staff only (404 for everyone else);
officers never see payments. Pages that show one member's data write an AccessLog row."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clubs.models import Employer
from clubs.permissions import central_staff_required
from members.models import Member, Payment
from privacy.access_log import AccessAction, log_access, log_export

from . import conf, deductions, employer_lists, payroll, queries, services, tax
from .forms import (
    AccountForm,
    BranchFilterForm,
    ListDownloadForm,
    ListUploadForm,
    OcrUploadForm,
    ResolveForm,
    StrikeOffForm,
    TaxCreateForm,
    TaxYearForm,
    UnmatchedResolveForm,
)
from .models import (
    Deviation,
    DuesAccount,
    DuesImport,
    ResolutionStatus,
    TaxReportRun,
    UnmatchedPayment,
)

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@central_staff_required
@require_GET
def index(request):
    imports = DuesImport.objects.select_related("employer", "uploaded_by")
    return render(
        request,
        "members/dues/index.html",
        {
            "page": _page(request, imports),
            "open_deviations": Deviation.objects.filter(status=ResolutionStatus.OPEN).count(),
            "open_unmatched": UnmatchedPayment.objects.filter(status=ResolutionStatus.OPEN).count(),
        },
    )


@central_staff_required
@require_http_methods(["GET", "POST"])
def ocr_upload(request):
    form = OcrUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.ocr_import(data=upload.read(), filename=upload.name, by=request.user)
        except ValidationError as exc:
            form.add_error("file", _error_text(exc))
        else:
            messages.success(request, _("OCR-filen er lest inn."))
            return redirect("dues:import", import_id=batch.pk)
    return render(request, "members/dues/ocr_upload.html", {"form": form})


@central_staff_required
@require_GET
def import_detail(request, import_id: int):
    batch = get_object_or_404(DuesImport.objects.select_related("employer"), pk=import_id)
    return render(
        request,
        "members/dues/import.html",
        {
            "batch": batch,
            "unmatched": batch.unmatched_rows.filter(status=ResolutionStatus.OPEN)[:PAGE_SIZE],
            "deviations": batch.deviation_rows.select_related("member")[:PAGE_SIZE],
        },
    )


@central_staff_required
@require_http_methods(["GET", "POST"])
def lists(request):
    upload = ListUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload.is_valid():
        file = upload.cleaned_data["file"]
        try:
            batch = deductions.deduction_list_import(
                data=file.read(),
                filename=file.name,
                by=request.user,
                replace=upload.cleaned_data["replace"],
            )
        except ValidationError as exc:
            upload.add_error("file", _error_text(exc))
        else:
            messages.success(request, _("Trekklisten er lest inn."))
            return redirect("dues:import", import_id=batch.pk)
    download = ListDownloadForm(request.GET if "employer" in request.GET else None)
    if download.is_bound and download.is_valid():
        return _list_file(request, download.cleaned_data)
    plan = employer_lists.plan(timezone.localdate().replace(day=1))
    return render(
        request,
        "members/dues/lists.html",
        {"upload": upload, "download": download, "contacts": plan.send + plan.skipped},
    )


STATEMENT_REFERENCE = re.compile(r"unikOppgavereferanse>FFK-\d{4}-(\d+)<")


def _member_ids(numbers: list[int]) -> list[int]:
    """The ids of the members with these member numbers (an export's log rows)."""
    return list(Member.objects.filter(member_number__in=numbers).values_list("pk", flat=True))


def _list_file(request, data) -> HttpResponse:
    employer: Employer = data["employer"]
    period = dt.date.fromisoformat(data["period"] + "-01")
    rows = deductions.out_rows(employer, period)
    log_export(
        user=request.user,
        view="dues:lists",
        detail={"kind": "deduction_list", "employer": employer.pk, "rows": len(rows)},
        member_ids=_member_ids([r.member_number for r in rows]),
    )
    name = f"trekkliste-{employer.org_number}-{period:%Y-%m}"
    if data["format"] == "csv":
        response = HttpResponse(payroll.write_csv(period, rows), content_type="text/csv")
        name += ".csv"
    else:
        body = payroll.write_xlsx(period, rows, title=f"{period:%Y-%m}")
        response = HttpResponse(
            body,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name += ".xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@central_staff_required
@require_GET
def deviations(request):
    show = request.GET.get("vis", "open")
    rows = Deviation.objects.select_related("employer", "member")
    if show != "alle":
        rows = rows.filter(status=ResolutionStatus.OPEN)
    return render(
        request,
        "members/dues/deviations.html",
        {"page": _page(request, rows), "show": show, "extra_query": f"vis={show}"},
    )


def _member_by_number(form) -> Member | None:
    number = form.cleaned_data.get("member_number")
    if not number:
        return None
    member = Member.objects.filter(member_number=number).first()
    if member is None:
        form.add_error("member_number", _("Fant ingen medlem med dette nummeret."))
    return member


@central_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def deviation_detail(request, deviation_id: int):
    deviation = get_object_or_404(
        Deviation.objects.select_related("employer", "member", "batch"), pk=deviation_id
    )
    if deviation.member_id:
        log_access(
            user=request.user,
            action=AccessAction.VIEW_MEMBER,
            member=deviation.member,
            view="dues:deviation",
        )
    form = ResolveForm(request.POST or None, choices=deviation.resolution_choices)
    if request.method == "POST" and deviation.status == ResolutionStatus.OPEN and form.is_valid():
        member = _member_by_number(form)
        if not form.errors:
            try:
                deductions.deviation_resolve(
                    deviation=deviation,
                    by=request.user,
                    resolution=form.cleaned_data["resolution"],
                    member=member,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Avviket er løst."))
                return redirect("dues:deviations")
    streak = (
        deductions.missing_streak(deviation.member, deviation.employer, deviation.period)
        if deviation.kind == "missing"
        else 0
    )
    return render(
        request,
        "members/dues/deviation.html",
        {
            "d": deviation,
            "form": form,
            "streak": streak,
            "switch_after": conf.missing_months_before_invoice(),
        },
    )


@central_staff_required
@require_GET
def unmatched(request):
    rows = UnmatchedPayment.objects.filter(status=ResolutionStatus.OPEN).select_related("batch")
    return render(request, "members/dues/unmatched.html", {"page": _page(request, rows)})


@central_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def unmatched_detail(request, row_id: int):
    row = get_object_or_404(UnmatchedPayment.objects.select_related("batch"), pk=row_id)
    form = UnmatchedResolveForm(request.POST or None)
    if request.method == "POST" and row.status == ResolutionStatus.OPEN and form.is_valid():
        member = _member_by_number(form)
        if not form.errors:
            try:
                services.unmatched_resolve(
                    row=row,
                    by=request.user,
                    resolution=form.cleaned_data["resolution"],
                    member=member,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Innbetalingen er behandlet."))
                return redirect("dues:unmatched")
    return render(request, "members/dues/unmatched_detail.html", {"row": row, "form": form})


@central_staff_required
@require_GET
def arrears(request):
    form = BranchFilterForm(request.GET or None)
    branch = form.cleaned_data["branch"] if form.is_valid() else None
    rows = queries.arrears_list(
        today=timezone.localdate(), branch_id=branch.pk if branch else None
    ).select_related("branch")
    extra = f"branch={branch.pk}" if branch else ""
    return render(
        request,
        "members/dues/arrears.html",
        {"form": form, "page": _page(request, rows), "extra_query": extra},
    )


@central_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def strike_off(request):
    today = timezone.localdate()
    candidates = services.strike_off_candidates(today=today)
    form = StrikeOffForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        struck = services.strike_off(
            member_ids=form.cleaned_data["members"], by=request.user, today=today
        )
        messages.success(request, _("%(count)s medlemmer er strøket.") % {"count": len(struck)})
        return redirect("dues:strike_off")
    return render(
        request,
        "members/dues/strike_off.html",
        {"form": form, "candidates": candidates, "today": today},
    )


@central_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def tax_report(request):
    if request.method == "POST":
        create = TaxCreateForm(request.POST)
        if create.is_valid():
            run = tax.tax_report_create(year=create.cleaned_data["year"], by=request.user)
            messages.success(request, _("Filen for %(year)s er laget.") % {"year": run.year})
            return redirect(f"{request.path}?year={run.year}")
        year_form = TaxYearForm({"year": request.POST.get("year")})
    else:
        create = None
        year_form = TaxYearForm(request.GET or None)
    year = year_form.cleaned_data["year"] if year_form.is_valid() else None
    data = tax.collect(year) if year else None
    if create is None and year:
        create = TaxCreateForm(initial={"year": year})
    return render(
        request,
        "members/dues/tax.html",
        {
            "year_form": year_form,
            "year": year,
            "data": data,
            "issues": data.issues[:200] if data else [],
            "create": create,
            "runs": TaxReportRun.objects.defer("content")[:20],
        },
    )


@central_staff_required
@require_GET
def tax_report_file(request, run_id: int):
    run = get_object_or_404(TaxReportRun, pk=run_id)
    # Each statement's reference ends in the member number (tax.collect): the members
    # in the file are read from the file itself, as it was sent.
    numbers = [int(n) for n in STATEMENT_REFERENCE.findall(run.content)]
    log_export(
        user=request.user,
        view="dues:tax_file",
        detail={"kind": "tax_report", "year": run.year, "rows": run.statements},
        member_ids=_member_ids(numbers),
    )
    response = HttpResponse(run.content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="fagforeningskontingent-{run.year}-{run.pk}.xml"'
    )
    response["Cache-Control"] = "no-store"
    return response


@central_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def member_account(request, member_id: int):
    member = get_object_or_404(Member.objects.visible_to(request.user), pk=member_id)
    log_access(
        user=request.user, action=AccessAction.VIEW_MEMBER, member=member, view="dues:member"
    )
    current = DuesAccount.objects.filter(member=member).first()
    initial = {
        "payment_method": current.payment_method if current else "invoice",
        "gross_monthly_kr": (current.gross_monthly_ore or 0) // 100 if current else None,
        "insurance_reserved": current.insurance_reserved if current else False,
    }
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        gross = form.cleaned_data["gross_monthly_kr"]
        try:
            services.dues_account_update(
                member=member,
                by=request.user,
                payment_method=form.cleaned_data["payment_method"],
                gross_monthly_ore=None if gross is None else gross * 100,
                insurance_reserved=form.cleaned_data["insurance_reserved"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Betalingsmåten er lagret."))
            return redirect("dues:member", member_id=member.pk)
    today = timezone.localdate()
    return render(
        request,
        "members/dues/member.html",
        {
            "m": member,
            "account": queries.member_account(member, today=today),
            "payments": Payment.objects.filter(member=member).order_by("-paid_on", "-id")[:24],
            "form": form,
        },
    )
