"""Forms of Min side. They validate input and carry the member's version (stale-form
check); the saving is done by `members.minside.services` / `members.services`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from members.address import check_postal_address
from members.models import MagazineChoice, Member
from members.templatetags.people import country_name
from members.validators import normalize_phone, validate_any_postal_code, validate_postal_code

from .services import version_of


class VersionedForm(forms.Form):
    """A form that remembers which version of the member it was rendered from."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, member: Member, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = version_of(member)


class ProfileForm(VersionedForm):
    street = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=_("Postnummer"),
        max_length=4,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        help_text=_("Fire siffer."),
    )
    city = forms.CharField(
        label=_("Poststed"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    phone = forms.CharField(
        label=_("Mobilnummer"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        help_text=_("Norske numre kan skrives uten +47."),
    )
    email = forms.EmailField(
        label=_("E-post"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("En ny adresse tas i bruk først når du har åpnet lenken vi sender til den."),
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, member=member, **kwargs)
        if not self.is_bound:
            for name in ("street", "postal_code", "city", "phone", "email"):
                self.initial[name] = getattr(member, name)
        if member.country != "NO":
            # A member abroad writes the postal code of that country («452 30»).
            field = self.fields["postal_code"]
            field.max_length = 10
            field.validators = [MaxLengthValidator(10)]
            field.widget.attrs.update({"maxlength": "10", "inputmode": "text"})
            field.help_text = _("Slik det skrives i %(country)s.") % {
                "country": country_name(member.country)
            }

    def clean_postal_code(self) -> str:
        value = (self.cleaned_data.get("postal_code") or "").strip()
        if value and self.member.country == "NO":
            validate_postal_code(value)
        elif value:
            validate_any_postal_code(value)
        return value

    def clean_phone(self) -> str:
        return normalize_phone((self.cleaned_data.get("phone") or "").strip())

    def clean(self):
        cleaned = super().clean()
        # Checked against Posten's register; an empty place is filled in from the code.
        check_postal_address(
            self,
            cleaned,
            country=self.member.country,
            current=(self.member.postal_code, self.member.city),
        )
        if bool(cleaned.get("postal_code")) != bool((cleaned.get("city") or "").strip()):
            if "postal_code" in cleaned and "city" in cleaned:
                raise ValidationError(_("Fyll inn både postnummer og poststed."))
        return cleaned

    def profile_data(self) -> dict:
        """The register fields to save (e-mail goes through verification instead)."""
        return {
            name: self.cleaned_data[name] for name in ("street", "postal_code", "city", "phone")
        }


class PreferencesForm(VersionedForm):
    allow_email = forms.BooleanField(label=_("E-post fra forbundet"), required=False)
    allow_sms = forms.BooleanField(label=_("SMS fra forbundet"), required=False)
    newsletter = forms.BooleanField(label=_("Nyhetsbrev på e-post"), required=False)
    magazine = forms.ChoiceField(
        label=_("Medlemsbladet"), choices=MagazineChoice.choices, widget=forms.RadioSelect
    )
    surveys = forms.BooleanField(label=_("Spørreundersøkelser"), required=False)
    benefits_marketing_reserved = forms.BooleanField(
        label=_("Jeg reserverer meg mot markedsføring av medlemsfordeler"), required=False
    )

    FIELDS = (
        "allow_email",
        "allow_sms",
        "newsletter",
        "magazine",
        "surveys",
        "benefits_marketing_reserved",
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, member=member, **kwargs)
        if not self.is_bound:
            for name in self.FIELDS:
                self.initial[name] = getattr(member, name)

    def choices(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class RectificationForm(forms.Form):
    FIELD_CHOICES = [
        ("name", _("Navn")),
        ("national_id", _("Fødselsnummer")),
        ("other", _("Noe annet")),
    ]
    fields_to_correct = forms.MultipleChoiceField(
        label=_("Hva er feil?"),
        choices=FIELD_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    details = forms.CharField(
        label=_("Hva er riktig?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ikke skriv hele fødselsnummeret her; vi tar kontakt om vi trenger det."),
    )


class ErasureForm(forms.Form):
    details = forms.CharField(
        label=_("Kommentar (frivillig)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("Jeg forstår at sletting ikke kan angres."),
        required=True,
    )
