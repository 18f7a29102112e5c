"""seed_demo: deterministic, valid data and the demo logins, refused with DEBUG off."""

import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from clubs.models import AccessGrant, Club, Employer, Position
from clubs.permissions import scope_for
from members.demo import DEMO_LOGINS, DEMO_PASSWORD
from members.models import Member, MemberStatus, Payment, ResignationReason, TaxDeductionCap
from members.validators import validate_national_id

pytestmark = pytest.mark.django_db


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot():
    """The seeded people in member-number order, numbers relative to the first one (a
    PostgreSQL sequence does not roll back, so absolute numbers move on between runs)."""
    rows = list(
        Member.objects.order_by("member_number").values_list(
            "member_number", "first_name", "last_name", "birth_date", "status", "club__name"
        )
    )
    start = rows[0][0] if rows else 0
    return [(number - start, *rest) for number, *rest in rows]


def test_seed_demo_is_deterministic_for_a_seed(settings):
    from members.models import MemberNumberCounter

    settings.DEBUG = True
    seed(members=120, seed=7)
    first = snapshot()
    ids = sorted(m.national_id for m in Member.objects.all())
    # Start again from an empty register (related rows cascade).
    Member.objects.all().delete()
    MemberNumberCounter.objects.all().delete()
    seed(members=120, seed=7)
    assert snapshot() == first
    assert sorted(m.national_id for m in Member.objects.all()) == ids


def test_another_seed_gives_other_people(settings):
    settings.DEBUG = True
    seed(members=50, seed=7)
    first = {(m[1], m[2]) for m in snapshot()}
    Member.objects.all().delete()
    seed(members=50, seed=8)
    assert {(m[1], m[2]) for m in snapshot()} != first


def test_seed_demo_builds_a_valid_realistic_register(settings):
    settings.DEBUG = True
    output = seed(members=300, seed=3)
    assert "JBSWY3DPEHPK3PXP" in output
    members = list(Member.objects.all())
    assert len(members) == 300
    for member in members[:300]:
        validate_national_id(member.national_id)
        member.full_clean(validate_unique=False)
    assert Club.objects.count() == 300
    assert 18 <= Member.objects.values("branch").distinct().count() <= 20
    for employer in Employer.objects.all()[:50]:
        employer.full_clean()
    reasons = set(
        Member.objects.exclude(resignation_reason="").values_list("resignation_reason", flat=True)
    )
    assert reasons == set(ResignationReason.values)
    assert Member.objects.filter(recruited_by__isnull=False).exists()
    assert Position.objects.filter(club__isnull=False).exists()
    assert Position.objects.filter(branch__isnull=False).exists()
    active = Member.objects.filter(status=MemberStatus.ACTIVE, joined_union_on__year__lt=2020)
    assert Payment.objects.filter(member=active.first()).count() == 24
    assert dict(TaxDeductionCap.objects.values_list("year", "amount_ore")) == {
        2023: 770_000,
        2024: 800_000,
        2025: 825_000,
        2026: 870_000,
    }


def test_the_demo_logins_match_the_readme(settings):
    settings.DEBUG = True
    seed(members=100, seed=1)
    User = get_user_model()
    users = {u.email: u for u in User.objects.filter(email__in=DEMO_LOGINS)}
    assert set(users) == set(DEMO_LOGINS)
    for email, user in users.items():
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True)
    assert users["admin@example.org"].is_superuser
    assert scope_for(users["sentral@example.org"]).central
    club_grant = AccessGrant.objects.get(user=users["klubb@example.org"])
    branch_grant = AccessGrant.objects.get(user=users["avdeling@example.org"])
    assert branch_grant.branch == club_grant.club.branch
    # The demo club's 40 members, and one who moved there by changing employer.
    assert Member.objects.visible_to(users["klubb@example.org"]).count() == 41
    demo_member = Member.objects.get(user=users["medlem@example.org"])
    assert demo_member.club == club_grant.club
    for email in DEMO_LOGINS[:4]:
        assert Authenticator.objects.filter(user=users[email], type="totp").exists()
    assert not Authenticator.objects.filter(user=users["medlem@example.org"]).exists()
    assert Member.objects.filter(user__isnull=False).count() == 1 + 10


def test_demo_data_is_refused_with_debug_off_unless_forced_and_never_gets_logins(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        seed(members=10)
    assert not Member.objects.exists()
    assert not get_user_model().objects.exists()
    seed(members=10, force=True)
    assert Member.objects.count() == 10
    assert not get_user_model().objects.filter(email__in=DEMO_LOGINS).exists()


def test_if_empty_does_nothing_when_members_exist(settings):
    settings.DEBUG = True
    seed(members=20, seed=2)
    output = seed(members=20, seed=2, if_empty=True)
    assert "no demo data added" in output
    assert Member.objects.count() == 20


def test_a_second_run_adds_members_without_clashing(settings):
    settings.DEBUG = True
    seed(members=30, seed=5)
    seed(members=30, seed=5)
    assert Member.objects.count() == 60
    assert Club.objects.count() == 300
    assert Member.objects.values("national_id_hash").distinct().count() == 60
