"""Min side: a member's own pages. Every view works on the member the login is linked
to (`mydata.member_for_self`), never on a member chosen by id, so another member's data
cannot be reached by changing a URL. Orders are looked up through that member too."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from members.documents import render_pdf
from members.dues import invoice_delivery as dues_invoices
from members.dues import queries as dues_queries
from members.dues import tax as dues_tax
from members.joining import lifecycle
from members.joining.forms import ResignNoticeForm
from members.models import (
    Member,
    MemberStatus,
    Order,
    OrderStatus,
    Payment,
    PendingEmailChange,
    Product,
)

from . import mydata, services
from .account_forms import INVITATION_SESSION_KEY
from .forms import ErasureForm, PreferencesForm, ProfileForm, RectificationForm

OPEN_REQUEST_STATUSES = ("received", "in_progress", "approved")


def _own_member(request, *, required: bool = True, payment_summary: bool = False) -> Member | None:
    """Return the logged-in user's member (404 when the login has none)."""
    member = mydata.member_for_self(request.user, payment_summary=payment_summary).first()
    if member is None:
        if required:
            raise Http404
        return None
    # Cache the reverse relation so templates (navigation) need no extra query.
    member.user = request.user
    return member


def _errors_to_form(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form (per field where it names one)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _submit_versioned(request, member: Member, form_class, save):
    """Validate a Min side form that carries the record's version, then call `save(form)`.

    Returns `(member, form, status, result)`. A form from a second tab whose version is
    stale is replaced by a fresh one (409) so nothing is half-saved; invalid input gives
    400; success gives 200 and what `save` returned.
    """
    form = form_class(request.POST, member=member)
    if not form.is_valid():
        return member, form, 400, None
    try:
        result = save(form)
    except services.StaleFormError as error:
        messages.error(request, error.messages[0])
        member = _own_member(request)
        return member, form_class(member=member), 409, None
    except ValidationError as error:
        _errors_to_form(form, error)
        return member, form, 400, None
    return member, form, 200, result


def _open_requests(member: Member):
    from privacy.models import DataSubjectRequest

    return list(
        DataSubjectRequest.objects.filter(member=member, status__in=OPEN_REQUEST_STATUSES).order_by(
            "-received_on", "-id"
        )
    )


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Overview --------------------------------------------------------------------


@never_cache
def index(request):
    member = _own_member(request, required=False)
    if member is None:
        return render(request, "members/minside/not_linked.html")
    pending_email = (
        PendingEmailChange.objects.filter(
            member=member, confirmed_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .values_list("new_email", flat=True)
        .first()
    )
    open_orders = Order.objects.filter(member=member, status=OrderStatus.PENDING).count()
    return render(
        request,
        "members/minside/index.html",
        {
            "member": member,
            "open_requests": _open_requests(member),
            "pending_email": pending_email,
            "open_orders": open_orders,
            "section": "index",
        },
    )


# --- Profile -----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def profile(request):
    member = _own_member(request)
    status = 200
    if request.method == "POST":
        member, form, status, result = _submit_versioned(
            request,
            member,
            ProfileForm,
            lambda form: services.profile_update(
                member=member,
                by=request.user,
                data={**form.profile_data(), "email": form.cleaned_data["email"]},
                expected_version=form.cleaned_data["version"],
                request=request,
            ),
        )
        if status == 200:
            _member, pending = result
            messages.success(request, _("Opplysningene er lagret."))
            if pending is not None:
                messages.info(
                    request,
                    _(
                        "Vi har sendt en lenke til %(email)s. Den nye e-postadressen tas "
                        "i bruk når du har åpnet lenken."
                    )
                    % {"email": pending.new_email},
                )
            return redirect("minside:profile")
    else:
        form = ProfileForm(member=member)
    pending_email = (
        PendingEmailChange.objects.filter(
            member=member, confirmed_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .values_list("new_email", flat=True)
        .first()
    )
    return render(
        request,
        "members/minside/profile.html",
        {"member": member, "form": form, "pending_email": pending_email, "section": "profile"},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def rectification(request):
    member = _own_member(request)
    if request.method == "POST":
        form = RectificationForm(request.POST)
        if form.is_valid():
            try:
                services.rectification_request(
                    member=member,
                    by=request.user,
                    fields=form.cleaned_data["fields_to_correct"],
                    details=form.cleaned_data["details"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("Vi har mottatt ønsket om retting og svarer innen en måned."),
                )
                return redirect("minside:profile")
    else:
        form = RectificationForm()
    return render(
        request,
        "members/minside/rectification.html",
        {"member": member, "form": form, "section": "profile"},
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request, token: str):
    member = _own_member(request)
    valid = PendingEmailChange.objects.filter(
        member=member,
        token_hash=services.token_hash(token),
        confirmed_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if request.method == "POST" and valid is not None:
        try:
            services.email_change_confirm(member=member, token=token, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Den nye e-postadressen er tatt i bruk."))
            return redirect("minside:profile")
    return render(
        request,
        "members/minside/email_confirm.html",
        {"member": member, "change": valid, "section": "profile"},
        status=200 if valid is not None else 410,
    )


# --- Communication choices -----------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request):
    member = _own_member(request)
    status = 200
    if request.method == "POST":
        member, form, status, _result = _submit_versioned(
            request,
            member,
            PreferencesForm,
            lambda form: services.preferences_update(
                member=member,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.choices(),
            ),
        )
        if status == 200:
            messages.success(request, _("Kommunikasjonsvalgene er lagret."))
            return redirect("minside:preferences")
    else:
        form = PreferencesForm(member=member)
    return render(
        request,
        "members/minside/preferences.html",
        {"member": member, "form": form, "section": "preferences"},
        status=status,
    )


# --- Insurance and services -------------------------------------------------------------


@never_cache
def products(request):
    member = _own_member(request)
    orders = list(
        Order.objects.filter(member=member).select_related("product").order_by("-ordered_at")
    )
    open_product_ids = {o.product_id for o in orders if o.status in services.OPEN_ORDER_STATUSES}
    catalogue = list(Product.objects.filter(active=True).select_related("partner"))
    return render(
        request,
        "members/minside/products.html",
        {
            "member": member,
            "catalogue": catalogue,
            "orders": orders,
            "open_product_ids": open_product_ids,
            "can_order": member.status == MemberStatus.ACTIVE,
            "section": "products",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def order_create(request, product_id: int):
    """GET: what the order costs, its terms and what the partner gets, with a button to
    confirm. POST (from that page, `confirm=1`): place the order. Nothing that costs
    money happens on one click."""
    member = _own_member(request)
    product = get_object_or_404(
        Product.objects.select_related("partner").filter(active=True), pk=product_id
    )
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            services.order_create(member=member, product=product, by=request.user)
        except ValidationError as error:
            messages.warning(request, error.messages[0])
        else:
            messages.success(
                request,
                _("Bestillingen av %(product)s er mottatt. Du ser status nedenfor.")
                % {"product": product.name},
            )
        return redirect("minside:products")
    already = Order.objects.filter(
        member=member, product=product, status__in=services.OPEN_ORDER_STATUSES
    ).exists()
    partner = product.partner
    shared = list(partner.fields) + ["order"]
    return render(
        request,
        "members/minside/order_confirm.html",
        {
            "member": member,
            "product": product,
            "partner": partner,
            "shared_fields": shared,
            "already": already,
            "can_order": member.status == MemberStatus.ACTIVE and not already,
            "section": "products",
        },
    )


@require_POST
def order_cancel(request, order_id: int):
    member = _own_member(request)
    order = get_object_or_404(Order.objects.filter(member=member), pk=order_id)
    try:
        services.order_cancel(order=order, by=request.user)
    except ValidationError as error:
        messages.warning(request, error.messages[0])
    else:
        messages.success(request, _("Bestillingen er kansellert."))
    return redirect("minside:products")


# --- Payments ------------------------------------------------------------------------


@never_cache
def payments(request):
    member = _own_member(request)
    years = mydata.payment_years(member)
    year_numbers = [row["year"] for row in years]
    try:
        year = int(request.GET.get("ar", ""))
    except ValueError:
        year = year_numbers[0] if year_numbers else timezone.localdate().year
    statement = mydata.annual_statement(member, year) if year in year_numbers else None
    today = timezone.localdate()
    account = dues_queries.member_account(member, today=today)
    return render(
        request,
        "members/minside/payments.html",
        {
            "member": member,
            "years": years,
            "year": year,
            "statement": statement,
            "account": account,
            "reported_kr": dues_tax.reported_for(member, year) if statement else None,
            "invoices": member.dues_invoices.order_by("-period_start")[:8],
            "section": "payments",
        },
    )


def invoice_pdf(request, invoice_id: int):
    """One of the member's own invoices as a PDF (404 for anyone else's)."""
    member = _own_member(request)
    invoice = get_object_or_404(member.dues_invoices.all(), pk=invoice_id)
    invoice.member = member
    return _pdf_response(dues_invoices.invoices_pdf([invoice]), f"faktura-{invoice.number}.pdf")


def annual_statement_pdf(request, year: int):
    member = _own_member(request)
    if not 1900 <= year <= 2999:
        # A year the database cannot even hold as a date is a page that does not exist.
        raise Http404
    if not Payment.objects.filter(member=member, paid_on__year=year).exists():
        raise Http404
    statement = mydata.annual_statement(member, year)
    pdf = render_pdf(
        "pdf/annual_statement.html",
        {
            "member": member,
            "statement": statement,
            "year": year,
            "reported_kr": dues_tax.reported_for(member, year),
        },
    )
    return _pdf_response(pdf, f"arsoppgave-{year}-{member.member_number}.pdf")


# --- My data ---------------------------------------------------------------------------


@never_cache
def my_data(request):
    member = _own_member(request, payment_summary=True)
    data = mydata.collect(member)
    return render(
        request,
        "members/minside/my_data.html",
        {"member": member, "data": data, "section": "my_data"},
    )


@never_cache
def my_data_json(request):
    member = _own_member(request)
    data = mydata.collect(member, access_log_limit=None, payments=True)
    body = json.dumps(mydata.as_json(data), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="mine-data-{member.member_number}.json"'
    )
    response["Cache-Control"] = "no-store"
    return response


def access_report_pdf(request):
    from privacy.models import PrivacyNotice, Recipient

    member = _own_member(request, payment_summary=True)
    data = mydata.collect(member, access_log_limit=None)
    recipients = list(Recipient.objects.filter(active=True).order_by("name"))
    notice = PrivacyNotice.objects.filter(published=True).order_by("-version").first()
    pdf = render_pdf(
        "pdf/access_report.html",
        {"member": member, "data": data, "recipients": recipients, "notice": notice},
    )
    return _pdf_response(pdf, f"innsynsrapport-{member.member_number}.pdf")


# --- Resignation and erasure ---------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def resign(request):
    """Resignation for real: the member gives notice with a reason; it takes effect on
    its date (end of the month by default) and can be withdrawn until then."""
    member = _own_member(request)
    pending = [r for r in _open_requests(member) if r.kind == "erasure"]
    resignation = lifecycle.pending_resignation(member)
    form = None
    erasure_form = None
    status = 200
    if member.status == MemberStatus.ACTIVE and resignation is None:
        form = ResignNoticeForm(request.POST or None)
        if request.method == "POST":
            if form.is_valid():
                try:
                    resignation = lifecycle.resignation_give_notice(
                        member=member,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                        union=form.cleaned_data["union"],
                        other_union=form.cleaned_data["other_union"],
                        details=form.cleaned_data["details"],
                        effective_on=form.cleaned_data["effective_on"],
                    )
                except ValidationError as error:
                    _errors_to_form(form, error)
                    status = 400
                else:
                    messages.success(
                        request,
                        _(
                            "Utmeldingen er registrert og gjelder fra %(date)s. Du får en "
                            "kvittering på e-post, og du kan trekke den til da."
                        )
                        % {"date": date_format(resignation.effective_on, "j. F Y")},
                    )
                    return redirect("minside:resign")
            else:
                status = 400
    elif member.status != MemberStatus.ACTIVE:
        erasure_form = ErasureForm()
    return render(
        request,
        "members/minside/resign.html",
        {
            "member": member,
            "form": form,
            "resignation": resignation,
            "effective_on": lifecycle.default_effective_date(),
            "erasure_form": erasure_form,
            "pending": pending,
            "section": "resign",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def erasure(request):
    member = _own_member(request)
    if request.method == "GET":
        return redirect("minside:resign")
    form = ErasureForm(request.POST)
    if form.is_valid():
        try:
            services.erasure_request(
                member=member, by=request.user, details=form.cleaned_data["details"]
            )
        except ValidationError as error:
            messages.warning(request, error.messages[0])
        else:
            messages.success(
                request,
                _("Vi har mottatt ønsket om sletting. Du får en bekreftelse på e-post."),
            )
        return redirect("minside:resign")
    return render(
        request,
        "members/minside/resign.html",
        {
            "member": member,
            "form": None,
            "erasure_form": form,
            "pending": [r for r in _open_requests(member) if r.kind in ("resignation", "erasure")],
            "section": "resign",
        },
        status=400,
    )


# --- Invitation ---------------------------------------------------------------------------


@login_not_required
@never_cache
def invitation(request, token: str):
    """The link from a staff invitation: remember it in the session and continue to
    activation, where number and national id are then not needed."""
    if request.user.is_authenticated:
        messages.info(request, _("Du er allerede logget inn."))
        return redirect("minside:index")
    found = services.invitation_lookup(token)
    if found is None:
        return render(request, "members/minside/invitation_invalid.html", status=410)
    request.session[INVITATION_SESSION_KEY] = found.pk
    return redirect("account_signup")
