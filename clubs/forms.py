"""Forms for Klubbkontoret (roster filters) and for access-grant management."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import MembershipType, MemberStatus
from members.validators import looks_like_national_id, query_kind

from .models import AccessLevel, Branch, Club, Position
from .permissions import scope_for

# Sort keys the roster accepts, and the columns each means. Anything else is ignored,
# so a crafted `sort` can never order by (or probe) a column outside the projection.
SORTS = {
    "name": ("last_name", "first_name", "member_number"),
    "-name": ("-last_name", "-first_name", "-member_number"),
    "number": ("member_number",),
    "-number": ("-member_number",),
    "birth": ("birth_date", "member_number"),
    "-birth": ("-birth_date", "member_number"),
    "joined": ("joined_union_on", "member_number"),
    "-joined": ("-joined_union_on", "member_number"),
    "status": ("status", "last_name", "first_name", "member_number"),
    "-status": ("-status", "last_name", "first_name", "member_number"),
}
DEFAULT_SORT = "name"
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
NO_CLUB = "none"


def visible_clubs(user):
    """Clubs whose members the user sees: their own clubs and every club of their
    branches. Central staff see all."""
    return visible_clubs_in(scope_for(user))


def visible_clubs_in(scope):
    """`visible_clubs` for a scope already read (clubs.permissions.Scope)."""
    if scope.central:
        return Club.objects.all()
    return Club.objects.filter(Q(id__in=scope.club_ids) | Q(branch_id__in=scope.branch_ids))


def filter_roster(
    queryset,
    *,
    status: str | None,
    membership_type: str | None,
    club_id: int | None,
    no_club: bool,
    has_position: str,
    sort: str,
    on: dt.date,
):
    """The roster's filters (all but the search) and its order, applied to a queryset
    that is already `visible_to`; with the values as arguments, so that the roster's
    prepared queries (clubs/views.py) build the very same SQL."""
    if status:
        queryset = queryset.filter(status=status)
    if membership_type:
        queryset = queryset.filter(membership_type=membership_type)
    if no_club:
        queryset = queryset.filter(club__isnull=True)
    elif club_id is not None:
        queryset = queryset.filter(club_id=club_id)
    if has_position:
        current = Position.objects.current(on).filter(member=OuterRef("pk"))
        queryset = queryset.filter(Exists(current) if has_position == "yes" else ~Exists(current))
    return queryset.order_by(*SORTS[sort])


class RosterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Søk"),
        required=False,
        max_length=100,
        help_text=_("Navn, medlemsnummer, e-post eller telefon."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle"))] + list(MemberStatus.choices),
    )
    membership_type = forms.ChoiceField(
        label=_("Medlemskapstype"),
        required=False,
        choices=[("", _("Alle"))] + list(MembershipType.choices),
    )
    club = forms.ChoiceField(label=_("Klubb"), required=False)
    has_position = forms.ChoiceField(
        label=_("Tillitsverv"),
        required=False,
        choices=[("", _("Alle")), ("yes", _("Har verv")), ("no", _("Uten verv"))],
    )
    sort = forms.ChoiceField(
        label=_("Sorter etter"),
        required=False,
        choices=[
            ("name", _("Navn (A–Å)")),
            ("-name", _("Navn (Å–A)")),
            ("number", _("Medlemsnummer (stigende)")),
            ("-number", _("Medlemsnummer (synkende)")),
            ("birth", _("Fødselsdato (eldst først)")),
            ("-birth", _("Fødselsdato (yngst først)")),
            ("joined", _("Innmeldt (eldst først)")),
            ("-joined", _("Innmeldt (nyest først)")),
            ("status", _("Status (A–Å)")),
            ("-status", _("Status (Å–A)")),
        ],
    )
    per_page = forms.TypedChoiceField(
        label=_("Per side"),
        required=False,
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
    )

    def __init__(self, *args, clubs: Iterable[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["club"].choices = (
            [("", _("Alle"))]
            + [(str(club_id), name) for club_id, name in clubs]
            + [(NO_CLUB, _("Uten klubb"))]
        )

    def clean_q(self) -> str:
        q = " ".join(self.cleaned_data.get("q", "").split())
        if looks_like_national_id(q):
            # Officers never see national ids, so they cannot search by them either.
            raise forms.ValidationError(
                _("Klubbkontoret kan ikke søke på fødselsnummer."), code="national_id"
            )
        return q

    def value(self, name: str, default=""):
        """The cleaned value of a field, or `default` if it was missing or invalid, so
        one bad parameter does not throw the other filters away."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def filter(self, queryset):
        """Apply the search and filters to a queryset that is already `visible_to`."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        if "q" in self.errors:
            # A query that is too long (or otherwise wrong) finds nobody, not everyone.
            return queryset.none()
        return filter_roster(
            queryset.search(self.value("q")), on=timezone.localdate(), **self.filters()
        )

    def filters(self) -> dict:
        """The chosen filters but the search, and the order, as `filter_roster` takes
        them (an empty choice as None)."""
        club = self.value("club")
        return {
            "status": self.value("status") or None,
            "membership_type": self.value("membership_type") or None,
            "club_id": int(club) if club and club != NO_CLUB else None,
            "no_club": club == NO_CLUB,
            "has_position": self.value("has_position"),
            "sort": self.sort_key,
        }

    @property
    def sort_key(self) -> str:
        return self.value("sort", DEFAULT_SORT)

    @property
    def page_size(self) -> int:
        return self.value("per_page", DEFAULT_PAGE_SIZE)

    def description(self) -> dict:
        """The active filters, for the access log of an export: the filters chosen and
        the kind of text searched for, never the text itself."""
        described = {
            name: str(self.value(name))
            for name in ("status", "membership_type", "club", "has_position", "sort")
            if self.value(name)
        }
        # The kind of text searched for, never the text: a name or an address in the log
        # would outlive the member's erasure.
        if self.value("q"):
            described["q_kind"] = query_kind(self.value("q"))
        return described

    def summary(self) -> list[tuple[str, str]]:
        """The active filters as (label, shown value) pairs, for people to read."""
        pairs = []
        for name in ("q", "status", "membership_type", "club", "has_position", "sort"):
            value = self.value(name)
            if not value:
                continue
            field = self.fields[name]
            choices = dict(getattr(field, "choices", ()))
            pairs.append((str(field.label), str(choices.get(value, value))))
        return pairs


class GrantForm(forms.Form):
    email = forms.EmailField(
        label=_("Brukerens e-post"),
        help_text=_("Brukeren må ha en innlogging i portalen."),
    )
    level = forms.ChoiceField(label=_("Nivå"), choices=AccessLevel.choices)
    branch = forms.ModelChoiceField(
        label=_("Avdeling"), queryset=Branch.objects.all(), required=False
    )
    club = forms.ModelChoiceField(
        label=_("Klubb"), queryset=Club.objects.select_related("branch"), required=False
    )
    valid_from = forms.DateField(
        label=_("Gyldig fra"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    valid_to = forms.DateField(
        label=_("Gyldig til"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Tom betyr til den avsluttes."),
    )
    note = forms.CharField(label=_("Merknad"), required=False, max_length=200)

    def clean_email(self):
        email = self.cleaned_data["email"]
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(_("Fant ingen bruker med denne e-postadressen."))
        self.cleaned_data["user"] = user
        return email


class GrantEndForm(forms.Form):
    last_day = forms.DateField(
        label=_("Siste dag med tilgang"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=lambda: timezone.localdate() - dt.timedelta(days=1),
        help_text=_("I går betyr at tilgangen forsvinner med en gang."),
    )
