"""Forms of the staff dues pages. Norwegian labels; files are read in the view."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Branch, Employer

from .invoicing import period_choices
from .models import PaymentMethod

MAX_UPLOAD = 50 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Fil"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Filen er større enn 50 MB."))
        return upload


class OcrUploadForm(UploadForm):
    file = forms.FileField(
        label=_("OCR-fil fra Nets"), help_text=_("OCR-giro eller AvtaleGiro, 80 tegn per linje.")
    )


class ListUploadForm(UploadForm):
    file = forms.FileField(
        label=_("Trekkliste fra arbeidsgiver"),
        help_text=_("CSV eller XLSX med sumlinje til slutt."),
    )
    replace = forms.BooleanField(
        label=_("Dette er en rettet liste som erstatter den forrige for samme periode"),
        required=False,
    )


def _month_choices(today: dt.date, back: int = 18):
    months = []
    year, month = today.year, today.month
    for _i in range(back):
        months.append((f"{year:04d}-{month:02d}", f"{month:02d}.{year}"))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months


class ListDownloadForm(forms.Form):
    employer = forms.ModelChoiceField(
        label=_("Arbeidsgiver"), queryset=Employer.objects.order_by("name")
    )
    period = forms.ChoiceField(label=_("Periode"))
    format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", _("Excel (XLSX)")), ("csv", _("CSV"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = _month_choices(timezone.localdate())


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Løsning"), widget=forms.RadioSelect)
    member_number = forms.IntegerField(
        label=_("Medlemsnummer"),
        required=False,
        help_text=_("Bare når linjen skal kobles til et medlem."),
    )
    note = forms.CharField(label=_("Merknad"), max_length=200, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolution"].choices = choices


class UnmatchedResolveForm(ResolveForm):
    def __init__(self, *args, **kwargs):
        super().__init__(
            *args,
            choices=[
                ("assigned", _("Koble til medlem")),
                ("refunded", _("Tilbakebetalt")),
                ("ignored", _("Ikke kontingent – se bort fra")),
            ],
            **kwargs,
        )


class BranchFilterForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Avdeling"),
        queryset=Branch.objects.order_by("number"),
        required=False,
        empty_label=_("Alle avdelinger"),
    )


class StrikeOffForm(forms.Form):
    members = forms.TypedMultipleChoiceField(
        label=_("Medlemmer som strykes"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    confirm = forms.BooleanField(
        label=_("Jeg har sjekket listen. De valgte medlemmene strykes for manglende betaling."),
        required=True,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(m.pk, str(m.member_number)) for m in candidates]


class TaxYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Inntektsår"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, this_year - 5, -1)]
        self.fields["year"].initial = this_year - 1


class TaxCreateForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("Jeg har sjekket listen over medlemmer til kontroll."), required=True
    )


class AccountForm(forms.Form):
    payment_method = forms.ChoiceField(label=_("Betalingsmåte"), choices=PaymentMethod.choices)
    gross_monthly_kr = forms.IntegerField(
        label=_("Brutto månedslønn (kr)"), required=False, min_value=0
    )
    insurance_reserved = forms.BooleanField(
        label=_("Reservert mot forsikringsdelen"), required=False
    )


class InvoicePeriodForm(forms.Form):
    periode = forms.ChoiceField(label=_("Periode"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["periode"].choices = period_choices(timezone.localdate())


class InvoiceConfirmForm(InvoicePeriodForm):
    periode = forms.ChoiceField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("Jeg har sjekket antall og sum. Fakturaene lages og sendes nå."), required=True
    )


class ListSendForm(forms.Form):
    period = forms.ChoiceField(label=_("Periode"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = _month_choices(timezone.localdate())


class ListSendConfirmForm(ListSendForm):
    period = forms.ChoiceField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("Send trekklisten på e-post til arbeidsgiverne på listen."), required=True
    )
