"""Forms for the staff register (central staff only). Writes go through
`members.services`; these forms only collect and check input."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clubs.models import Branch, Club, Employer
from members.address import check_postal_address
from members.models import Member, MembershipType, ResignationReason, Union
from members.validators import looks_like_national_id, validate_national_id


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Søk i registeret"),
        max_length=100,
        help_text=_(
            "Navn, medlemsnummer, e-post, telefon eller fødselsnummer (11 siffer, eksakt treff)."
        ),
    )

    def clean_q(self) -> str:
        q = " ".join(self.cleaned_data["q"].split())
        if looks_like_national_id(q):
            try:
                validate_national_id(q.replace(" ", ""))
            except ValidationError:
                # Said as it is: the number is wrong, not "nobody has it".
                raise forms.ValidationError(
                    _("Ugyldig fødselsnummer: kontroller sifrene."), code="invalid_national_id"
                ) from None
        return q


class UserFilterForm(forms.Form):
    """The `?bruker=` filter of the access log and the grants list: part of an e-mail
    address. Read through a form so a NUL byte or an oversize value is an error, not a
    database exception."""

    bruker = forms.CharField(label=_("Bruker (e-post)"), max_length=254, required=False)

    def value(self) -> str:
        return self.cleaned_data.get("bruker", "").strip() if self.is_valid() else ""


def _date_widget():
    return forms.DateInput(attrs={"type": "date"})


class MemberEditForm(forms.Form):
    """Profile fields staff may change. The national id and bank account are never
    shown here: a new value replaces the old one, an empty field keeps it."""

    first_name = forms.CharField(label=_("Fornavn"), max_length=100)
    last_name = forms.CharField(label=_("Etternavn"), max_length=100)
    street = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postnummer"), max_length=10, required=False)
    city = forms.CharField(label=_("Poststed"), max_length=100, required=False)
    # Chosen by name in the reader's language, the Nordic countries first (settings
    # COUNTRIES_FIRST); the register stores the ISO 3166 code.
    country = forms.ChoiceField(label=_("Land"), choices=lambda: list(countries), initial="NO")
    phone = forms.CharField(label=_("Telefon"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-post"), required=False)
    membership_type = forms.ChoiceField(label=_("Medlemskapstype"), choices=MembershipType.choices)
    joined_lo_on = forms.DateField(label=_("Innmeldt i LO"), required=False, widget=_date_widget())
    joined_union_on = forms.DateField(label=_("Innmeldt i forbundet"), widget=_date_widget())
    joined_branch_on = forms.DateField(
        label=_("Innmeldt i avdelingen"), required=False, widget=_date_widget()
    )
    # Chosen among search results (radio buttons, see _employer_field.html), never from a
    # select of every employer; the current employer is the checked default.
    employer = forms.ModelChoiceField(
        label=_("Arbeidsgiver"),
        queryset=Employer.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )
    employer_query = forms.CharField(
        label=_("Søk etter arbeidsgiver: navn eller organisasjonsnummer"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "hx-get": reverse_lazy("register:employer_search"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#register-employer-results",
                "hx-swap": "outerHTML",
            }
        ),
    )
    recruited_by_number = forms.IntegerField(
        label=_("Vervet av (medlemsnummer)"), required=False, min_value=1
    )
    new_national_id = forms.CharField(
        label=_("Nytt fødselsnummer"),
        required=False,
        max_length=14,
        help_text=_("La stå tomt for å beholde det registrerte."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    new_bank_account = forms.CharField(
        label=_("Nytt kontonummer"),
        required=False,
        max_length=14,
        help_text=_("La stå tomt for å beholde det registrerte."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    remove_bank_account = forms.BooleanField(label=_("Fjern kontonummeret"), required=False)

    # Form field -> the service's field name, for mapping service errors back.
    SERVICE_FIELDS = {
        "national_id": "new_national_id",
        "bank_account": "new_bank_account",
        "recruited_by": "recruited_by_number",
    }

    @classmethod
    def initial_for(cls, member: Member) -> dict:
        initial = {
            name: getattr(member, name)
            for name in (
                "first_name",
                "last_name",
                "street",
                "postal_code",
                "city",
                "country",
                "phone",
                "email",
                "membership_type",
                "joined_lo_on",
                "joined_union_on",
                "joined_branch_on",
            )
        }
        initial["employer"] = member.employer_id
        initial["recruited_by_number"] = (
            member.recruited_by.member_number if member.recruited_by_id else None
        )
        return initial

    def clean(self):
        data = super().clean()
        number = data.get("recruited_by_number")
        data["recruited_by"] = None
        if number:
            recruiter = Member.objects.filter(member_number=number).only("id").first()
            if recruiter is None:
                self.add_error("recruited_by_number", _("Fant ikke medlemsnummeret."))
            data["recruited_by"] = recruiter
        check_postal_address(self, data, country=data.get("country") or "NO")
        today = timezone.localdate()
        for name in ("joined_lo_on", "joined_union_on", "joined_branch_on"):
            if data.get(name) and data[name] > today:
                self.add_error(name, _("Datoen kan ikke være fram i tid."))
        if data.get("new_bank_account") and data.get("remove_bank_account"):
            self.add_error(
                "remove_bank_account",
                _("Velg enten nytt kontonummer eller å fjerne det, ikke begge."),
            )
        return data

    def service_data(self) -> dict:
        """The changes for `member_update_profile`."""
        data = self.cleaned_data
        changes = {
            name: data[name]
            for name in (
                "first_name",
                "last_name",
                "street",
                "postal_code",
                "city",
                "phone",
                "email",
                "membership_type",
                "joined_lo_on",
                "joined_union_on",
                "joined_branch_on",
                "employer",
                "recruited_by",
            )
        }
        changes["country"] = data["country"].upper()
        if data.get("new_national_id"):
            changes["national_id"] = data["new_national_id"]
        if data.get("new_bank_account"):
            changes["bank_account"] = data["new_bank_account"]
        elif data.get("remove_bank_account"):
            changes["bank_account"] = ""
        return changes


class ConfirmForm(forms.Form):
    on = forms.DateField(label=_("Dato"), widget=_date_widget(), initial=timezone.localdate)
    confirm = forms.BooleanField(
        label=_("Jeg har lest konsekvensene og vil gjennomføre endringen."), required=True
    )


class ResignForm(ConfirmForm):
    reason = forms.ChoiceField(
        label=_("Årsak"),
        choices=[
            (ResignationReason.RESIGNED, ResignationReason.RESIGNED.label),
            (ResignationReason.TRANSFER_LO, ResignationReason.TRANSFER_LO.label),
            (ResignationReason.TRANSFER_OTHER, ResignationReason.TRANSFER_OTHER.label),
        ],
    )
    union = forms.ModelChoiceField(
        label=_("Forbund (ved overføring)"),
        queryset=Union.objects.filter(active=True),
        required=False,
    )
    field_order = ["on", "reason", "union", "confirm"]


class TransferForm(ConfirmForm):
    branch = forms.ModelChoiceField(
        label=_("Ny avdeling"),
        queryset=Branch.objects.all(),
        # htmx replaces the club list with the clubs of the chosen branch.
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("register:transfer_clubs"),
                "hx-trigger": "change",
                "hx-target": "#id_club",
                "hx-swap": "outerHTML",
            }
        ),
    )
    club = forms.ModelChoiceField(
        label=_("Ny klubb"),
        queryset=Club.objects.none(),
        required=False,
        empty_label=_("Ingen klubb"),
        help_text=_("Bare klubbene i den valgte avdelingen."),
    )
    field_order = ["on", "branch", "club", "confirm"]

    def __init__(self, *args, member: Member | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if member is not None and not self.is_bound:
            self.initial.setdefault("branch", member.branch_id)
            self.initial.setdefault("club", member.club_id)
        self.fields["club"].queryset = clubs_of_branch(self["branch"].value())


def clubs_of_branch(branch_id) -> QuerySet[Club]:
    """The clubs of one branch (none for an empty or invalid id), by name."""
    text = str(branch_id or "")
    # ASCII digits of a size a database key can have; anything else is no branch.
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return Club.objects.none()
    return Club.objects.filter(branch_id=int(text)).order_by("name")
