"""Pages of the messaging area, the same views for two sections: the staff register
(/medlemsregister/meldinger/, central staff; 404 for others) and Klubbkontoret
(/klubbkontoret/meldinger/, officers for their own members; 403 for others). The
section comes from the URL namespace.

Members are only ever reached through `segments.members_in`, which starts from
`Member.objects.visible_to(user)`; showing one member's data (the preview) writes an
access-log row.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clubs.permissions import scope_for
from members.documents import render_pdf
from privacy.access_log import AccessAction, log_access

from . import queries, services
from .compose import EmailTemplate, letter_context, sms_text
from .delivery import MEMBER_FIELDS
from .forms import MessageForm, PreviewForm, SendForm
from .models import Channel, DeliveryState, Message, MessageRecipient, MessageStatus, Section
from .segments import Routing, count, members_in, routing_for
from .text import SAMPLE, fill, sms_length

NAMESPACES = {"register_messaging": Section.REGISTER, "klubb_messaging": Section.KLUBB}
PAGE_SIZE = 25
LETTERS_PER_FILE = 500


def section_view(view):
    """Open the view for the section's users only; pass the section on."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        section = NAMESPACES[request.resolver_match.namespace]
        scope = scope_for(request.user)
        if section == Section.REGISTER and not scope.central:
            raise Http404
        if section == Section.KLUBB and not scope.is_officer:
            raise PermissionDenied
        request.messaging_section = section
        return view(request, *args, **kwargs)

    return wrapper


def _url(request, name: str, *args) -> str:
    return reverse(f"{request.resolver_match.namespace}:{name}", args=args)


def _message(request, message_id: int) -> Message:
    return get_object_or_404(
        services.messages_for(request.user, request.messaging_section).select_related("created_by"),
        pk=message_id,
    )


def _context(request, **extra) -> dict:
    section = request.messaging_section
    return {
        "section": section,
        "ns": request.resolver_match.namespace,
        "base_nav": (
            "members/register/_nav.html" if section == Section.REGISTER else "clubs/_nav.html"
        ),
        **extra,
    }


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_GET
@section_view
def index(request):
    paginator = Paginator(
        services.messages_for(request.user, request.messaging_section)
        .select_related("created_by")
        .only(
            "id",
            "subject",
            "category",
            "status",
            "scheduled_at",
            "created_at",
            "created_by__email",
        ),
        PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "members/messaging/index.html", _context(request, page=page))


@require_http_methods(["GET", "POST"])
@section_view
def create(request):
    form = MessageForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.message_create(
                by=request.user,
                section=request.messaging_section,
                data=form.content(),
                segment=form.segment(),
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Utkastet er lagret."))
            return redirect(_url(request, "detail", message.pk))
    return render(
        request,
        "members/messaging/edit.html",
        _context(request, form=form, message=None, count=_live_count(request, form)),
    )


@require_http_methods(["GET", "POST"])
@section_view
def edit(request, message_id: int):
    message = _message(request, message_id)
    if not message.is_editable:
        return redirect(_url(request, "detail", message.pk))
    form = MessageForm(
        request.POST or None, user=request.user, initial=MessageForm.initial_for(message)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.message_update(
                message=message, by=request.user, data=form.content(), segment=form.segment()
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Utkastet er lagret."))
            return redirect(_url(request, "detail", message.pk))
    return render(
        request,
        "members/messaging/edit.html",
        _context(request, form=form, message=message, count=_live_count(request, form)),
    )


def _live_count(request, form) -> dict:
    """Count for the form as it stands (only the filters that are valid count)."""
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    else:
        data = {**{name: field.initial for name, field in form.fields.items()}, **form.initial}
    routing = Routing(
        category=data.get("category") or "information",
        email=bool(data.get("send_email")),
        sms=bool(data.get("send_sms")),
        letter=bool(data.get("send_letter")),
    )
    return _count_context(
        request, _segment_of(data), routing, data.get("sms_text") or data.get("body")
    )


def _segment_of(data: dict) -> dict:
    segment: dict = {}
    for name in ("branches", "clubs", "employers"):
        values = data.get(name) or []
        ids = [getattr(v, "pk", v) for v in values]
        if ids:
            segment[name] = [int(i) for i in ids]
    for name in ("types", "statuses", "titles"):
        if data.get(name):
            segment[name] = list(data[name])
    for name in ("age_min", "age_max"):
        if data.get(name) not in (None, ""):
            segment[name] = int(data[name])
    for name in ("joined_from", "joined_to"):
        if data.get(name):
            value = data[name]
            segment[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return segment


def _count_context(request, segment: dict, routing: Routing, sms_source: str | None) -> dict:
    counted = count(members_in(segment, request.user), routing)
    length = sms_length(fill(sms_source or "", SAMPLE))
    return {
        "counted": counted,
        "sms": length,
        "sms_total_parts": length.parts * counted.sms,
    }


@require_POST
@section_view
def live_count(request):
    """htmx: the count for the form being written."""
    form = MessageForm(request.POST, user=request.user)
    return render(
        request, "members/messaging/_count.html", _context(request, **_live_count(request, form))
    )


@require_GET
@section_view
def detail(request, message_id: int):
    message = _message(request, message_id)
    context = _context(
        request,
        message=message,
        send_form=SendForm(),
        preview_form=PreviewForm(),
        letter_files=_letter_files(message),
    )
    if message.status in (MessageStatus.DRAFT, MessageStatus.SCHEDULED):
        context.update(
            _count_context(
                request, message.segment, routing_for(message), message.sms_text or message.body
            )
        )
    else:
        context["progress"] = queries.progress(message)
    return render(request, "members/messaging/detail.html", context)


def _letter_files(message: Message) -> list[dict]:
    """The print files of a sent message's letters: (part, first, last), LETTERS_PER_FILE
    letters each, so a letter run of any size can be downloaded and printed in parts."""
    total = MessageRecipient.objects.filter(
        message=message, channel=Channel.LETTER, state=DeliveryState.SENT
    ).count()
    return [
        {"part": part, "first": start + 1, "last": min(start + LETTERS_PER_FILE, total)}
        for part, start in enumerate(range(0, total, LETTERS_PER_FILE), start=1)
    ]


def _preview_member(request, message: Message, number: int | None) -> dict | None:
    members = members_in(message.segment, request.user)
    if number:
        member = get_object_or_404(members, member_number=number)
    else:
        member = members.order_by("pk").first()
        if member is None:
            return None
    row = type(member).objects.filter(pk=member.pk).values(*MEMBER_FIELDS).get()
    log_access(
        user=request.user,
        action=AccessAction.VIEW_MEMBER,
        member=member,
        view="messaging:preview",
    )
    return row


@require_GET
@section_view
def preview(request, message_id: int):
    """htmx (or plain GET): the message as one member of the segment gets it."""
    message = _message(request, message_id)
    form = PreviewForm(request.GET)
    number = form.cleaned_data.get("member_number") if form.is_valid() else None
    member = _preview_member(request, message, number)
    context = _context(request, message=message, member=member, preview_form=form)
    if member is not None:
        # A token that works would let whoever sees the preview unsubscribe the member.
        email = EmailTemplate.for_message(message).build(member, to="", preview=True)
        text = sms_text(message, member)
        context.update(
            email_subject=email.subject,
            email_body=email.body,
            unsubscribe_header=email.extra_headers.get("List-Unsubscribe", ""),
            sms_text=text,
            sms=sms_length(text),
        )
    template = "_preview.html" if request.htmx else "preview.html"
    return render(request, f"members/messaging/{template}", context)


@require_POST
@section_view
def test_send(request, message_id: int):
    message = _message(request, message_id)
    member = _preview_member(request, message, None) or {
        "pk": 0,
        "first_name": request.user.first_name or SAMPLE["fornavn"],
        "member_number": SAMPLE["medlemsnummer"],
        "club__name": SAMPLE["klubb"],
    }
    try:
        services.message_test_send(message=message, by=request.user, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except OSError:
        messages.error(request, _("E-posten kunne ikke sendes nå. Prøv igjen om litt."))
    else:
        messages.success(request, _("En test er sendt til e-postadressen din."))
    return redirect(_url(request, "detail", message.pk))


@require_POST
@section_view
def send(request, message_id: int):
    message = _message(request, message_id)
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            services.message_send(message=message, by=request.user, at=form.at())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if form.at():
                messages.success(request, _("Meldingen er planlagt."))
            else:
                messages.success(request, _("Sendingen har startet."))
        return redirect(_url(request, "detail", message.pk))
    context = _context(
        request,
        message=message,
        send_form=form,
        preview_form=PreviewForm(),
        letter_files=[],
        **_count_context(
            request, message.segment, routing_for(message), message.sms_text or message.body
        ),
    )
    return render(request, "members/messaging/detail.html", context, status=400)


@require_POST
@section_view
def cancel(request, message_id: int):
    message = _message(request, message_id)
    try:
        services.message_cancel(message=message, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Meldingen er avbrutt. Ingen har fått den."))
    return redirect(_url(request, "detail", message.pk))


@require_GET
@section_view
def progress(request, message_id: int):
    """htmx polling fragment: keeps polling (hx-trigger) until the send is finished."""
    message = _message(request, message_id)
    return render(
        request,
        "members/messaging/_progress.html",
        _context(request, message=message, progress=queries.progress(message)),
    )


@require_GET
@section_view
def letters(request, message_id: int):
    """The print file: one page per letter, addressed for a window envelope, in files
    of LETTERS_PER_FILE letters (`?del=2` for the second file)."""
    message = _message(request, message_id)
    rows = MessageRecipient.objects.filter(
        message=message, channel=Channel.LETTER, state=DeliveryState.SENT
    ).order_by("pk")
    try:
        part = max(1, int(request.GET.get("del", "1")))
    except ValueError:
        part = 1
    member_ids = list(
        rows.values_list("member_id", flat=True)[
            (part - 1) * LETTERS_PER_FILE : part * LETTERS_PER_FILE
        ]
    )
    if not member_ids:
        raise Http404
    visible = members_in({}, request.user).filter(pk__in=member_ids)
    fields = (*MEMBER_FIELDS, "street", "postal_code", "city", "country")
    by_id = {row["pk"]: row for row in visible.values(*fields)}
    letters_ = [letter_context(message, by_id[pk]) for pk in member_ids if pk in by_id]
    log_access(
        user=request.user,
        action=AccessAction.EXPORT,
        view="messaging:letters",
        detail={"message": message.pk, "letters": len(letters_)},
    )
    # Letters are in bokmål, like the e-mails, whatever language the page is in.
    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf("pdf/letters.html", {"letters": letters_, "message": message})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="brev-{message.pk}-{part}.pdf"'
    return response
