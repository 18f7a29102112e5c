"""Forms of the messaging area: the message with its segment, sending (now or later),
and the member to preview as. Choice lists come from the user's scope, so an officer
can only pick their own clubs; the segment itself is bounded by `visible_to` anyway."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.forms import visible_clubs
from clubs.models import Branch, Employer, PositionTitle
from clubs.permissions import scope_for
from members.choices import MembershipType, MemberStatus

from .models import MessageCategory
from .text import PLACEHOLDERS

SEGMENT_FIELDS = (
    "branches",
    "clubs",
    "employers",
    "types",
    "statuses",
    "titles",
    "age_min",
    "age_max",
    "joined_from",
    "joined_to",
)


def _placeholder_help() -> str:
    names = ", ".join(f"{{{name}}} ({label})" for name, label in PLACEHOLDERS.items())
    return str(_("Du kan bruke %(names)s.")) % {"names": names}


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Emne"), max_length=200)
    category = forms.ChoiceField(
        label=_("Kategori"),
        choices=MessageCategory.choices,
        initial=MessageCategory.INFORMATION,
        help_text=_(
            "Informasjon, nyhetsbrev og medlemsfordeler følger medlemmets valg. Et varsel "
            "(for eksempel om manglende kontingent) er ikke markedsføring og går uansett."
        ),
    )
    body = forms.CharField(
        label=_("Tekst (e-post og brev)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    sms_text = forms.CharField(
        label=_("SMS-tekst"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Tom: teksten over brukes. 160 tegn er én SMS, lengre deles i 153 tegn."),
    )
    send_email = forms.BooleanField(label=_("E-post"), required=False, initial=True)
    send_sms = forms.BooleanField(label=_("SMS"), required=False)
    send_letter = forms.BooleanField(
        label=_("Brev til dem som ikke får e-post eller SMS"), required=False
    )

    branches = forms.ModelMultipleChoiceField(
        label=_("Avdelinger"), queryset=Branch.objects.none(), required=False
    )
    clubs = forms.ModelMultipleChoiceField(
        label=_("Klubber"), queryset=Branch.objects.none(), required=False
    )
    employers = forms.ModelMultipleChoiceField(
        label=_("Arbeidsgivere"), queryset=Employer.objects.none(), required=False
    )
    types = forms.MultipleChoiceField(
        label=_("Medlemskapstype"),
        choices=MembershipType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    statuses = forms.MultipleChoiceField(
        label=_("Status"),
        choices=[c for c in MemberStatus.choices if c[0] != MemberStatus.DECEASED],
        required=False,
        initial=[MemberStatus.ACTIVE],
        widget=forms.CheckboxSelectMultiple,
    )
    titles = forms.MultipleChoiceField(
        label=_("Tillitsvalgte med verv"),
        choices=PositionTitle.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    age_min = forms.IntegerField(label=_("Alder fra"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("Alder til"), required=False, min_value=0, max_value=120)
    joined_from = forms.DateField(
        label=_("Innmeldt fra"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    joined_to = forms.DateField(
        label=_("Innmeldt til"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _placeholder_help()
        scope = scope_for(user)
        clubs = visible_clubs(user).order_by("name")
        self.fields["clubs"].queryset = clubs
        if scope.central:
            self.fields["branches"].queryset = Branch.objects.order_by("number")
            self.fields["employers"].queryset = Employer.objects.order_by("name")
        else:
            self.fields["branches"].queryset = Branch.objects.filter(pk__in=scope.branch_ids)
            self.fields["employers"].queryset = Employer.objects.filter(
                pk__in=clubs.values("employer_id")
            ).order_by("name")
            if not scope.branch_ids:
                del self.fields["branches"]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("age_min"), cleaned.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", _("«Alder til» kan ikke være lavere enn «alder fra»."))
        start, end = cleaned.get("joined_from"), cleaned.get("joined_to")
        if start and end and start > end:
            self.add_error("joined_to", _("Sluttdatoen kan ikke være før startdatoen."))
        return cleaned

    def content(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (
                "subject",
                "category",
                "body",
                "sms_text",
                "send_email",
                "send_sms",
                "send_letter",
            )
        }

    def segment(self) -> dict:
        """The segment as JSON: ids, codes, numbers and ISO dates; empty filters left out."""
        data = self.cleaned_data
        segment: dict = {}
        for name in ("branches", "clubs", "employers"):
            if data.get(name):
                segment[name] = sorted(obj.pk for obj in data[name])
        for name in ("types", "statuses", "titles"):
            if data.get(name):
                segment[name] = sorted(data[name])
        for name in ("age_min", "age_max"):
            if data.get(name) is not None:
                segment[name] = data[name]
        for name in ("joined_from", "joined_to"):
            if data.get(name):
                segment[name] = data[name].isoformat()
        return segment

    @classmethod
    def initial_for(cls, message) -> dict:
        initial = {
            "subject": message.subject,
            "category": message.category,
            "body": message.body,
            "sms_text": message.sms_text,
            "send_email": message.send_email,
            "send_sms": message.send_sms,
            "send_letter": message.send_letter,
        }
        initial.update(message.segment)
        return initial


class SendForm(forms.Form):
    when = forms.ChoiceField(
        label=_("Når"),
        choices=[("now", _("Send nå")), ("later", _("Send senere"))],
        initial="now",
        widget=forms.RadioSelect,
    )
    send_at = forms.DateTimeField(
        label=_("Tidspunkt"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    confirm = forms.BooleanField(
        label=_("Jeg har sjekket utvalget og teksten, og vil sende meldingen."),
        error_messages={"required": _("Bekreft at meldingen skal sendes.")},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "later":
            at = cleaned.get("send_at")
            if at is None:
                self.add_error("send_at", _("Velg når meldingen skal sendes."))
            elif at <= timezone.now() + dt.timedelta(minutes=1):
                self.add_error("send_at", _("Tidspunktet må være fram i tid."))
        return cleaned

    def at(self) -> dt.datetime | None:
        return self.cleaned_data.get("send_at") if self.cleaned_data["when"] == "later" else None


class PreviewForm(forms.Form):
    member_number = forms.IntegerField(
        label=_("Forhåndsvis som medlem (medlemsnummer)"), required=False, min_value=1
    )
