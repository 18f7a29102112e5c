"""Forms for the consent settings, the site search and the staff request pages."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from clubs.models import AccessGrant, AccessLevel

from .models import RequestChannel, RequestKind, RequestStatus
from .services import CORRECTABLE_FIELDS


class ConsentForm(forms.Form):
    """The cookie choice. `choice` is the button pressed; the boxes count only for
    'save my choices'. Nothing is ticked unless the visitor ticked it before."""

    CHOICES = (
        ("all", _("Godta alle")),
        ("none", _("Avvis alle")),
        ("custom", _("Lagre valgene")),
        ("customize", _("Tilpass")),
    )
    choice = forms.ChoiceField(choices=CHOICES)
    statistics = forms.BooleanField(required=False, label=_("Statistikk"))
    marketing = forms.BooleanField(required=False, label=_("Markedsføring"))
    next = forms.CharField(required=False, max_length=2000)

    def granted(self) -> tuple[bool, bool]:
        """Return (statistics, marketing) for the pressed button."""
        choice = self.cleaned_data["choice"]
        if choice == "all":
            return True, True
        if choice == "none":
            return False, False
        return self.cleaned_data["statistics"], self.cleaned_data["marketing"]


class PublicAccessRequestForm(forms.Form):
    """ "Hva har dere lagret om meg?" without BankID: enough for staff to find the person
    and to check by hand that the request comes from them."""

    name = forms.CharField(label=_("Fullt navn"), max_length=200)
    birth_date = forms.DateField(
        label=_("Fødselsdato"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Hjelper oss å finne deg. Ikke skriv fødselsnummeret."),
    )
    email = forms.EmailField(label=_("E-post"), help_text=_("Vi svarer hit."))
    phone = forms.CharField(label=_("Mobil"), max_length=20, required=False)
    details = forms.CharField(
        label=_("Hva vil du vite?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Left empty by people; filled by robots that fill every field.
    website = forms.CharField(
        label=_("Nettsted"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_details(self) -> str:
        from members.validators import mask_national_ids_in_text

        return mask_national_ids_in_text(self.cleaned_data.get("details") or "")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Søk"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


def staff_users():
    """Users with an active central grant: the possible case handlers."""
    ids = AccessGrant.objects.active().filter(level=AccessLevel.CENTRAL).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("email")


class RequestFilterForm(forms.Form):
    STATUS_CHOICES = (
        ("open", _("Åpne")),
        ("", _("Alle")),
        *RequestStatus.choices,
    )
    ASSIGNED_CHOICES = (
        ("", _("Alle")),
        ("me", _("Mine")),
        ("none", _("Ikke tildelt")),
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    kind = forms.ChoiceField(
        label=_("Type"), choices=(("", _("Alle")), *RequestKind.choices), required=False
    )
    assigned = forms.ChoiceField(label=_("Saksbehandler"), choices=ASSIGNED_CHOICES, required=False)
    overdue = forms.BooleanField(label=_("Bare forfalte"), required=False)


class RequestCreateForm(forms.Form):
    """A request that came by letter, e-mail or phone, entered by staff."""

    member_number = forms.IntegerField(label=_("Medlemsnummer"), min_value=1)
    kind = forms.ChoiceField(label=_("Type"), choices=RequestKind.choices)
    channel = forms.ChoiceField(
        label=_("Kanal"),
        choices=[c for c in RequestChannel.choices if c[0] != RequestChannel.MIN_SIDE],
    )
    received_on = forms.DateField(
        label=_("Mottatt"),
        required=False,
        help_text=_("Fristen regnes fra denne datoen. Tom betyr i dag."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    details = forms.CharField(label=_("Beskrivelse"), widget=forms.Textarea, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        self.member = None

    def clean_member_number(self):
        number = self.cleaned_data["member_number"]
        self.member = self.members.filter(member_number=number).first()
        if self.member is None:
            raise forms.ValidationError(_("Fant ikke noe medlem med dette nummeret."))
        return number


class AssignForm(forms.Form):
    assigned_to = forms.ModelChoiceField(
        label=_("Saksbehandler"), queryset=None, required=False, empty_label=_("Ingen")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = staff_users()
        self.fields["assigned_to"].label_from_instance = lambda u: u.get_full_name() or u.email


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Nytt notat"), widget=forms.Textarea(attrs={"rows": 3}))


class CompleteForm(forms.Form):
    note = forms.CharField(
        label=_("Merknad (med begrunnelse ved avslag)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    outcome = forms.ChoiceField(
        label=_("Utfall"),
        choices=(("completed", _("Fullført")), ("rejected", _("Avslått"))),
        widget=forms.RadioSelect,
        initial="completed",
    )


class CorrectionForm(forms.Form):
    """The fields a rectification may change, filled with what the member proposed."""

    def __init__(self, *args, member, proposed: dict, **kwargs):
        super().__init__(*args, **kwargs)
        from members.models import Member

        for name in CORRECTABLE_FIELDS:
            model_field = Member._meta.get_field(name)
            self.fields[name] = forms.CharField(
                label=model_field.verbose_name.capitalize(),
                required=False,
                max_length=model_field.max_length,
                initial=proposed.get(name, getattr(member, name)),
                help_text=(
                    _("Nå: %(value)s") % {"value": getattr(member, name) or "–"}
                    if name in proposed
                    else ""
                ),
            )
        self.member = member

    def changes(self) -> dict[str, str]:
        """The fields whose value differs from the member's current one."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if (value or "") != (getattr(self.member, name) or "")
        }
