"""Klubbkontoret: the officer's view of their own members, with only the officer fields.

Every member query starts from `Member.objects.visible_to(user)` and ends in a
`.values()` projection of OFFICER_FIELDS, so a national id or bank account is never
even loaded from the database here. Access grants have their own module
(`clubs/grant_views.py`).
"""

from __future__ import annotations

import csv
import datetime as dt
import html

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.http import require_GET

from config.prepared import PreparedQuery
from members.documents import render_pdf
from members.exports import safe_cell
from members.joining.models import ChangeKind, ChangeStatus, MembershipChange
from members.models import (
    OFFICER_FIELDS,
    BenefitReservation,
    Member,
    MembershipType,
    MemberStatus,
    ResignationReason,
)
from members.templatetags.people import day_month_year
from members.templatetags.people import phone as format_phone
from privacy.access_log import AccessAction, log_access, log_export

from .forms import RosterFilterForm, filter_roster, visible_clubs, visible_clubs_in
from .models import Position
from .permissions import Scope, officer_required, scope_for

STATUS_LABELS = dict(MemberStatus.choices)
TYPE_LABELS = dict(MembershipType.choices)
REASON_LABELS = dict(ResignationReason.choices)
POSITION_TITLES = dict(Position._meta.get_field("title").choices)
# The card adds the names of the member's club and branch to the officer projection.
CARD_FIELDS = (*OFFICER_FIELDS, "club__name", "branch__name", "branch__number")
# The card's dates as text (the template's `|date:"d.m.Y"`, five filters a card).
CARD_DATES = (
    ("birth_date", "birth_text"),
    ("joined_lo_on", "joined_lo_text"),
    ("joined_union_on", "joined_union_text"),
    ("joined_branch_on", "joined_branch_text"),
    ("resigned_on", "resigned_text"),
)
LIST_PAGE_SIZE = 50

# Columns of the CSV and PDF exports: only officer fields (DESIGN.md "Who sees what").
EXPORT_COLUMNS = (
    ("member_number", gettext_lazy("Medlemsnummer")),
    ("last_name", gettext_lazy("Etternavn")),
    ("first_name", gettext_lazy("Fornavn")),
    ("birth_date", gettext_lazy("Fødselsdato")),
    ("street", gettext_lazy("Adresse")),
    ("postal_code", gettext_lazy("Postnummer")),
    ("city", gettext_lazy("Poststed")),
    ("phone", gettext_lazy("Telefon")),
    ("email", gettext_lazy("E-post")),
    ("membership_type", gettext_lazy("Medlemskapstype")),
    ("status", gettext_lazy("Status")),
    ("club", gettext_lazy("Klubb")),
    ("joined_union_on", gettext_lazy("Innmeldt i forbundet")),
    ("resigned_on", gettext_lazy("Utmeldt")),
    ("resignation_reason", gettext_lazy("Utmeldingsårsak")),
)


def _label_rows(rows, club_names: dict[int, str], positions: dict[int, list[str]] | None = None):
    """Add display labels to projected member dicts (status, type, club, positions)."""
    for row in rows:
        row["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
        row["type_label"] = TYPE_LABELS.get(row["membership_type"], row["membership_type"])
        row["reason_label"] = REASON_LABELS.get(row["resignation_reason"], "")
        row["club_name"] = club_names.get(row["club_id"], "")
        if positions is not None:
            row["positions"] = positions.get(row["id"], [])
    return rows


# The titles of a roster page's members (one plan per page length).
_titles_of = PreparedQuery(
    lambda member_ids, on: (
        Position.objects.current(on)
        .filter(member_id__in=member_ids)
        .values_list("member_id", "title")
    )
)


def _current_titles(member_ids) -> dict[int, list[str]]:
    """The current position titles of some members, in one query."""
    titles: dict[int, list[str]] = {}
    for member_id, title in _titles_of(tuple(member_ids), timezone.localdate()):
        titles.setdefault(member_id, []).append(str(POSITION_TITLES.get(title, title)))
    return titles


def _esc(value) -> str:
    """`conditional_escape` without its lazy-string wrapper for the plain `str` values
    of a row (the same `html.escape`); anything else goes through it unchanged."""
    return html.escape(value) if type(value) is str else conditional_escape(value)


def _roster_rows_html(rows: list[dict], *, show_club: bool) -> SafeString:
    """The roster's table rows (`<tr>` … `</tr>` with the whitespace the template's
    row loop gave), built here rather than by the template engine: walking 50–100
    rows × 10 cells of variables, tags and filters was most of the page's Python
    time. Every value is escaped as `{{ }}` would (`conditional_escape`)."""
    card_url = reverse("klubb:card", args=[0]).removesuffix("0/")
    # What `localize` gives an integer when numbers are not grouped (the default).
    number = localize if settings.USE_THOUSAND_SEPARATOR else str
    labels: dict[tuple[str, str], str] = {}  # each (lazy) label translated once a page

    def label(row, field, key):
        value = labels.get((field, row[field]))
        if value is None:
            value = labels[field, row[field]] = _esc(str(row[key]))
        return value

    parts = []
    for row in rows:
        phone = row["phone"]
        email = row["email"]
        badge = "badge-ok" if row["status"] == MemberStatus.ACTIVE else "badge-warn"
        status = label(row, "status", "status_label")
        titles = "".join(f'<span class="badge">{_esc(title)}</span> ' for title in row["positions"])
        club = f"<td>{_esc(row['club_name'] or '–')}</td>" if show_club else ""
        parts.append(
            "\n    <tr>\n"
            f'      <td class="num">{_esc(number(row["member_number"]))}</td>\n'
            f'      <th scope="row"><a href="{card_url}{row["id"]}/">'
            f"{_esc(row['last_name'])}, {_esc(row['first_name'])}</a></th>\n"
            f"      <td>{day_month_year(row['birth_date'])}</td>\n"
            "      <td>"
            + (f'<a href="tel:{_esc(phone)}">{_esc(format_phone(phone))}</a>' if phone else "")
            + "</td>\n      <td>"
            + (f'<a href="mailto:{_esc(email)}">{_esc(email)}</a>' if email else "")
            + f"</td>\n      {club}\n"
            f"      <td>{label(row, 'membership_type', 'type_label')}</td>\n"
            f'      <td><span class="badge {badge}">{status}</span></td>\n'
            f"      <td>{day_month_year(row['joined_union_on'])}</td>\n"
            f"      <td>{titles}</td>\n"
            "    </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value went through _esc


# Filters whose choices are the same for everyone (the club filter's are the user's
# clubs): their selects are kept per language and current choice once made.
STATIC_SELECTS = ("status", "membership_type", "has_position", "sort", "per_page")
_static_selects: dict[tuple[str, str, str], SafeString] = {}


def _select_html(field, current: str) -> SafeString:
    """A filter's label and select, as `clubs/_select.html` renders them (the roster
    has six: the include and its option loop were ~1 ms of the page)."""
    if field.name not in STATIC_SELECTS:
        return _build_select_html(field, current)
    key = (field.name, get_language(), current)
    html = _static_selects.get(key)
    if html is None:
        html = _static_selects[key] = _build_select_html(field, current)
    return html


def _build_select_html(field, current: str) -> SafeString:
    options = "".join(
        f'<option value="{_esc(value)}"{" selected" if value == current else ""}>'
        f"{_esc(label)}</option>"
        for value, label in field.field.choices
    )
    name = _esc(field.name)
    return mark_safe(  # noqa: S308 - every value went through _esc
        f'<label for="id_{name}">{_esc(field.label)}</label>\n'
        f'<select name="{name}" id="id_{name}">{options}</select>\n'
    )


_clubs_in = PreparedQuery(
    lambda central, branch_ids, club_ids: visible_clubs_in(
        Scope.of_args(central, branch_ids, club_ids)
    ).values_list("id", "name")
)


def _roster_form(request):
    clubs = _clubs_in(*scope_for(request.user).as_args())
    data = request.GET.copy()
    # Active members by default; an explicit empty status ("Alle") shows everyone.
    data.setdefault("status", MemberStatus.ACTIVE)
    form = RosterFilterForm(data, clubs=clubs)
    form.is_valid()
    return form, dict(clubs)


FILTER_KEYS = ("q", "status", "membership_type", "club", "has_position", "sort", "per_page")


def _querystring(form, **overrides) -> str:
    """The query string for the current (valid) filters, e.g. for sort and page links."""
    params = {name: form.value(name) for name in FILTER_KEYS}
    params.update(overrides)
    # An empty status means "all" and must stay in the link, or the default applies.
    return urlencode({k: v for k, v in params.items() if v not in (None, "") or k == "status"})


def _roster_query(on, central, branch_ids, club_ids, status, membership_type, club_id, **structure):
    """The roster without a search: the officer projection of the members in the
    scope, filtered and ordered as the form says (`filter_roster`)."""
    return filter_roster(
        Member.objects.visible_in(Scope.of_args(central, branch_ids, club_ids)),
        status=status,
        membership_type=membership_type,
        club_id=club_id,
        on=on,
        **structure,
    ).roster()


# The roster's count and pages, prepared once per process for each sort order and
# filter combination (config/prepared.py); a search is built each time.
_roster_count = PreparedQuery(_roster_query, count=True)
_roster_page = PreparedQuery(_roster_query)


class _PreparedRoster:
    """The roster without a search as the paginator's object list: `count()` and a
    slice (one page) are each one prepared query."""

    def __init__(self, form, scope):
        chosen = form.filters()
        # The values are bound to the statement; the rest changes its SQL.
        self.args = (
            timezone.localdate(),
            *scope.as_args(),
            chosen.pop("status"),
            chosen.pop("membership_type"),
            chosen.pop("club_id"),
        )
        self.structure = chosen

    def count(self) -> int:
        return _roster_count(*self.args, **self.structure)

    def __getitem__(self, window: slice) -> list[dict]:
        return _roster_page(*self.args, **self.structure, window=(window.start, window.stop))


@officer_required
@require_GET
def roster(request):
    """The roster with search, filters, sorting and pagination. An htmx request for
    the results region gets only the `_roster_table.html` fragment."""
    form, club_names = _roster_form(request)
    if form.has_error("q", "national_id") and not request.htmx:
        # Take the national id out of the address bar (and of every link on the page
        # that repeats the current URL) before anything is rendered.
        messages.warning(request, form.errors["q"][0])
        return redirect(reverse("klubb:roster") + "?" + _querystring(form))
    if form.value("q") or "q" in form.errors:
        queryset = form.filter(Member.objects.visible_to(request.user)).roster()
    else:
        queryset = _PreparedRoster(form, scope_for(request.user))
    paginator = Paginator(queryset, form.page_size)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    _label_rows(rows, club_names, _current_titles([row["id"] for row in rows]))
    if form.value("q") and paginator.count == 1:
        # A search that finds one person is a look at that person.
        log_access(
            user=request.user,
            action=AccessAction.VIEW_CARD,
            member=Member(pk=rows[0]["id"]),
            view="klubb:roster",
            detail={"q_kind": form.description().get("q_kind", "")},
        )
    sort = form.sort_key
    # Current choices as strings, for the hand-built selects (Django's widget
    # templates cost several milliseconds per page, an include per select ~0.2 ms).
    selected = {name: str(form.value(name)) for name in FILTER_KEYS} | {
        "sort": sort,
        "per_page": str(form.page_size),
    }
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "sort": sort,
        "sort_links": {
            key: "?" + _querystring(form, sort=("-" + key if sort == key else key))
            for key in ("name", "number", "birth", "joined", "status")
        },
        "page_query": _querystring(form),
        "show_club": len(club_names) > 1,
        "rows_html": _roster_rows_html(rows, show_club=len(club_names) > 1),
        "selects": {
            name: _select_html(form[name], selected[name])
            for name in ("status", "membership_type", "has_position", "sort", "per_page")
            + (("club",) if len(club_names) > 1 else ())
        },
    }
    fragment = (
        request.htmx
        and request.htmx.target == "roster-results"
        and not request.htmx.history_restore_request
    )
    context["is_fragment"] = bool(fragment)
    template = "clubs/_roster_table.html" if fragment else "clubs/roster.html"
    response = render(request, template, context)
    if form.has_error("q", "national_id"):
        # htmx would push the typed URL into the history; push the cleaned one instead.
        response["HX-Push-Url"] = reverse("klubb:roster") + "?" + _querystring(form)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _current_positions_of(member_id: int, today):
    return Position.objects.current(today).filter(member_id=member_id)


def _reservations_of(member_id: int):
    return BenefitReservation.objects.filter(member_id=member_id)


def _card_query(member_id: int, today, central: bool, branch_ids: tuple, club_ids: tuple):
    """The card's one row: the officer projection of a member in the scope, with the
    club's and branch's names and whether there are positions or reservations to list
    (most members have neither, which spares those two queries)."""
    return (
        Member.objects.visible_in(Scope.of_args(central, branch_ids, club_ids))
        .filter(pk=member_id)
        .annotate(
            has_positions=Exists(_current_positions_of(member_id, today)),
            has_reservations=Exists(_reservations_of(member_id)),
        )
        .values(*CARD_FIELDS, "has_positions", "has_reservations")
    )


# Compiled once per process and scope shape (config/prepared.py): building this query
# with the ORM cost more than PostgreSQL's answer to it.
_card_row = PreparedQuery(_card_query)


@officer_required
@require_GET
def member_card(request, member_id: int):
    """One member's card: officer fields, current positions and benefit reservations.
    Someone outside the officer's scope is a 404. Every view is logged."""
    today = timezone.localdate()
    found = _card_row(member_id, today, *scope_for(request.user).as_args())
    if not found:
        raise Http404
    row = found[0]
    _label_rows([row], {row["club_id"]: row["club__name"] or ""})
    for field, text in CARD_DATES:
        row[text] = day_month_year(row[field])
    positions = (
        list(
            _current_positions_of(member_id, today)
            .select_related("club", "branch")
            .order_by("title")
        )
        if row["has_positions"]
        else []
    )
    reservations = (
        list(_reservations_of(member_id).select_related("benefit"))
        if row["has_reservations"]
        else []
    )
    log_access(
        user=request.user,
        action=AccessAction.VIEW_CARD,
        member=Member(pk=member_id),
        view="klubb:card",
    )
    return render(
        request,
        "clubs/card.html",
        {"m": row, "positions": positions, "reservations": reservations},
    )


def _recent_list(request, *, kind: str):
    since = timezone.localdate() - dt.timedelta(days=365)
    members = Member.objects.visible_to(request.user)
    if kind == "new":
        members = members.filter(joined_union_on__gte=since).order_by(
            "-joined_union_on", "last_name", "first_name"
        )
    else:
        members = members.filter(resigned_on__gte=since).order_by(
            "-resigned_on", "last_name", "first_name"
        )
    page = Paginator(members.roster(), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    club_names = dict(visible_clubs(request.user).values_list("id", "name"))
    rows = _label_rows(list(page.object_list), club_names)
    return render(
        request,
        "clubs/recent.html",
        {
            "kind": kind,
            "page": page,
            "rows": rows,
            "moves": _moves_in(request.user, since=since, club_names=club_names)
            if kind == "new"
            else [],
            "moves_cap": MOVES_SHOWN,
            "since": since,
            "show_club": len(club_names) > 1,
        },
    )


# Moves between workplaces are a few a month even in a large club; the page lists the
# latest of them beside the new members and says so when there are more.
MOVES_SHOWN = 200


def _moves_in(user, *, since, club_names: dict[int, str]) -> list[dict]:
    """Members who came to one of the officer's clubs by changing employer since
    `since`, newest first. Only members the officer may see (they are in the club now);
    where they came from is named only when it is one of the officer's clubs too."""
    changes = (
        MembershipChange.objects.filter(
            kind=ChangeKind.EMPLOYER,
            status=ChangeStatus.APPLIED,
            effective_on__gte=since,
            new_club_id__in=list(club_names),
            member__in=Member.objects.visible_to(user),
        )
        .exclude(previous_club_id=F("new_club_id"))
        .order_by("-effective_on", "-id")
        .values(
            "effective_on",
            "new_club_id",
            "previous_club_id",
            "member_id",
            "member__member_number",
            "member__first_name",
            "member__last_name",
        )[: MOVES_SHOWN + 1]
    )
    return [
        {
            "id": change["member_id"],
            "member_number": change["member__member_number"],
            "first_name": change["member__first_name"],
            "last_name": change["member__last_name"],
            "club_name": club_names.get(change["new_club_id"], ""),
            "from_club": club_names.get(change["previous_club_id"], ""),
            "effective_on": change["effective_on"],
        }
        for change in changes
    ]


@officer_required
@require_GET
def new_members(request):
    """Members who joined the union in the last 12 months."""
    return _recent_list(request, kind="new")


@officer_required
@require_GET
def resigned_members(request):
    """Members who left in the last 12 months, with date and reason."""
    return _recent_list(request, kind="resigned")


@officer_required
@require_GET
def positions(request):
    """Current positions (tillitsverv) held by the officer's members."""
    rows = (
        Position.objects.current()
        .filter(member__in=Member.objects.visible_to(request.user))
        .values(
            "id",
            "title",
            "started_on",
            "ended_on",
            "member_id",
            "member__first_name",
            "member__last_name",
            "member__member_number",
            "club__name",
            "branch__name",
        )
        .order_by("club__name", "branch__name", "title", "member__last_name")
    )
    titles = dict(Position._meta.get_field("title").choices)
    rows = list(rows)
    for row in rows:
        row["title_label"] = titles.get(row["title"], row["title"])
    return render(request, "clubs/positions.html", {"rows": rows})


def _export_rows(request):
    form, club_names = _roster_form(request)
    if form.has_error("q", "national_id"):
        raise PermissionDenied
    rows = list(form.filter(Member.objects.visible_to(request.user)).roster())
    return form, _label_rows(rows, club_names)


def _export_values(row) -> list:
    values = []
    for key, _label in EXPORT_COLUMNS:
        if key == "membership_type":
            values.append(row["type_label"])
        elif key == "status":
            values.append(row["status_label"])
        elif key == "club":
            values.append(row["club_name"])
        elif key == "resignation_reason":
            values.append(row["reason_label"])
        else:
            values.append(row[key])
    return values


def _log_export(request, form, *, fmt: str, rows: list[dict]) -> None:
    log_export(
        user=request.user,
        view=f"klubb:export_{fmt}",
        detail={"format": fmt, "filter": form.description(), "rows": len(rows)},
        member_ids=[row["id"] for row in rows],
    )


@officer_required
@require_GET
def export_csv(request):
    """The current filtered roster as CSV (semicolon separated, UTF-8 with BOM so
    Excel opens æøå right). Logged with its filter and row count."""
    form, rows = _export_rows(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="medlemsliste.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([str(label) for _key, label in EXPORT_COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(value) for value in _export_values(row)])
    _log_export(request, form, fmt="csv", rows=rows)
    return response


@officer_required
@require_GET
def export_pdf(request):
    """The current filtered roster as a PDF. Logged with its filter and row count."""
    form, rows = _export_rows(request)
    pdf = render_pdf(
        "pdf/roster.html",
        {"rows": rows, "count": len(rows), "filters": form.summary()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="medlemsliste.pdf"'
    response["Cache-Control"] = "no-store"
    _log_export(request, form, fmt="pdf", rows=rows)
    return response
