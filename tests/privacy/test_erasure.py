"""Erasure: who goes when (three years after resignation, 29 February, rejoined members,
approved requests), that nothing of the member is left anywhere in the database, that
payments stay as anonymous amounts, and that partners are told."""

import contextlib
import datetime as dt
import io
import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from clubs.models import Position
from members.crypto import decrypt
from members.models import (
    Benefit,
    BenefitEnrolment,
    BenefitReservation,
    Member,
    MemberInvitation,
    MemberStatus,
    Order,
    Payment,
    PendingEmailChange,
    PreviousMembership,
    Product,
    ProductKind,
    ResignationReason,
    Union,
)
from privacy import erasure, outbox
from privacy.models import (
    AccessAction,
    AccessLog,
    ConsentRecord,
    DataSubjectRequest,
    Disclosure,
    DisclosureEvent,
    DisclosureStatus,
    ErasureRecord,
    Recipient,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from privacy.partners import ADAPTERS
from privacy.partners.mailchimp import subscriber_hash
from tests.factories import MemberFactory, PaymentFactory, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 1)
LONG_AGO = dt.date(2021, 5, 31)


def resigned(**kwargs):
    kwargs.setdefault("resigned_on", LONG_AGO)
    kwargs.setdefault("joined_union_on", dt.date(2010, 1, 1))
    return MemberFactory(
        status=MemberStatus.RESIGNED, resignation_reason=ResignationReason.RESIGNED, **kwargs
    )


# --- Who goes when -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resigned_on", "today", "erased"),
    [
        (dt.date(2022, 3, 10), dt.date(2025, 3, 10), False),  # exactly three years
        (dt.date(2022, 3, 10), dt.date(2025, 3, 11), True),
        (dt.date(2022, 3, 11), dt.date(2025, 3, 10), False),
        (dt.date(2024, 2, 29), dt.date(2027, 2, 28), False),  # 29 Feb counts from 28 Feb
        (dt.date(2024, 2, 29), dt.date(2027, 3, 1), True),
        (dt.date(2024, 2, 28), dt.date(2027, 3, 1), True),
        (dt.date(2025, 2, 28), dt.date(2028, 2, 28), False),
        (dt.date(2025, 2, 28), dt.date(2028, 2, 29), True),
        (dt.date(2025, 3, 1), dt.date(2028, 2, 29), False),
    ],
)
def test_members_are_erased_only_when_they_resigned_more_than_three_years_ago(
    resigned_on, today, erased
):
    member = resigned(resigned_on=resigned_on)

    erasure.purge_expired_members(today)

    assert Member.objects.filter(pk=member.pk).exists() is not erased
    assert ErasureRecord.objects.filter(member_number=member.member_number).exists() is erased


def test_the_cutoff_agrees_with_three_calendar_years_for_every_day_of_a_leap_cycle():
    from dateutil.relativedelta import relativedelta

    day = dt.date(2027, 1, 1)
    while day < dt.date(2029, 3, 5):
        cutoff = erasure.erasure_cutoff(day)
        for offset in (-1, 0, 1):
            resignation = cutoff + dt.timedelta(days=offset)
            expected = resignation + relativedelta(years=3) < day
            assert (resignation <= cutoff) is expected, (day, resignation)
        day += dt.timedelta(days=1)


def test_an_active_member_is_never_erased_even_with_an_old_join_date():
    member = MemberFactory(joined_union_on=dt.date(1990, 1, 1))

    erasure.purge_expired_members(TODAY)

    assert Member.objects.filter(pk=member.pk).exists()


def test_a_member_who_rejoined_is_not_erased():
    member = resigned()
    member.status, member.resigned_on, member.resignation_reason = MemberStatus.ACTIVE, None, ""
    member.save()

    erasure.purge_expired_members(TODAY)

    assert Member.objects.filter(pk=member.pk).exists()


def erasure_request(member, status=RequestStatus.APPROVED):
    return DataSubjectRequest.objects.create(
        member=member,
        kind=RequestKind.ERASURE,
        status=status,
        channel=RequestChannel.EMAIL,
        due_on=TODAY,
        details=f"Jeg, {member.first_name} {member.last_name}, ber om sletting.",
        payload={"email": member.email},
    )


def test_an_approved_erasure_request_erases_a_recently_resigned_member():
    member = resigned(resigned_on=TODAY - dt.timedelta(days=10))
    request = erasure_request(member)

    records = erasure.purge_expired_members(TODAY)

    assert [r.member_number for r in records] == [member.member_number]
    assert records[0].reason == erasure.REASON_REQUEST
    request.refresh_from_db()
    assert request.member is None
    assert request.member_number == member.member_number
    assert request.status == RequestStatus.COMPLETED
    assert request.details == "" and request.payload == {}


def test_a_request_not_yet_approved_erases_nobody():
    member = resigned(resigned_on=TODAY - dt.timedelta(days=10))
    erasure_request(member, status=RequestStatus.RECEIVED)

    assert erasure.purge_expired_members(TODAY) == []


def test_an_approved_request_never_erases_an_active_member():
    member = MemberFactory()
    erasure_request(member)

    assert erasure.purge_expired_members(TODAY) == []
    assert Member.objects.filter(pk=member.pk).exists()


def test_erase_member_refuses_an_active_member():
    with pytest.raises(ValueError):
        erasure.erase_member(member=MemberFactory(), reason=erasure.REASON_REQUEST)


def test_the_dry_run_lists_who_would_go_and_changes_nothing():
    old = resigned()
    requested = resigned(resigned_on=TODAY - dt.timedelta(days=3))
    erasure_request(requested)
    resigned(resigned_on=TODAY - dt.timedelta(days=3))
    out = io.StringIO()

    call_command(
        "purge_expired_members", "--dry-run", "--today", TODAY.isoformat(), stdout=out, stderr=out
    )

    assert f"{old.member_number}\t{erasure.REASON_RETENTION}" in out.getvalue()
    assert f"{requested.member_number}\t{erasure.REASON_REQUEST}" in out.getvalue()
    assert "2 member(s) would be erased" in out.getvalue()
    assert Member.objects.count() == 3
    assert not ErasureRecord.objects.exists()


def test_the_command_erases_in_batches():
    members = [resigned() for _ in range(5)]

    call_command(
        "purge_expired_members",
        "--today",
        TODAY.isoformat(),
        "--batch-size",
        "2",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert not Member.objects.exists()
    assert set(ErasureRecord.objects.values_list("member_number", flat=True)) == {
        m.member_number for m in members
    }


# --- Nothing left --------------------------------------------------------------------


def all_database_text():
    """Yield (table, text) for every row of every table, with encrypted values
    decrypted, so a national id cannot hide in a ciphertext either."""
    tables = connection.introspection.table_names()
    assert len(tables) > 30
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts = []
                for value in row:
                    text = str(value)
                    parts.append(text)
                    if text.startswith("gAAAA"):
                        # Looks like a Fernet token; a value that only starts alike is kept as is.
                        with contextlib.suppress(ValueError):
                            parts.append(decrypt(text))
                yield table, " ".join(parts)


def leftovers(*needles):
    found = []
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    for table, text in all_database_text():
        if match := pattern.search(text):
            found.append((table, match.group(0)))
    return found


@pytest.fixture
def rich_member(settings):
    """A former member with something in every corner of the database."""
    settings.PARTNERS = {}
    user = UserFactory(email="ragnfrid.tveitkverna@example.no", first_name="Ragnfrid")
    member = resigned(
        first_name="Ragnfrid",
        last_name="Tveitkverna",
        email="ragnfrid.tveitkverna@example.no",
        user=user,
    )
    # Several history rows for the member (simple-history keeps full copies).
    member.city = "Tvedestrand"
    member.save()
    member.phone = "+4798765432"
    member.save()
    recruit = MemberFactory(recruited_by=member)
    recruit.city = "Oslo"
    recruit.save()
    PositionFactory(member=member, club=member.club, ended_on=dt.date(2021, 1, 1))
    union = Union.objects.create(name="Fellesforbundet")
    PreviousMembership.objects.create(member=member, union=union, from_date=dt.date(2000, 1, 1))
    benefit = Benefit.objects.create(name="Innboforsikring")
    BenefitEnrolment.objects.create(member=member, benefit=benefit, enrolled_on=dt.date(2015, 1, 1))
    BenefitReservation.objects.create(
        member=member, benefit=benefit, reserved_on=dt.date(2016, 1, 1), note="Ragnfrid ringte"
    )
    PaymentFactory(member=member, reference="OCR-RAGNFRID-1", amount_ore=57500)
    PaymentFactory(member=member, amount_ore=59000)
    product = Product.objects.create(
        name="Reise", kind=ProductKind.INSURANCE, partner=Recipient.objects.get(slug="sparebank1")
    )
    Order.objects.create(member=member, product=product, status="cancelled")
    ConsentRecord.objects.create(consent_id=uuid.uuid4(), notice_version=1, member=member)
    MemberInvitation.objects.create(
        member=member, token_hash="a" * 64, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    PendingEmailChange.objects.create(
        member=member,
        new_email="ragnfrid.ny@example.no",
        token_hash="b" * 64,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    erasure_request(member, status=RequestStatus.COMPLETED)
    officer = UserFactory()
    AccessLog.objects.create(user=officer, member=member, action=AccessAction.VIEW_MEMBER)
    AccessLog.objects.create(user=user, member=member, action=AccessAction.VIEW_CARD)
    LogEntry.objects.create(
        user=officer,
        content_type=ContentType.objects.get_for_model(Member),
        object_id=str(member.pk),
        object_repr=str(member),
        action_flag=CHANGE,
        change_message="Endret e-post for Ragnfrid Tveitkverna",
    )
    # Shared with partners while she was a member: sent rows, and one still pending.
    member.status, member.resigned_on = MemberStatus.ACTIVE, None
    outbox.queue_member_event(member=member, event="created")
    Disclosure.objects.update(status=DisclosureStatus.SENT, sent_at=timezone.now())
    member.city = "Arendal"
    outbox.queue_member_event(member=member, event="updated", changed_fields={"city"})
    member.refresh_from_db()
    return member


def test_no_row_anywhere_still_holds_the_erased_members_name_national_id_or_email(rich_member):
    member = rich_member
    needles = [
        member.first_name,
        member.last_name,
        member.national_id,
        member.email,
        "ragnfrid.ny@example.no",
        member.bank_account,
        member.phone,
    ]
    assert {table for table, _ in leftovers(*needles)} >= {
        "members_member",
        "members_historicalmember",
        "privacy_disclosure",
        "auth_user",
    }

    erasure.purge_expired_members(TODAY)

    assert leftovers(*needles) == []


def test_erasure_removes_the_member_its_rows_history_login_and_access_log(rich_member):
    member = rich_member
    member_id, user_id = member.pk, member.user_id

    [record] = erasure.purge_expired_members(TODAY)

    assert not Member.objects.filter(pk=member_id).exists()
    assert not Member.history.filter(id=member_id).exists()
    assert not Position.objects.filter(member_id=member_id).exists()
    assert not Position.history.filter(member_id=member_id).exists()
    assert not Payment.history.filter(member_id=member_id).exists()
    assert not AccessLog.objects.filter(member_id=member_id).exists()
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(user_id=user_id).exists()
    assert record.reason == erasure.REASON_RETENTION
    assert record.erased_on == TODAY
    assert record.counts["members.member"] == 1
    assert record.counts["members.historicalmember"] >= 3
    assert record.counts["clubs.position"] == 1
    assert record.counts["privacy.accesslog"] == 2
    assert record.counts["members.payment(anonymised)"] == 2
    assert record.counts["auth.user"] == 1
    assert record.counts["account.emailaddress"] == 1


def test_the_recruits_of_an_erased_member_stay_without_the_link(rich_member):
    recruit = Member.objects.get(recruited_by=rich_member)

    erasure.purge_expired_members(TODAY)

    recruit.refresh_from_db()
    assert recruit.recruited_by is None
    assert recruit.history.count() >= 2
    assert not recruit.history.filter(recruited_by_id=rich_member.pk).exists()


def test_payments_stay_for_the_books_as_anonymous_amounts(rich_member):
    erasure.purge_expired_members(TODAY)

    payments = Payment.objects.filter(amount_ore__in=[57500, 59000])
    assert sorted(payments.values_list("amount_ore", flat=True)) == [57500, 59000]
    assert set(payments.values_list("member_id", "kid", "reference")) == {(None, "", "")}


def test_disclosures_stay_as_a_log_without_personal_data(rich_member):
    number = rich_member.member_number

    erasure.purge_expired_members(TODAY)

    log = Disclosure.objects.filter(member_number=number).exclude(event=DisclosureEvent.ERASED)
    assert log.count() == 4
    assert set(log.values_list("status", flat=True)) == {DisclosureStatus.SENT}
    assert all(row.payload == {} and row.member_id is None for row in log)
    assert all(row.fields for row in log)


def test_every_recipient_that_had_the_member_gets_an_erased_event(
    rich_member, settings, httpserver
):
    number = rich_member.member_number
    email = rich_member.email

    erasure.purge_expired_members(TODAY)

    erased = Disclosure.objects.filter(member_number=number, event=DisclosureEvent.ERASED)
    assert sorted(erased.values_list("recipient__slug", flat=True)) == [
        "lo",
        "lofavor",
        "mailchimp",
        "sparebank1",
    ]
    mailchimp = erased.get(recipient__slug="mailchimp")
    assert mailchimp.payload == {"member_number": number, "subscriber_hash": subscriber_hash(email)}

    settings.PARTNERS = {
        slug: {"url": httpserver.url_for(f"/{slug}"), "token": ""} for slug in ADAPTERS
    }
    httpserver.expect_request(re.compile(".*")).respond_with_data("", status=204)
    outbox.deliver_due()

    paths = sorted(request.path for request, _ in httpserver.log)
    assert f"/mailchimp/members/{subscriber_hash(email)}/actions/delete-permanent" in paths
    assert f"/lo/forbund/medlemmer/{number}" in paths
    mailchimp.refresh_from_db()
    assert mailchimp.status == DisclosureStatus.SENT
    assert mailchimp.payload == {"member_number": number}


def test_a_former_officers_login_is_anonymised_so_other_members_access_logs_stay(rich_member):
    other = MemberFactory()
    AccessLog.objects.create(user=rich_member.user, member=other, action=AccessAction.VIEW_MEMBER)
    user_id = rich_member.user_id

    [record] = erasure.purge_expired_members(TODAY)

    user = get_user_model().objects.get(pk=user_id)
    assert (user.email, user.first_name, user.is_active) == ("", "", False)
    assert not user.has_usable_password()
    assert AccessLog.objects.filter(member=other, user_id=user_id).exists()
    assert record.counts["auth.user(anonymised)"] == 1


def test_running_the_purge_twice_changes_nothing_the_second_time(rich_member):
    erasure.purge_expired_members(TODAY)
    before = dict(all_database_text_counts())

    assert erasure.purge_expired_members(TODAY) == []

    assert dict(all_database_text_counts()) == before


def all_database_text_counts():
    counts = {}
    for table, text in all_database_text():
        counts.setdefault(table, []).append(text)
    return {table: sorted(rows) for table, rows in counts.items()}


def test_other_members_are_untouched(rich_member):
    bystander = MemberFactory(first_name="Bjarne")
    PositionFactory(member=bystander)
    history = bystander.history.count()

    erasure.purge_expired_members(TODAY)

    bystander.refresh_from_db()
    assert bystander.first_name == "Bjarne"
    assert bystander.positions.count() == 1
    assert bystander.history.count() == history


def test_the_daily_task_erases_who_is_due_and_nobody_else():
    from privacy.tasks import purge_expired_members

    gone = resigned(resigned_on=timezone.localdate() - dt.timedelta(days=3 * 366 + 1))
    kept = resigned(resigned_on=timezone.localdate() - dt.timedelta(days=30))

    assert purge_expired_members.delay().get() == {"erased": 1}

    assert not Member.objects.filter(pk=gone.pk).exists()
    assert Member.objects.filter(pk=kept.pk).exists()
    assert purge_expired_members.delay().get() == {"erased": 0}
