"""The forms of the member admin: the member form (writes through the services), the
national-id search term, and what each admin action asks for on its confirmation page."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import services
from members.models import (
    Member,
    MembershipType,
    ResignationReason,
    Union,
)
from members.validators import (
    normalize_bank_account,
    normalize_national_id,
    normalize_phone,
    validate_bank_account,
    validate_national_id,
)

# A search term that is a whole national id (spaces and dots allowed) …
NATIONAL_ID_TERM = re.compile(r"^[\d\s.]{11,15}$")
# … is swapped for its keyed hash in the URL, so the number is not kept in browser
# history, proxies or server logs beyond the first request.
HASH_TERM = re.compile(r"^fnr:([0-9a-f]{64})$")


def national_id_term(term: str) -> str | None:
    """Return the digits if the search term is a whole national id, else None."""
    if NATIONAL_ID_TERM.match(term or ""):
        digits = normalize_national_id(term)
        if len(digits) == 11:
            return digits
    return None


class MemberAdminForm(forms.ModelForm):
    """National id and bank account are write-only inputs: set through the model's
    setters (hash, birth date, validation), never shown in full."""

    national_id_input = forms.CharField(
        label=_("Fødselsnummer eller D-nummer"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    bank_account_input = forms.CharField(
        label=_("Kontonummer"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    clear_bank_account = forms.BooleanField(label=_("Fjern kontonummeret"), required=False)

    class Meta:
        model = Member
        # The secrets have their own form fields above.
        fields = [
            f for f in services.PROFILE_FIELD_ORDER if f not in {"national_id", "bank_account"}
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        adding = self.instance.pk is None
        self.fields["national_id_input"].required = adding
        if not adding:
            self.fields["national_id_input"].help_text = _(
                "Nå: %(masked)s. La feltet stå tomt for å beholde det."
            ) % {"masked": self.instance.national_id_masked}
            current = self.instance.bank_account_masked or _("ikke registrert")
            self.fields["bank_account_input"].help_text = _(
                "Nå: %(masked)s. La feltet stå tomt for å beholde det."
            ) % {"masked": current}

    def clean_national_id_input(self) -> str:
        value = normalize_national_id(self.cleaned_data.get("national_id_input", ""))
        if not value:
            return ""
        validate_national_id(value)
        if Member.objects.by_national_id(value).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Det finnes allerede et medlem med dette fødselsnummeret."))
        return value

    def clean_bank_account_input(self) -> str:
        value = normalize_bank_account(self.cleaned_data.get("bank_account_input", ""))
        if value:
            validate_bank_account(value)
        return value

    def clean_phone(self) -> str:
        return normalize_phone((self.cleaned_data.get("phone") or "").strip())

    def clean(self):
        cleaned = super().clean()
        club, branch = cleaned.get("club"), cleaned.get("branch")
        if club and branch and club.branch_id != branch.pk:
            self.add_error("club", _("Klubben hører til en annen avdeling enn medlemmet."))
        if cleaned.get("clear_bank_account") and cleaned.get("bank_account_input"):
            self.add_error(
                "clear_bank_account",
                _("Skriv inn et nytt kontonummer eller fjern det, ikke begge."),
            )
        return cleaned

    def service_data(self) -> dict:
        """The changed fields, as `member_update_profile` takes them."""
        data = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in services.PROFILE_FIELDS
        }
        if self.cleaned_data.get("national_id_input"):
            data["national_id"] = self.cleaned_data["national_id_input"]
        if self.cleaned_data.get("bank_account_input"):
            data["bank_account"] = self.cleaned_data["bank_account_input"]
        elif self.cleaned_data.get("clear_bank_account"):
            data["bank_account"] = ""
        return data


# Action forms: what an admin action asks for on its confirmation page.
class DateForm(forms.Form):
    on = forms.DateField(label=_("Dato"), initial=timezone.localdate)


class ResignForm(DateForm):
    reason = forms.ChoiceField(label=_("Årsak"), choices=ResignationReason.choices)
    union = forms.ModelChoiceField(
        label=_("Overført til forbund"),
        queryset=Union.objects.filter(active=True),
        required=False,
        help_text=_("Bare ved overføring til et annet forbund."),
    )


class ChangeTypeForm(forms.Form):
    membership_type = forms.ChoiceField(
        label=_("Ny medlemskapstype"), choices=MembershipType.choices
    )


class TransferForm(DateForm):
    branch = forms.ModelChoiceField(label=_("Avdeling"), queryset=None)
    club = forms.ModelChoiceField(label=_("Klubb"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        from clubs.models import Branch, Club

        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.all()
        self.fields["club"].queryset = Club.objects.select_related("branch")

    def clean(self):
        cleaned = super().clean()
        club, branch = cleaned.get("club"), cleaned.get("branch")
        if club and branch and club.branch_id != branch.pk:
            self.add_error("club", _("Klubben hører til en annen avdeling."))
        return cleaned
