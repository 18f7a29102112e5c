"""factory-boy factories for the register. Valid national ids, org numbers and bank
accounts are computed, not hard-coded, so every factory row passes validation."""

import datetime as dt
import random

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.utils import timezone
from stdnum.no import kontonr, orgnr

from clubs.models import AccessGrant, AccessLevel, Branch, Club, Employer, Position, PositionTitle
from members.crypto import encrypt, keyed_hash
from members.models import (
    Member,
    MembershipType,
    MemberStatus,
    Payment,
    PaymentKind,
    PaymentSource,
    next_member_numbers,
)

_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
PASSWORD = "test-passord-123"
# What a test member types when signing up: long and mixed enough for the validators.
SIGNUP_PASSWORD = "Sterkt-passord-2025"


def national_id_for(born: dt.date, rng: random.Random, *, d_number: bool = False) -> str:
    """Return a valid (pre-2032 scheme) fødselsnummer or D-nummer for a birth date."""
    while True:
        if born.year >= 2000:
            individual = rng.randint(500, 999)
        else:
            individual = rng.randint(0, 499)
        day = born.day + (40 if d_number else 0)
        base = f"{day:02d}{born.month:02d}{born.year % 100:02d}{individual:03d}"
        k1 = (11 - sum(int(d) * w for d, w in zip(base, _K1, strict=True)) % 11) % 11
        if k1 == 10:
            continue
        base += str(k1)
        k2 = (11 - sum(int(d) * w for d, w in zip(base, _K2, strict=True)) % 11) % 11
        if k2 == 10:
            continue
        return base + str(k2)


def org_number(rng: random.Random) -> str:
    while True:
        base = f"9{rng.randint(0, 9999999):07d}"
        for digit in "0123456789":
            if orgnr.is_valid(base + digit):
                return base + digit


def bank_account(rng: random.Random) -> str:
    while True:
        base = f"{rng.randint(1000, 9999)}{rng.randint(0, 999999):06d}"
        for digit in "0123456789":
            if kontonr.is_valid(base + digit):
                return base + digit


_rng = random.Random(4242)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        # Pass mfa=True to give the user a (fake-secret) TOTP authenticator.
        if create and extracted:
            Authenticator.objects.create(
                user=self,
                type=Authenticator.Type.TOTP,
                data={"secret": encrypt("JBSWY3DPEHPK3PXP")},
            )


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    number = factory.Sequence(lambda n: 100 + n)
    name = factory.Sequence(lambda n: f"Avdeling {n}")


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"Industri {n} AS")
    org_number = factory.LazyFunction(lambda: org_number(_rng))


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club

    name = factory.Sequence(lambda n: f"Klubb {n}")
    branch = factory.SubFactory(BranchFactory)
    employer = factory.SubFactory(EmployerFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    member_number = factory.LazyFunction(lambda: next_member_numbers(1)[0])
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    birth_date = factory.LazyFunction(
        lambda: dt.date(1950, 1, 1) + dt.timedelta(days=_rng.randint(0, 365 * 55))
    )
    national_id = factory.LazyAttribute(lambda o: national_id_for(o.birth_date, _rng))
    national_id_hash = factory.LazyAttribute(lambda o: keyed_hash(o.national_id))
    bank_account = factory.LazyFunction(lambda: bank_account(_rng))
    street = factory.Faker("street_address", locale="no_NO")
    postal_code = factory.LazyFunction(lambda: f"{_rng.randint(1, 9999):04d}")
    city = factory.Faker("city", locale="no_NO")
    phone = factory.LazyFunction(lambda: f"+479{_rng.randint(0, 9999999):07d}")
    email = factory.Sequence(lambda n: f"medlem{n}@example.net")
    membership_type = MembershipType.ORDINARY
    status = MemberStatus.ACTIVE
    joined_lo_on = dt.date(2015, 3, 1)
    joined_union_on = dt.date(2015, 3, 1)
    joined_branch_on = dt.date(2015, 3, 1)
    club = factory.SubFactory(ClubFactory)
    branch = factory.LazyAttribute(lambda o: o.club.branch if o.club else BranchFactory())
    employer = factory.LazyAttribute(lambda o: o.club.employer if o.club else None)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    member = factory.SubFactory(MemberFactory)
    title = PositionTitle.KLUBBLEDER
    club = factory.LazyAttribute(lambda o: o.member.club)
    started_on = dt.date(2024, 1, 1)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    member = factory.SubFactory(MemberFactory)
    kind = PaymentKind.DUES
    amount_ore = 57500
    period = dt.date(2025, 1, 1)
    paid_on = dt.date(2025, 1, 20)
    kid = factory.LazyAttribute(lambda o: o.member.kid if o.member else "")
    source = PaymentSource.OCR


class AccessGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessGrant

    user = factory.SubFactory(UserFactory, mfa=True)
    level = AccessLevel.CLUB
    club = factory.SubFactory(ClubFactory)
    branch = None
    valid_from = dt.date(2020, 1, 1)
    activated_at = factory.LazyFunction(timezone.now)
