"""Staff pages for invoices with KID (/medlemsregister/kontingent/faktura/) and for
e-mailing the monthly deduction lists to employers. Central staff only (404 for
everyone else). Nothing is made or sent before a dry run and a confirmation."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clubs.permissions import central_staff_required
from privacy.access_log import AccessAction, log_access

from . import employer_lists, invoice_delivery, invoicing
from .forms import InvoiceConfirmForm, InvoicePeriodForm, ListSendConfirmForm, ListSendForm
from .models import Invoice, InvoiceDelivery, InvoiceRun, InvoiceStatus

PAGE_SIZE = 50


@central_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def invoices(request):
    """Choose a period, see the dry run (count, total, e-mail or paper), confirm."""
    if request.method == "POST":
        confirm = InvoiceConfirmForm(request.POST)
        chosen = InvoicePeriodForm({"periode": request.POST.get("periode")})
        if confirm.is_valid():
            period = invoicing.parse_period(confirm.cleaned_data["periode"])
            try:
                run = invoicing.invoice_run_create(period=period, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("dues:invoices")
            messages.success(
                request,
                _("%(count)s fakturaer er laget for %(period)s.")
                % {"count": run.invoices, "period": run.label},
            )
            return redirect("dues:invoice_run", run_id=run.pk)
    else:
        chosen = InvoicePeriodForm(request.GET or None)
        confirm = None
    plan = None
    if chosen.is_bound and chosen.is_valid():
        plan = invoicing.dry_run(invoicing.parse_period(chosen.cleaned_data["periode"]))
        if confirm is None:
            confirm = InvoiceConfirmForm(initial={"periode": plan.period.label})
    runs = Paginator(InvoiceRun.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/dues/invoices.html",
        {"form": chosen, "plan": plan, "confirm": confirm, "page": runs},
    )


@central_staff_required
@require_GET
def invoice_run(request, run_id: int):
    run = get_object_or_404(InvoiceRun, pk=run_id)
    show = request.GET.get("status", "")
    rows = Invoice.objects.filter(run=run).select_related("member").order_by("id")
    if show in InvoiceStatus.values:
        rows = rows.filter(status=show)
    counts = Invoice.objects.filter(run=run).aggregate(
        paid=Count("id", filter=Q(status=InvoiceStatus.PAID)),
        unpaid=Count("id", filter=Q(status=InvoiceStatus.UNPAID)),
        emailed=Count("id", filter=Q(delivery=InvoiceDelivery.EMAIL, sent_at__isnull=False)),
        waiting=Count("id", filter=Q(delivery=InvoiceDelivery.EMAIL, sent_at__isnull=True)),
        printed=Count("id", filter=Q(delivery=InvoiceDelivery.PRINT)),
    )
    return render(
        request,
        "members/dues/invoice_run.html",
        {
            "run": run,
            "counts": counts,
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "show": show,
            "extra_query": f"status={show}" if show else "",
        },
    )


@central_staff_required
@require_GET
def invoice_print(request, run_id: int):
    """The run's paper invoices as one PDF, one page per member (logged as an export)."""
    run = get_object_or_404(InvoiceRun, pk=run_id)
    rows = list(invoice_delivery.print_invoices(run.pk))
    if not rows:
        raise Http404
    log_access(
        user=request.user,
        action=AccessAction.EXPORT,
        view="dues:invoice_print",
        detail={"kind": "invoices_print", "run": run.pk, "rows": len(rows)},
    )
    response = HttpResponse(invoice_delivery.invoices_pdf(rows), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="fakturaer-{run.label}-{run.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@central_staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def lists_send(request):
    """E-mail each employer its deduction list for a month, after a confirmation."""
    if request.method == "POST":
        confirm = ListSendConfirmForm(request.POST)
        chosen = ListSendForm({"period": request.POST.get("period")})
        if confirm.is_valid():
            period = dt.date.fromisoformat(confirm.cleaned_data["period"] + "-01")
            sent, skipped = employer_lists.send_deduction_lists(period=period, by=request.user)
            return render(
                request,
                "members/dues/lists_sent.html",
                {"period": period, "sent": sent, "skipped": skipped},
            )
    else:
        chosen = ListSendForm(request.GET or None)
        confirm = None
    plan = None
    if chosen.is_bound and chosen.is_valid():
        period = dt.date.fromisoformat(chosen.cleaned_data["period"] + "-01")
        plan = employer_lists.plan(period)
        if confirm is None:
            confirm = ListSendConfirmForm(initial={"period": chosen.cleaned_data["period"]})
    return render(
        request,
        "members/dues/lists_send.html",
        {"form": chosen, "plan": plan, "confirm": confirm, "today": timezone.localdate()},
    )
