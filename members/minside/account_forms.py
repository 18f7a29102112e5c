"""Signup is activation: allauth's signup form, extended so that only a member can make
a login, and only for themselves.

A member proves who they are with member number + fødselsnummer, or arrives with a
staff invitation (the link stores the invitation in the session, and then the number
and national id are not asked for). E-mail verification and password rules stay
allauth's. On success the new user is linked to the member (`Member.user`).

Wrong identity gives one message whatever was wrong (unknown number, wrong national id,
already activated, not active), so the form never tells whether a member number exists.
Failed attempts are counted per IP and per member (`members.minside.activation`), on top
of allauth's own rate limit on the signup view; a member whose attempts are used up needs
a code sent to the address on file. The login is linked to the member only once its own
e-mail address is confirmed.
"""

from __future__ import annotations

from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from config.client import client_ip
from members.validators import validate_national_id

from . import activation, services

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


class NoEchoTextInput(forms.TextInput):
    """A plain text field (the member sees what they type) that is never filled in again
    when the page comes back with an error: the number is not echoed into the HTML."""

    def format_value(self, value):
        return None


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
        widget=NoEchoTextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Brukes bare til å finne medlemskapet ditt. Vi lagrer det ikke på nytt."),
    )

    email_code = forms.CharField(
        label=_("Engangskode fra e-posten"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_("Bare når vi har bedt om den: koden vi sendte til e-postadressen din."),
    )

    field_order = [
        "member_number",
        "national_id",
        "email_code",
        "email",
        "password1",
        "password2",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = context.request
        self.invitation = invitation_from_session(self.request)
        self.member = None
        # Set when the member's attempts are used up: the page then asks for the code.
        self.asks_for_code = False
        if self.invitation is not None:
            # The invitation already identifies the member.
            del self.fields["member_number"]
            del self.fields["national_id"]
            del self.fields["email_code"]
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

    def clean_member_number(self) -> int | None:
        value = self.cleaned_data.get("member_number") or ""
        if not value:
            return None
        number = activation.parse_member_number(value)
        if number is None:
            raise ValidationError(activation.MEMBER_NUMBER_MESSAGE, code="member_number")
        return number

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
        if number is None or not national_id:
            return cleaned
        ip = client_ip(self.request)
        if activation.ip_throttled(ip):
            raise ValidationError(activation.THROTTLED_MESSAGE, code="throttled")
        member = activation.find_member(number=number, national_id=national_id)
        if activation.member_locked(number):
            # Never refuse the real member outright: with the right identity a code goes
            # to the address on file, and the answer reads the same either way.
            self.asks_for_code = True
            code = cleaned.get("email_code") or ""
            if member is not None and activation.code_matches(member, code):
                self.member = member
                return cleaned
            # Counted whether the identity was right or not: if only wrong ones cost an
            # attempt, the IP limit would tell a guesser which national id was right.
            activation.record_failure(number=number, ip=ip)
            if member is not None:
                activation.send_code(member)
            raise ValidationError(activation.LOCKED_MESSAGE, code="locked")
        if member is None:
            activation.record_failure(number=number, ip=ip)
            raise ValidationError(services.IDENTITY_MESSAGE, code="identity")
        self.member = member
        return cleaned

    def signup(self, request, user) -> None:
        """Called by allauth after the user is created: remember which member it proved
        to be. The link is made when the login's e-mail address is confirmed."""
        activation.activation_claim(member=self.member, user=user, invitation=self.invitation)
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
