"""The write services: each validates, saves atomically and leaves a history row that
names who made the change."""

import datetime as dt
import random
import sys
import types

import pytest
from django.core.exceptions import ValidationError

from clubs.models import Position, PositionTitle
from members import services
from members.models import (
    Member,
    MembershipType,
    MemberStatus,
    ResignationReason,
    Union,
    kid_for,
    next_member_numbers,
)
from tests.factories import (
    BranchFactory,
    ClubFactory,
    MemberFactory,
    PositionFactory,
    UserFactory,
    bank_account,
    national_id_for,
)

pytestmark = pytest.mark.django_db

RNG = random.Random(7)


@pytest.fixture
def staff(db):
    return UserFactory(email="saksbehandler@example.org")


@pytest.fixture
def outbox(monkeypatch):
    """A stand-in for privacy.outbox that records what the services queue."""
    calls = []
    module = types.ModuleType("privacy.outbox")
    module.queue_member_event = lambda **kw: calls.append(("member", kw))
    module.queue_position_event = lambda **kw: calls.append(("position", kw))
    monkeypatch.setitem(sys.modules, "privacy.outbox", module)
    import privacy

    monkeypatch.setattr(privacy, "outbox", module, raising=False)
    return calls


def create(staff, club, **extra):
    return services.member_create(
        by=staff,
        first_name="Kari",
        last_name="Nordmann",
        national_id=national_id_for(dt.date(1985, 6, 15), RNG),
        branch=club.branch,
        joined_union_on=dt.date(2020, 1, 1),
        club=club,
        **extra,
    )


def last_history(member):
    return member.history.order_by("-history_id").first()


def test_member_create_gives_a_number_derived_fields_and_a_history_row(staff, club, outbox):
    account = bank_account(RNG)
    member = create(staff, club, phone="912 34 567", bank_account=account, email="kari@eks.no")
    member.refresh_from_db()
    assert member.member_number > 0
    assert member.birth_date == dt.date(1985, 6, 15)
    assert member.phone == "+4791234567"
    assert member.bank_account == account
    assert member.joined_branch_on == dt.date(2020, 1, 1)
    assert Member.objects.by_national_id(member.national_id).get() == member
    record = last_history(member)
    assert record.history_type == "+"
    assert record.history_user == staff
    assert record.history_change_reason == "member_create"
    kind, call = outbox[-1]
    assert kind == "member" and call["event"] == "created"
    assert {"first_name", "email", "club"} <= call["changed_fields"]


def test_member_create_rejects_an_invalid_national_id_with_a_norwegian_message(staff, club):
    with pytest.raises(ValidationError) as error:
        services.member_create(
            by=staff,
            first_name="Ola",
            last_name="Nordmann",
            national_id="01019012345",
            branch=club.branch,
            joined_union_on=dt.date(2020, 1, 1),
        )
    assert "Kontrollsifrene" in str(error.value.message_dict["national_id"])
    assert "01019012345" not in str(error.value)
    assert not Member.objects.exists()


def test_member_create_refuses_a_national_id_that_is_already_registered(staff, club):
    existing = MemberFactory(club=club)
    with pytest.raises(ValidationError) as error:
        services.member_create(
            by=staff,
            first_name="Ola",
            last_name="Kopi",
            national_id=existing.national_id,
            branch=club.branch,
            joined_union_on=dt.date(2020, 1, 1),
        )
    assert "finnes allerede" in str(error.value.message_dict["national_id"])


def test_member_create_refuses_a_club_in_another_branch(staff, club):
    with pytest.raises(ValidationError) as error:
        services.member_create(
            by=staff,
            first_name="Ola",
            last_name="Nordmann",
            national_id=national_id_for(dt.date(1990, 1, 1), RNG),
            branch=club.branch,
            club=ClubFactory(),
            joined_union_on=dt.date(2020, 1, 1),
        )
    assert "club" in error.value.message_dict


def test_member_create_rejects_unknown_fields(staff, club):
    with pytest.raises(ValidationError):
        create(staff, club, status="deceased")


def test_member_update_profile_records_old_and_new_values(staff, club, outbox):
    member = MemberFactory(club=club, city="Bergen")
    services.member_update_profile(
        member=member, by=staff, data={"city": "Stavanger", "postal_code": "4006"}
    )
    record = last_history(member)
    assert record.history_user == staff
    delta = record.diff_against(record.prev_record)
    changes = {c.field: (c.old, c.new) for c in delta.changes}
    assert changes["city"] == ("Bergen", "Stavanger")
    assert outbox[-1][1]["changed_fields"] == {"city", "postal_code"}
    assert outbox[-1][1]["event"] == "updated"


def test_member_update_profile_sets_national_id_and_account_through_the_setters(staff, club):
    member = MemberFactory(club=club)
    new_id = national_id_for(dt.date(1970, 2, 3), RNG, d_number=True)
    account = bank_account(RNG)
    services.member_update_profile(
        member=member, by=staff, data={"national_id": new_id, "bank_account": account}
    )
    member.refresh_from_db()
    assert member.national_id == new_id
    assert member.birth_date == dt.date(1970, 2, 3)
    assert member.bank_account == account
    assert Member.objects.by_national_id(new_id).get() == member


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("postal_code", "123"),
        ("phone", "12"),
        ("email", "ikke-en-epost"),
        ("bank_account", "12345678901"),
        ("national_id", "12345678901"),
        ("first_name", ""),
    ],
)
def test_member_update_profile_rejects_bad_input_and_saves_nothing(staff, club, field, value):
    member = MemberFactory(club=club)
    versions = member.history.count()
    with pytest.raises(ValidationError) as error:
        services.member_update_profile(member=member, by=staff, data={field: value})
    assert field in error.value.message_dict
    assert member.history.count() == versions


def test_member_update_profile_with_no_change_writes_no_history(staff, club, outbox):
    member = MemberFactory(club=club, city="Bergen")
    versions = member.history.count()
    services.member_update_profile(member=member, by=staff, data={"city": "Bergen"})
    assert member.history.count() == versions
    assert outbox == []


def test_member_set_preferences_changes_only_preferences(staff, club, outbox):
    member = MemberFactory(club=club)
    services.member_set_preferences(
        member=member,
        by=staff,
        allow_email=False,
        allow_sms=False,
        newsletter=True,
        magazine="digital",
        surveys=True,
        benefits_marketing_reserved=True,
    )
    member.refresh_from_db()
    assert (member.allow_email, member.newsletter, member.magazine) == (False, True, "digital")
    assert last_history(member).history_change_reason == "member_set_preferences"
    assert "newsletter" in outbox[-1][1]["changed_fields"]


def test_member_change_type_leaves_history(staff, club):
    member = MemberFactory(club=club)
    services.member_change_type(member=member, by=staff, membership_type=MembershipType.PENSIONER)
    member.refresh_from_db()
    assert member.membership_type == "pensioner"
    assert last_history(member).history_user == staff


def test_member_transfer_to_another_branch_resets_the_branch_join_date(staff, club):
    member = MemberFactory(club=club)
    target = ClubFactory()
    services.member_transfer(
        member=member, by=staff, branch=target.branch, club=target, on=dt.date(2025, 5, 1)
    )
    member.refresh_from_db()
    assert member.branch == target.branch and member.club == target
    assert member.employer == target.employer
    assert member.joined_branch_on == dt.date(2025, 5, 1)
    assert last_history(member).history_change_reason == "member_transfer"


def test_member_transfer_within_the_branch_keeps_the_branch_join_date(staff, club):
    member = MemberFactory(club=club)
    sibling = ClubFactory(branch=club.branch)
    services.member_transfer(
        member=member, by=staff, branch=club.branch, club=sibling, on=dt.date(2025, 5, 1)
    )
    member.refresh_from_db()
    assert member.joined_branch_on == dt.date(2015, 3, 1)


def test_member_transfer_refuses_a_club_outside_the_branch(staff, club):
    member = MemberFactory(club=club)
    with pytest.raises(ValidationError):
        services.member_transfer(
            member=member, by=staff, branch=BranchFactory(), club=club, on=dt.date(2025, 5, 1)
        )


@pytest.mark.parametrize(
    ("reason", "status", "in_lo"),
    [
        (ResignationReason.RESIGNED, MemberStatus.RESIGNED, None),
        (ResignationReason.TRANSFER_LO, MemberStatus.TRANSFERRED, True),
        (ResignationReason.TRANSFER_OTHER, MemberStatus.TRANSFERRED, False),
        (ResignationReason.STRUCK_OFF, MemberStatus.STRUCK_OFF, None),
        (ResignationReason.DECEASED, MemberStatus.DECEASED, None),
    ],
)
def test_member_resign_sets_status_date_and_reason(staff, club, outbox, reason, status, in_lo):
    member = MemberFactory(club=club)
    union = None if in_lo is None else Union.objects.create(name=f"Forbund {in_lo}", in_lo=in_lo)
    services.member_resign(
        member=member, by=staff, on=dt.date(2025, 3, 31), reason=reason, union=union
    )
    member.refresh_from_db()
    assert member.status == status
    assert member.resigned_on == dt.date(2025, 3, 31)
    assert member.resignation_reason == reason
    assert member.resignation_union == union
    assert last_history(member).history_user == staff
    assert outbox[-1][1]["event"] == "resigned"


def test_a_transfer_to_an_lo_union_needs_a_union_in_lo(staff, club):
    member = MemberFactory(club=club)
    outside = Union.objects.create(name="Utenfor", in_lo=False)
    with pytest.raises(ValidationError) as error:
        services.member_resign(
            member=member,
            by=staff,
            on=dt.date(2025, 3, 31),
            reason=ResignationReason.TRANSFER_LO,
            union=outside,
        )
    assert "resignation_union" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.member_resign(
            member=member, by=staff, on=dt.date(2025, 3, 31), reason="transfer_lo"
        )
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE


def test_resigning_twice_is_refused(staff, club):
    member = MemberFactory(club=club)
    services.member_resign(member=member, by=staff, on=dt.date(2025, 3, 31), reason="resigned")
    with pytest.raises(ValidationError):
        services.member_resign(member=member, by=staff, on=dt.date(2025, 4, 1), reason="resigned")


def test_resigning_ends_open_positions(staff, club):
    member = MemberFactory(club=club)
    position = PositionFactory(member=member, started_on=dt.date(2024, 1, 1))
    services.member_resign(member=member, by=staff, on=dt.date(2025, 3, 31), reason="resigned")
    position.refresh_from_db()
    assert position.ended_on == dt.date(2025, 3, 31)


def test_strike_off_and_record_death_are_resignations_with_that_reason(staff, club):
    struck = services.member_strike_off(
        member=MemberFactory(club=club), by=staff, on=dt.date(2025, 1, 31)
    )
    dead = services.member_record_death(
        member=MemberFactory(club=club), by=staff, on=dt.date(2025, 2, 1)
    )
    assert (struck.status, struck.resignation_reason) == ("struck_off", "struck_off")
    assert (dead.status, dead.resignation_reason) == ("deceased", "deceased")
    assert last_history(dead).history_change_reason == "member_resign:deceased"


def test_member_rejoin_clears_the_resignation_but_history_keeps_it(staff, club):
    member = MemberFactory(club=club)
    services.member_resign(member=member, by=staff, on=dt.date(2024, 3, 31), reason="resigned")
    services.member_rejoin(member=member, by=staff, on=dt.date(2025, 1, 1))
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    assert member.resigned_on is None and member.resignation_reason == ""
    assert member.joined_union_on == dt.date(2025, 1, 1)
    reasons = list(member.history.values_list("resignation_reason", flat=True))
    assert "resigned" in reasons
    with pytest.raises(ValidationError):
        services.member_rejoin(member=member, by=staff, on=dt.date(2025, 1, 2))


def test_position_start_and_end_leave_history_and_queue_events(staff, club, outbox):
    member = MemberFactory(club=club)
    position = services.position_start(
        member=member,
        by=staff,
        title=PositionTitle.VERNEOMBUD,
        club=club,
        started_on=dt.date(2025, 1, 1),
    )
    services.position_end(position=position, by=staff, ended_on=dt.date(2025, 6, 30))
    position.refresh_from_db()
    assert position.ended_on == dt.date(2025, 6, 30)
    types_ = list(position.history.order_by("history_id").values_list("history_type", flat=True))
    assert types_ == ["+", "~"]
    assert position.history.first().history_user == staff
    assert [c[1]["event"] for c in outbox if c[0] == "position"] == ["created", "updated"]


def test_position_start_refuses_a_club_the_member_is_not_in(staff, club, other_club):
    member = MemberFactory(club=club)
    with pytest.raises(ValidationError):
        services.position_start(
            member=member, by=staff, title="klubbleder", club=other_club, started_on=dt.date.today()
        )
    with pytest.raises(ValidationError):
        services.position_start(
            member=member,
            by=staff,
            title="klubbleder",
            club=club,
            branch=club.branch,
            started_on=dt.date.today(),
        )
    assert not Position.objects.exists()


def test_position_end_before_start_is_refused(staff, club):
    position = PositionFactory(member=MemberFactory(club=club), started_on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        services.position_end(position=position, by=staff, ended_on=dt.date(2024, 1, 1))


def test_services_work_without_the_outbox_module(staff, club, monkeypatch):
    monkeypatch.setitem(sys.modules, "privacy.outbox", types.ModuleType("privacy.outbox"))
    member = create(staff, club)
    services.member_change_type(member=member, by=staff, membership_type="student")
    assert member.membership_type == "student"


def test_member_numbers_are_unique_and_increasing():
    first = next_member_numbers(500)
    second = next_member_numbers(3)
    assert len(set(first + second)) == 503
    assert min(second) > max(first)


def test_member_number_is_unique_in_the_database(club):
    from django.db import IntegrityError, transaction

    member = MemberFactory(club=club)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(club=club, member_number=member.member_number)


@pytest.mark.parametrize("number", [1, 100001, 123456, 9999999])
def test_the_kid_has_a_valid_mod10_check_digit(number):
    from stdnum import luhn

    kid = kid_for(number)
    assert len(kid) == 8
    assert kid.startswith(f"{number:07d}")
    assert luhn.is_valid(kid)


def test_a_changed_kid_digit_fails_the_check():
    from stdnum import luhn

    kid = kid_for(123456)
    for position in range(len(kid)):
        for digit in "0123456789":
            if digit != kid[position]:
                assert not luhn.is_valid(kid[:position] + digit + kid[position + 1 :])
