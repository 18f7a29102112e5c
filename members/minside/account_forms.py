"""Signup is activation: allauth's signup form, extended so that only a member can make
a login, and only for themselves.

A member proves who they are with member number + fødselsnummer, or arrives with a
staff invitation (the link stores the invitation in the session, and then the number
and national id are not asked for). E-mail verification and password rules stay
allauth's. On success the new user is linked to the member (`Member.user`).

Wrong identity gives one message whatever was wrong (unknown number, wrong national id,
already activated, not active), so the form never tells whether a member number exists.
Failed attempts are counted per IP and per member number (`members.minside.services`), on top of
allauth's own rate limit on the signup view.
"""

from __future__ import annotations

from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from members.validators import validate_national_id

from . import services

INVITATION_SESSION_KEY = "minside_invitation"


def invitation_from_session(request):
    """Return the valid invitation stored in the session, or None (and forget it)."""
    if request is None:
        return None
    pk = request.session.get(INVITATION_SESSION_KEY)
    if not pk:
        return None
    invitation = services.invitation_lookup(pk=pk)
    if invitation is None:
        request.session.pop(INVITATION_SESSION_KEY, None)
    return invitation


def _client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a proxy rewrites it,
    # and a throttle a client can reset is no throttle.
    return (request.META.get("REMOTE_ADDR") or "unknown") if request is not None else "unknown"


class ActivationSignupForm(SignupForm):
    member_number = forms.CharField(
        label=_("Medlemsnummer"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Står på medlemskortet og på kontingentgiroen."),
    )
    national_id = forms.CharField(
        label=_("Fødselsnummer (11 siffer)"),
        max_length=14,
        required=False,
        widget=forms.PasswordInput(
            render_value=False, attrs={"inputmode": "numeric", "autocomplete": "off"}
        ),
        help_text=_("Brukes bare til å finne medlemskapet ditt. Vi lagrer det ikke på nytt."),
    )

    field_order = ["member_number", "national_id", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = context.request
        self.invitation = invitation_from_session(self.request)
        self.member = None
        if self.invitation is not None:
            # The invitation already identifies the member.
            del self.fields["member_number"]
            del self.fields["national_id"]
            if not self.is_bound and self.invitation.member.email:
                self.initial.setdefault("email", self.invitation.member.email)
        else:
            self.fields["member_number"].required = True
            self.fields["national_id"].required = True
        for name in ("email", "password1", "password2"):
            if name in self.fields:
                self.fields[name].widget.attrs.pop("placeholder", None)
        if "email" in self.fields:
            self.fields["email"].label = _("E-post")
            self.fields["email"].help_text = _(
                "Vi sender en lenke hit som du må åpne før du kan logge inn."
            )
        if "password1" in self.fields:
            self.fields["password1"].label = _("Velg passord")
        if "password2" in self.fields:
            self.fields["password2"].label = _("Gjenta passordet")

    def clean_member_number(self) -> str:
        value = (self.cleaned_data.get("member_number") or "").strip().replace(" ", "")
        if value and not value.isdigit():
            raise ValidationError(_("Medlemsnummeret består bare av siffer."))
        return value

    def clean_national_id(self) -> str:
        value = (self.cleaned_data.get("national_id") or "").strip()
        if value:
            # Format and check digits only: this says nothing about who is a member.
            validate_national_id(value)
        return value

    def clean(self):
        cleaned = super().clean()
        if self.invitation is not None:
            self.member = self.invitation.member
            return cleaned
        number = cleaned.get("member_number")
        national_id = cleaned.get("national_id")
        if not number or not national_id:
            return cleaned
        ip = _client_ip(self.request)
        if services.activation_throttled(member_number=number, ip=ip):
            raise ValidationError(services.THROTTLED_MESSAGE, code="throttled")
        self.member = services.activation_find_member(member_number=number, national_id=national_id)
        if self.member is None:
            services.activation_record_failure(member_number=number, ip=ip)
            raise ValidationError(services.IDENTITY_MESSAGE, code="identity")
        return cleaned

    def signup(self, request, user) -> None:
        """Called by allauth after the user is created: link it to the member."""
        services.member_link_user(member=self.member, user=user, invitation=self.invitation)
        if request is not None:
            request.session.pop(INVITATION_SESSION_KEY, None)

    def try_save(self, request):
        # The user and the link to the member commit together: if the member was
        # activated by someone else a moment ago, no orphan login is left behind.
        try:
            with transaction.atomic():
                return super().try_save(request)
        except ValidationError as error:
            self.add_error(None, error)
            return None, TemplateResponse(request, "account/signup.html", {"form": self})
