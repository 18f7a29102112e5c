"""The staff register (/medlemsregister/): central staff search every member, read and
edit the whole record, run the membership actions, and browse the access log.

For everyone else these pages do not exist (404). Members are fetched from
`Member.objects.visible_to(user)` like everywhere else. National ids never travel in
a URL: a search for one is POSTed, and revealing one is a POST that needs a fresh login.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clubs.permissions import central_staff_required, require_recent_authentication
from members import services
from members.models import Member, MemberStatus
from members.readable import reason_text, value_text
from members.register.counting import capped_search_count
from members.templatetags.people import day_month_year
from members.validators import looks_like_national_id, query_kind
from privacy.access_log import AccessAction, log_access, role_display
from privacy.access_log_text import detail_items, view_label
from privacy.models import AccessLog, AuthMethod
from privacy.processing import field_label

from .forms import (
    ConfirmForm,
    MemberEditForm,
    ResignForm,
    StaffSearchForm,
    TransferForm,
    UserFilterForm,
)

PAGE_SIZE = 50
HISTORY_ROWS = 25
SEARCH_FIELDS = (
    "id",
    "member_number",
    "first_name",
    "last_name",
    "birth_date",
    "status",
    "email",
    "phone",
    "branch__name",
    "club__name",
)
# Changes to these are shown as "changed", never with their values.
SECRET_FIELDS = {"national_id", "bank_account"}


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 hits: a short name prefix can match thousands of
    members, and counting them all costs more than the page itself. Nobody pages
    past the first thousand; the page says "more than 1 000" instead."""

    COUNT_CAP = 1000

    def __init__(self, object_list, per_page, *, count_queryset, counter=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        # Counted without ordering or joins, so the database can stop early.
        self.count_queryset = count_queryset.order_by().values("pk")
        self.counter = counter  # a cheaper way to the same capped count, if any

    @property
    def count(self) -> int:
        if not hasattr(self, "_capped_count"):
            if self.counter is not None:
                self._capped_count = self.counter()
            else:
                self._capped_count = self.count_queryset[: self.COUNT_CAP + 1].count()
        return self._capped_count

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP


def _log_search(request, *, kind: str, hits: int) -> None:
    log_access(
        user=request.user,
        action=AccessAction.SEARCH,
        view="register:search",
        detail={"kind": kind, "hits": hits},
    )


@central_staff_required
@require_http_methods(["GET", "POST"])
def search(request):
    """Search the whole register. A POSTed national id is looked up exactly and answered
    directly; any other POSTed query is redirected to a GET URL (bookmarkable, paged).
    Each search is logged with the kind of query only."""
    if request.method == "POST":
        form = StaffSearchForm(request.POST)
        if not form.is_valid():
            return render(request, "members/register/search.html", {"form": form})
        query = form.cleaned_data["q"]
        if looks_like_national_id(query):
            found = list(
                Member.objects.visible_to(request.user)
                .by_national_id(query)
                .values(*SEARCH_FIELDS)[:2]
            )
            _log_search(request, kind="national_id", hits=len(found))
            if len(found) == 1:
                return redirect("register:member", member_id=found[0]["id"])
            # An empty form: the national id is not echoed back into the page either.
            return render(
                request,
                "members/register/search.html",
                {"form": StaffSearchForm(), "rows": [], "searched": True, "by_id": True},
            )
        return redirect(reverse("register:search") + "?" + urlencode({"q": query}))

    get_form = StaffSearchForm(request.GET) if request.GET.get("q") else None
    if get_form is not None and not get_form.is_valid():
        # Too long, a NUL byte …: say what is wrong and list nobody.
        return render(request, "members/register/search.html", {"form": get_form})
    query = get_form.cleaned_data["q"] if get_form is not None else ""
    if looks_like_national_id(query):
        # Only a hand-made URL gets here; do not search, log or repeat it.
        messages.warning(
            request, _("Søk på fødselsnummer i søkefeltet, ikke i adressen til siden.")
        )
        return redirect("register:search")
    form = StaffSearchForm(initial={"q": query})
    context = {"form": form, "query": query}
    if query:
        visible = Member.objects.visible_to(request.user)
        matches = visible.search(query)
        results = matches.values(*SEARCH_FIELDS).order_by(
            "last_name", "first_name", "member_number"
        )
        paginator = CappedPaginator(
            results,
            PAGE_SIZE,
            count_queryset=matches,
            counter=lambda: capped_search_count(visible, query, CappedPaginator.COUNT_CAP),
        )
        page = paginator.get_page(request.GET.get("page"))
        rows = list(page.object_list)
        _log_search(request, kind=query_kind(query), hits=page.paginator.count)
        context.update(page=page, rows=rows, searched=True, extra_query=urlencode({"q": query}))
        # Links and dates made here, not by `{% url %}` and `|date` in the row loop
        # (~70 µs a row, most of the page's Python time).
        member_url = reverse("register:member", args=[0]).removesuffix("0/")
        for row in rows:
            row["status_label"] = MemberStatus(row["status"]).label
            row["url"] = f"{member_url}{row['id']}/"
            row["birth_text"] = day_month_year(row["birth_date"])
    return render(request, "members/register/search.html", context)


def _member_for(request, member_id: int) -> Member:
    """The member with everything the page shows, or 404."""
    queryset = Member.objects.visible_to(request.user).select_related(
        "branch", "club", "employer", "recruited_by", "resignation_union", "user"
    )
    return get_object_or_404(queryset, pk=member_id)


def _history(member: Member) -> list[dict]:
    """The latest changes of the member, newest first, with what changed in each, as
    labels and readable values (`members.readable`). National id and bank account
    changes are named, not shown; a save that changed nothing is no row."""
    records = list(
        member.history.select_related("history_user").order_by("-history_id")[: HISTORY_ROWS + 1]
    )
    entries = []
    for index, newer in enumerate(records[:HISTORY_ROWS]):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if older is not None:
            for change in newer.diff_against(older).changes:
                secret = change.field in SECRET_FIELDS
                changes.append(
                    {
                        "field": field_label(change.field),
                        "old": None if secret else value_text(Member, change.field, change.old),
                        "new": None if secret else value_text(Member, change.field, change.new),
                        "secret": secret,
                    }
                )
            if newer.history_type == "~" and not changes:
                continue
        entries.append(
            {
                "at": newer.history_date,
                "user": newer.history_user,
                "type": newer.get_history_type_display(),
                "reason": reason_text(newer.history_change_reason),
                "changes": changes,
            }
        )
    return entries


def _member_context(member: Member, *, revealed: bool) -> dict:
    return {
        "m": member,
        "revealed": revealed,
        "positions": member.positions.select_related("club", "branch").order_by("-started_on"),
        "previous_memberships": member.previous_memberships.select_related("union"),
        "enrolments": member.benefit_enrolments.select_related("benefit"),
        "reservations": member.benefit_reservations.select_related("benefit"),
        "payments": member.payments.order_by("-paid_on")[:24],
        "payment_count": member.payments.count(),
        "orders": member.orders.select_related("product"),
        "recruit_count": member.recruits.count(),
        "history": _history(member),
        "actions": _available_actions(member),
    }


@central_staff_required
@require_GET
def member_detail(request, member_id: int):
    """The whole record, national id and account masked. The view is logged."""
    member = _member_for(request, member_id)
    log_access(
        user=request.user, action=AccessAction.VIEW_MEMBER, member=member, view="register:member"
    )
    return render(request, "members/register/member.html", _member_context(member, revealed=False))


@central_staff_required
@never_cache
@require_POST
def member_reveal(request, member_id: int):
    """Show the national id and bank account in full. Needs a login (or re-login) in
    the last few minutes; otherwise allauth asks for one and replays this POST."""
    member = _member_for(request, member_id)
    require_recent_authentication(request)
    log_access(
        user=request.user,
        action=AccessAction.REVEAL_NATIONAL_ID,
        member=member,
        view="register:reveal",
        detail={"fields": ["national_id", "bank_account"]},
    )
    return render(request, "members/register/member.html", _member_context(member, revealed=True))


@central_staff_required
@require_http_methods(["GET", "POST"])
def member_edit(request, member_id: int):
    """Edit the profile through `member_update_profile`; the change gets a history row."""
    member = _member_for(request, member_id)
    form = MemberEditForm(request.POST or None, initial=MemberEditForm.initial_for(member))
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update_profile(member=member, by=request.user, data=form.service_data())
        except ValidationError as error:
            _add_service_errors(form, error, MemberEditForm.SERVICE_FIELDS)
        else:
            log_access(
                user=request.user,
                action=AccessAction.EDIT,
                member=member,
                view="register:edit",
                detail={"action": "update_profile"},
            )
            messages.success(request, _("Endringene er lagret."))
            return redirect("register:member", member_id=member.pk)
    # The form shows the member's data: a read like any other.
    log_access(
        user=request.user, action=AccessAction.VIEW_MEMBER, member=member, view="register:edit"
    )
    return render(
        request,
        "members/register/edit.html",
        {"m": member, "form": form, "employer_choice": _employer_choice(form, member)},
    )


def _employer_choice(form: MemberEditForm, member: Member):
    """The employer that is checked in the edit form: the one posted, else the member's."""
    if form.is_bound:
        return form.cleaned_data.get("employer") if hasattr(form, "cleaned_data") else None
    return member.employer


def _add_service_errors(form: Form, error: ValidationError, rename: dict | None = None) -> None:
    """Put a service's ValidationError on the form, per field where it names one."""
    rename = rename or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            name = rename.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@dataclass(frozen=True)
class Action:
    slug: str
    title: str
    button: str
    consequences: tuple[str, ...]
    form: type[Form]
    for_active: bool = True


ACTIONS = {
    action.slug: action
    for action in (
        Action(
            slug="meld-ut",
            title=gettext_lazy("Meld ut"),
            button=gettext_lazy("Meld ut medlemmet"),
            consequences=(
                gettext_lazy("Medlemskapet avsluttes fra datoen, og kontingenten stopper."),
                gettext_lazy("Alle tillitsverv medlemmet har, avsluttes samme dag."),
                gettext_lazy(
                    "Partnere som har fått opplysninger om medlemmet, får beskjed om utmeldingen."
                ),
                gettext_lazy(
                    "Ved overføring til et annet forbund registreres forbundet. "
                    "Opplysningene slettes tre år etter utmeldingsdatoen."
                ),
            ),
            form=ResignForm,
        ),
        Action(
            slug="flytt",
            title=gettext_lazy("Flytt til annen avdeling eller klubb"),
            button=gettext_lazy("Flytt medlemmet"),
            consequences=(
                gettext_lazy(
                    "Medlemmet flyttes til den nye avdelingen og klubben. Tillitsvalgte i "
                    "den gamle klubben og avdelingen ser ikke lenger medlemmet."
                ),
                gettext_lazy("Bytter medlemmet avdeling, settes innmeldingsdato i avdelingen."),
                gettext_lazy("En klubb hos en arbeidsgiver setter også arbeidsgiveren."),
            ),
            form=TransferForm,
        ),
        Action(
            slug="stryk",
            title=gettext_lazy("Stryk for manglende betaling"),
            button=gettext_lazy("Stryk medlemmet"),
            consequences=(
                gettext_lazy("Medlemskapet avsluttes med årsak «strøket» fra datoen."),
                gettext_lazy(
                    "Alle tillitsverv avsluttes, og forsikringer i medlemskapet faller bort."
                ),
                gettext_lazy("Partnere som har fått opplysninger om medlemmet, får beskjed."),
            ),
            form=ConfirmForm,
        ),
        Action(
            slug="dodsfall",
            title=gettext_lazy("Registrer dødsfall"),
            button=gettext_lazy("Registrer dødsfallet"),
            consequences=(
                gettext_lazy("Medlemskapet avsluttes med årsak «død» fra dødsdatoen."),
                gettext_lazy(
                    "Alle tillitsverv avsluttes, og det sendes ikke mer post eller kontingentkrav."
                ),
                gettext_lazy("Partnere som har fått opplysninger om medlemmet, får beskjed."),
            ),
            form=ConfirmForm,
        ),
        Action(
            slug="gjeninnmeld",
            title=gettext_lazy("Meld inn igjen"),
            button=gettext_lazy("Meld inn medlemmet igjen"),
            consequences=(
                gettext_lazy(
                    "Medlemmet blir aktivt igjen fra datoen, som blir ny innmeldingsdato i "
                    "forbundet og avdelingen."
                ),
                gettext_lazy("Utmeldingen fjernes fra medlemskortet, men står i historikken."),
                gettext_lazy("Kontingent beregnes igjen fra datoen."),
            ),
            form=ConfirmForm,
            for_active=False,
        ),
    )
}


def _available_actions(member: Member) -> list[Action]:
    active = member.status == MemberStatus.ACTIVE
    return [action for action in ACTIONS.values() if action.for_active == active]


def _run_action(action: Action, member: Member, data: dict, by) -> None:
    on = data["on"]
    if action.slug == "meld-ut":
        services.member_resign(
            member=member, by=by, on=on, reason=data["reason"], union=data.get("union")
        )
    elif action.slug == "flytt":
        services.member_transfer(
            member=member, by=by, branch=data["branch"], club=data.get("club"), on=on
        )
    elif action.slug == "stryk":
        services.member_strike_off(member=member, by=by, on=on)
    elif action.slug == "dodsfall":
        services.member_record_death(member=member, by=by, on=on)
    elif action.slug == "gjeninnmeld":
        services.member_rejoin(member=member, by=by, on=on)


@central_staff_required
@require_http_methods(["GET", "POST"])
def member_action(request, member_id: int, action: str):
    """A membership action on its own page: what it does, a form, a confirmation box."""
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise Http404
    member = _member_for(request, member_id)
    if chosen not in _available_actions(member):
        messages.info(request, _("Handlingen passer ikke med medlemmets status."))
        return redirect("register:member", member_id=member.pk)
    # A transfer starts from the member's own branch and lists only its clubs.
    extra = {"member": member} if chosen.form is TransferForm else {}
    form = chosen.form(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            _run_action(chosen, member, form.cleaned_data, request.user)
        except ValidationError as error:
            _add_service_errors(
                form,
                error,
                {"resigned_on": "on", "resignation_union": "union", "resignation_reason": "reason"},
            )
        else:
            log_access(
                user=request.user,
                action=AccessAction.EDIT,
                member=member,
                view="register:action",
                detail={"action": chosen.slug},
            )
            messages.success(request, _("Endringen er registrert."))
            return redirect("register:member", member_id=member.pk)
    log_access(
        user=request.user,
        action=AccessAction.VIEW_MEMBER,
        member=member,
        view="register:action",
        detail={"action": chosen.slug},
    )
    return render(
        request, "members/register/action.html", {"m": member, "action": chosen, "form": form}
    )


LOG_FIELDS = (
    "id",
    "at",
    "action",
    "auth_method",
    "view",
    "role",
    "detail",
    "user_id",
    "user__email",
    "member_id",
    "member__first_name",
    "member__last_name",
    "member__member_number",
)


def _log_page(request, queryset):
    page = Paginator(queryset.values(*LOG_FIELDS), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(AccessAction.choices)
    methods = dict(AuthMethod.choices)
    rows = list(page.object_list)
    for row in rows:
        row["action_label"] = labels.get(row["action"], row["action"])
        row["role"] = role_display(row["role"])
        row["auth_label"] = methods.get(row["auth_method"], "–")
        row["view_label"] = view_label(row["view"])
        row["detail_items"] = detail_items(row["detail"])
    return page, rows


@central_staff_required
@require_GET
def access_log(request):
    """The newest access-log rows of everyone, optionally for one user by e-mail."""
    queryset = AccessLog.objects.all()
    query = UserFilterForm(request.GET).value()
    if query:
        queryset = queryset.filter(user__email__icontains=query)
    page, rows = _log_page(request, queryset)
    return render(
        request,
        "members/register/access_log.html",
        {
            "page": page,
            "rows": rows,
            "query": query,
            "extra_query": urlencode({"bruker": query}) if query else "",
        },
    )


@central_staff_required
@require_GET
def access_log_member(request, member_id: int):
    """Who has read this member's data, when and how."""
    member = get_object_or_404(
        Member.objects.visible_to(request.user).only(
            "id", "first_name", "last_name", "member_number"
        ),
        pk=member_id,
    )
    page, rows = _log_page(request, AccessLog.objects.filter(member_id=member.pk))
    return render(
        request,
        "members/register/access_log.html",
        {"page": page, "rows": rows, "for_member": member},
    )


@central_staff_required
@require_GET
def access_log_user(request, user_id: int):
    """Everything one user has read."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    page, rows = _log_page(request, AccessLog.objects.filter(user_id=person.pk))
    return render(
        request,
        "members/register/access_log.html",
        {"page": page, "rows": rows, "for_user": person},
    )


@central_staff_required
@require_POST
def member_invite(request, member_id: int):
    """E-mail the member a single-use link to create their Min side login."""
    from members.minside.services import invitation_create

    member = _member_for(request, member_id)
    try:
        invitation_create(member=member, by=request.user, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Invitasjonen er sendt til %(email)s. Lenken gjelder i 14 dager.")
            % {"email": member.email},
        )
    return redirect("register:member", member_id=member.pk)
