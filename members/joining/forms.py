"""Forms of joining and of the lifecycle pages. Every message is Norwegian bokmål
(translatable); none ever repeats a national id."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from clubs.models import Branch, Club, Employer
from members.choices import MembershipType, ResignationReason
from members.models import Union
from members.validators import normalize_phone, validate_org_number, validate_postal_code

from .lifecycle import MEMBER_REASONS, default_effective_date
from .models import PaymentMethod, PositionAccessRule
from .services import check_national_id

# Membership types that need an employer (dues are a share of pay).
NEEDS_EMPLOYER = (MembershipType.ORDINARY, MembershipType.APPRENTICE)
HONEYPOT_FIELD = "nettsted"


def _text(label, *, autocomplete: str = "", required: bool = True, max_length: int = 100, **attrs):
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs=attrs),
    )


def find_employers(query: str, *, limit: int = 10):
    """Known employers matching a name or an org number (for the search field). A NUL
    byte or an oversize text (a hand-made URL) finds nothing rather than failing."""
    query = (query or "").strip()
    if len(query) < 2 or len(query) > 100 or "\x00" in query:
        return Employer.objects.none()
    digits = query.replace(" ", "")
    if digits.isdigit():
        return Employer.objects.filter(org_number__startswith=digits).order_by("name")[:limit]
    words = Q()
    for word in query.split():
        words &= Q(name__icontains=word)
    return Employer.objects.filter(words).order_by("name")[:limit]


class JoinForm(forms.Form):
    first_name = _text(_("Fornavn"), autocomplete="given-name")
    last_name = _text(_("Etternavn"), autocomplete="family-name")
    national_id = forms.CharField(
        label=_("Fødselsnummer eller D-nummer (11 siffer)"),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Vi trenger det for å registrere medlemskapet og fagforeningsfradraget."),
    )
    street = _text(_("Adresse"), autocomplete="street-address", max_length=200)
    postal_code = forms.CharField(
        label=_("Postnummer"),
        max_length=4,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "postal-code",
                "inputmode": "numeric",
                # htmx fills the postal place from Posten's register as one types.
                "hx-get": reverse_lazy("joining:postal_lookup"),
                "hx-trigger": "input changed delay:300ms, change",
                "hx-target": "#city-field",
                "hx-swap": "outerHTML",
                "hx-include": "#id_city",
            }
        ),
    )
    city = _text(_("Poststed"), autocomplete="address-level2")
    phone = forms.CharField(
        label=_("Mobilnummer"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-post"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Vi sender en lenke hit som du må åpne før innmeldingen blir behandlet."),
    )
    membership_type = forms.ChoiceField(
        label=_("Medlemskap"), choices=MembershipType.choices, widget=forms.RadioSelect
    )
    school = _text(_("Skole eller lærested (for studenter)"), required=False, max_length=200)
    employer_query = forms.CharField(
        label=_("Arbeidsgiver: navn eller organisasjonsnummer"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "organization",
                "hx-get": reverse_lazy("joining:employer_search"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#employer-results",
                "hx-swap": "outerHTML",
            }
        ),
        help_text=_("Skriv minst to bokstaver og velg arbeidsgiveren i listen."),
    )
    employer = forms.ModelChoiceField(
        label=_("Velg arbeidsgiver"),
        queryset=Employer.objects.all(),
        required=False,
        widget=forms.RadioSelect,
    )
    new_employer_name = _text(
        _("Finner du ikke arbeidsgiveren? Navn"), required=False, max_length=200
    )
    new_employer_org_number = forms.CharField(
        label=_("Organisasjonsnummer (9 siffer)"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    payment_method = forms.ChoiceField(
        label=_("Hvordan vil du betale kontingenten?"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
    )
    previous_union = forms.ModelChoiceField(
        label=_("Kommer du fra et annet forbund?"),
        queryset=Union.objects.filter(active=True),
        required=False,
        empty_label=_("Nei"),
    )
    joined_lo_on = forms.DateField(
        label=_("Medlem i LO siden (ved overgang fra et LO-forbund)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Ved overgang fra et annet LO-forbund beholder du LO-ansienniteten."),
    )
    recruiter_reference = forms.CharField(
        label=_("Vervet av (medlemsnummer eller mobilnummer)"),
        max_length=20,
        required=False,
        help_text=_("Frivillig. Den som vervet deg, får det godskrevet."),
    )
    insurance_reserved = forms.BooleanField(
        label=_("Jeg reserverer meg mot den kollektive forsikringen i medlemskapet."),
        required=False,
    )
    accept_terms = forms.BooleanField(
        label=_("Jeg godtar vilkårene for medlemskap og har lest personvernerklæringen."),
        required=True,
        error_messages={"required": _("Du må godta vilkårene for å melde deg inn.")},
    )
    # Not shown to people (hidden by CSS); a bot that fills every field fills this.
    nettsted = forms.CharField(label=_("Nettsted (la stå tomt)"), required=False)

    def __init__(self, *args, bankid: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.national_id_digits = ""
        self.fields[HONEYPOT_FIELD].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        # Name and national id proven with BankID: shown, not editable, and the national
        # id never goes to the browser (it stays on the server, masked on the page).
        self.bankid = bankid
        if bankid:
            for name in ("first_name", "last_name"):
                self.fields[name].disabled = True
                self.fields[name].initial = bankid.get(name, "")
                self.fields[name].help_text = _("Fra BankID.")
                if not self.fields[name].initial:
                    self.fields[name].disabled = False
            del self.fields["national_id"]

    @property
    def bankid_masked_national_id(self) -> str:
        from members.validators import mask_national_id

        return mask_national_id(self.bankid["national_id"]) if self.bankid else ""

    def _post_clean(self):
        if self.bankid:
            self.national_id_digits = check_national_id(self.bankid["national_id"])
            self.cleaned_data["national_id"] = self.national_id_digits
        super()._post_clean()

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())

    def clean_national_id(self) -> str:
        self.national_id_digits = check_national_id(self.cleaned_data["national_id"])
        return self.national_id_digits

    def clean_phone(self) -> str:
        value = normalize_phone((self.cleaned_data.get("phone") or "").strip())
        if not value:
            raise ValidationError(_("Skriv mobilnummeret ditt."))
        return value

    def clean_new_employer_org_number(self) -> str:
        value = (self.cleaned_data.get("new_employer_org_number") or "").replace(" ", "")
        if value:
            validate_org_number(value)
        return value

    def clean(self):
        cleaned = super().clean()
        code, city = cleaned.get("postal_code"), cleaned.get("city")
        if code is not None:
            try:
                validate_postal_code(code.strip(), city=city if city else None)
            except ValidationError as error:
                self.add_error("postal_code", error)
        kind = cleaned.get("membership_type")
        if kind == MembershipType.STUDENT and not (cleaned.get("school") or "").strip():
            self.add_error("school", _("Skriv hvor du studerer."))
        employer = cleaned.get("employer")
        if employer is None and (query := (cleaned.get("employer_query") or "").strip()):
            found = list(find_employers(query, limit=2))
            if len(found) == 1:
                employer = cleaned["employer"] = found[0]
        new_name = (cleaned.get("new_employer_name") or "").strip()
        new_number = cleaned.get("new_employer_org_number") or ""
        if employer is None and bool(new_name) != bool(new_number):
            self.add_error(
                "new_employer_org_number" if new_name else "new_employer_name",
                _("Skriv både navnet og organisasjonsnummeret til arbeidsgiveren."),
            )
        has_employer = employer is not None or bool(new_name and new_number)
        if kind in NEEDS_EMPLOYER and not has_employer:
            self.add_error(
                "employer_query",
                _("Velg arbeidsgiveren din, eller skriv navn og organisasjonsnummer."),
            )
        if cleaned.get("payment_method") == PaymentMethod.PAYROLL and not has_employer:
            self.add_error(
                "payment_method", _("Trekk i lønn krever en arbeidsgiver. Velg en annen måte.")
            )
        union = cleaned.get("previous_union")
        lo_date = cleaned.get("joined_lo_on")
        if lo_date and lo_date > timezone.localdate():
            self.add_error("joined_lo_on", _("Datoen kan ikke være fram i tid."))
        if lo_date and (union is None or not union.in_lo):
            self.add_error(
                "joined_lo_on", _("LO-dato gjelder bare ved overgang fra et LO-forbund.")
            )
        return cleaned

    def application_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name)
            for name in (
                "first_name",
                "last_name",
                "street",
                "postal_code",
                "city",
                "phone",
                "email",
                "employer",
                "new_employer_name",
                "new_employer_org_number",
                "membership_type",
                "school",
                "payment_method",
                "previous_union",
                "joined_lo_on",
                "recruiter_reference",
                "insurance_reserved",
            )
        }
        for name in ("first_name", "last_name", "street", "city", "new_employer_name", "school"):
            data[name] = (data[name] or "").strip()
        return data


class StaffJoinForm(JoinForm):
    """The same form for staff registering someone, with the organisation to place them
    in (the application is counted as verified and accepted at once)."""

    branch = forms.ModelChoiceField(
        label=_("Avdeling"), queryset=Branch.objects.all(), required=False
    )
    club = forms.ModelChoiceField(
        label=_("Klubb"), queryset=Club.objects.select_related("branch"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accept_terms"].label = _(
            "Personen har godtatt vilkårene og fått personvernerklæringen."
        )
        self.fields["email"].help_text = _("Velkomst-e-posten med innloggingslenke går hit.")


class AcceptForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Avdeling"),
        queryset=Branch.objects.all(),
        required=False,
        help_text=_("Tomt: avdelingen til arbeidsgiverens klubb."),
    )
    club = forms.ModelChoiceField(
        label=_("Klubb"),
        queryset=Club.objects.select_related("branch"),
        required=False,
        help_text=_("Klubben må høre til avdelingen."),
    )
    confirm = forms.BooleanField(
        label=_("Jeg har kontrollert opplysningene og godkjenner innmeldingen."), required=True
    )

    def clean(self):
        cleaned = super().clean()
        branch, club = cleaned.get("branch"), cleaned.get("club")
        if branch and club and club.branch_id != branch.pk:
            self.add_error("club", _("Klubben hører til en annen avdeling."))
        return cleaned


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrunnelse (sendes til søkeren)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResignNoticeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Hvorfor melder du deg ut?"),
        choices=[(r.value, r.label) for r in MEMBER_REASONS],
        widget=forms.RadioSelect,
    )
    union = forms.ModelChoiceField(
        label=_("Forbundet du går over til"),
        queryset=Union.objects.filter(active=True),
        required=False,
        empty_label=_("Velg forbund"),
    )
    other_union = forms.CharField(
        label=_("Annet forbund (utenfor LO), hvis det ikke står i listen"),
        max_length=200,
        required=False,
    )
    details = forms.CharField(
        label=_("Kommentar (frivillig)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    effective_on = forms.DateField(
        label=_("Ønsket utmeldingsdato (frivillig, hvis du vil slutte senere)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    confirm = forms.BooleanField(
        label=_("Jeg forstår at medlemskapet og forsikringene i det avsluttes."), required=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest = default_effective_date()
        self.fields["effective_on"].widget.attrs["min"] = self.earliest.isoformat()

    def clean_effective_on(self):
        value = self.cleaned_data.get("effective_on")
        if value is not None and value < self.earliest:
            raise ValidationError(
                _("Utmeldingen kan tidligst gjelde fra %(date)s."),
                code="too_early",
                params={"date": date_format(self.earliest, "j. F Y")},
            )
        return value

    def clean(self):
        cleaned = super().clean()
        reason, union = cleaned.get("reason"), cleaned.get("union")
        if reason == ResignationReason.TRANSFER_LO and (union is None or not union.in_lo):
            self.add_error("union", _("Velg LO-forbundet du går over til."))
        if reason == ResignationReason.TRANSFER_OTHER:
            if union is not None and union.in_lo:
                self.add_error(
                    "union", _("Forbundet er med i LO; velg «overført til annet LO-forbund».")
                )
            elif union is None and not (cleaned.get("other_union") or "").strip():
                self.add_error("other_union", _("Velg eller skriv navnet på forbundet."))
        return cleaned


class MembershipTypeForm(forms.Form):
    membership_type = forms.ChoiceField(
        label=_("Ny medlemskapstype"), choices=MembershipType.choices, widget=forms.RadioSelect
    )
    school = _text(_("Skole eller lærested (for studenter)"), required=False, max_length=200)


class EmployerChangeForm(forms.Form):
    employer_query = forms.CharField(
        label=_("Ny arbeidsgiver: navn eller organisasjonsnummer"), max_length=200
    )
    employer = forms.ModelChoiceField(
        label=_("Velg arbeidsgiver"),
        queryset=Employer.objects.all(),
        required=False,
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("employer") is None and (query := cleaned.get("employer_query")):
            found = list(find_employers(query, limit=2))
            if len(found) == 1:
                cleaned["employer"] = found[0]
            else:
                self.add_error(
                    "employer_query",
                    _("Velg arbeidsgiveren i listen. Finnes den ikke, kontakt forbundet."),
                )
        return cleaned


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("Fra"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Til"), widget=forms.DateInput(attrs={"type": "date"}))
    branch = forms.ModelChoiceField(
        label=_("Avdeling"),
        queryset=Branch.objects.all(),
        required=False,
        empty_label=_("Alle avdelinger"),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("Til-datoen kan ikke være før fra-datoen."))
        return cleaned


class AccessRuleForm(forms.ModelForm):
    class Meta:
        model = PositionAccessRule
        fields = ["title", "level"]
