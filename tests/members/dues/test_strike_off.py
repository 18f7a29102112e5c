"""Arrears, reminders and strike-off: complete months only, timing across month ends,
the notice period, and nobody struck off while their employer's list is missing."""

import datetime as dt

import pytest
from django.core import mail

from members.choices import MemberStatus, ResignationReason
from members.dues import queries, services
from members.dues.models import DuesAccount, DuesExemption, DuesImport, ImportKind, PaymentMethod
from members.models import Member
from tests.factories import MemberFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def paid(member, *months):
    for month in months:
        PaymentFactory(member=member, period=month, paid_on=month, amount_ore=63400)


def arrears_of(member, today):
    return queries.with_arrears(Member.objects.filter(pk=member.pk), today=today).get().arrears


def test_only_complete_months_count_across_month_ends(rates):
    member = MemberFactory(joined_union_on=dt.date(2024, 11, 15))
    # On 31 January, January is not complete: November and December are due.
    assert arrears_of(member, dt.date(2025, 1, 31)) == 2
    # One day later, January is due too.
    assert arrears_of(member, dt.date(2025, 2, 1)) == 3
    paid(member, dt.date(2024, 11, 1), dt.date(2025, 1, 1))
    assert arrears_of(member, dt.date(2025, 2, 1)) == 1
    assert queries.unpaid_periods(member, today=dt.date(2025, 2, 1)) == [dt.date(2024, 12, 1)]


def test_reversed_and_excused_months(rates):
    member = MemberFactory(joined_union_on=dt.date(2024, 12, 1))
    paid(member, dt.date(2024, 12, 1))
    PaymentFactory(member=member, period=dt.date(2024, 12, 1), amount_ore=-63400)
    DuesExemption.objects.create(member=member, period=dt.date(2025, 1, 1), reason="nav")
    # December was reversed (unpaid again), January is excused.
    assert arrears_of(member, dt.date(2025, 2, 10)) == 1


def test_free_types_are_never_in_arrears(rates):
    student = MemberFactory(membership_type="student", joined_union_on=dt.date(2020, 1, 1))
    assert not queries.arrears_list(today=dt.date(2025, 3, 1)).filter(pk=student.pk).exists()


def test_reminder_then_notice_period_then_review_then_strike_off(rates, central_staff):
    late = MemberFactory(joined_union_on=dt.date(2024, 10, 1), email="sein@example.net")
    good = MemberFactory(joined_union_on=dt.date(2024, 10, 1))
    paid(good, *[dt.date(2024, m, 1) for m in (10, 11, 12)], dt.date(2025, 1, 1))
    # 31 December: only Oct and Nov are complete and unpaid: below three months.
    assert services.send_reminders(today=dt.date(2024, 12, 31)) == 0
    # 1 January: December completes the third month.
    assert services.send_reminders(today=dt.date(2025, 1, 1)) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sein@example.net"]
    # Sent once, not every run.
    assert services.send_reminders(today=dt.date(2025, 1, 2)) == 0
    # The notice period (30 days) has not passed on 30 January …
    assert services.strike_off_candidates(today=dt.date(2025, 1, 30)) == []
    # … and has on 31 January.
    candidates = services.strike_off_candidates(today=dt.date(2025, 1, 31))
    assert [m.pk for m in candidates] == [late.pk]
    struck = services.strike_off(
        member_ids=[late.pk, good.pk], by=central_staff, today=dt.date(2025, 1, 31)
    )
    assert [m.pk for m in struck] == [late.pk]
    late.refresh_from_db()
    assert late.status == MemberStatus.STRUCK_OFF
    assert late.resignation_reason == ResignationReason.STRUCK_OFF
    good.refresh_from_db()
    assert good.status == MemberStatus.ACTIVE


def test_paying_up_clears_the_reminder(rates):
    member = MemberFactory(joined_union_on=dt.date(2024, 10, 1))
    services.send_reminders(today=dt.date(2025, 1, 5))
    assert DuesAccount.objects.get(member=member).reminded_on == dt.date(2025, 1, 5)
    paid(member, dt.date(2024, 10, 1), dt.date(2024, 11, 1), dt.date(2024, 12, 1))
    services.send_reminders(today=dt.date(2025, 1, 20))
    assert DuesAccount.objects.get(member=member).reminded_on is None


def test_nobody_is_struck_off_while_the_employers_list_is_missing(rates):
    member = MemberFactory(joined_union_on=dt.date(2024, 10, 1))
    DuesAccount.objects.create(
        member=member, payment_method=PaymentMethod.PAYROLL, reminded_on=dt.date(2024, 12, 1)
    )
    assert services.strike_off_candidates(today=dt.date(2025, 2, 1)) == []
    for month in (10, 11, 12):
        DuesImport.objects.create(
            kind=ImportKind.PAYROLL,
            filename="x",
            sha256=str(month),
            employer=member.employer,
            period=dt.date(2024, month, 1),
        )
    assert services.strike_off_candidates(today=dt.date(2025, 1, 15)) != []
    # January's list has not come in: on 1 February the member waits again.
    assert services.strike_off_candidates(today=dt.date(2025, 2, 1)) == []


def test_the_member_account_shows_expected_paid_and_balance(rates):
    member = MemberFactory(membership_type="pensioner", joined_union_on=dt.date(2020, 1, 1))
    paid(member, dt.date(2025, 1, 1))
    account = queries.member_account(member, today=dt.date(2025, 3, 15))
    assert [m.expected_ore for m in account.months] == [15000, 15000, 15000]
    assert account.paid_ore == 63400
    assert account.balance_ore == 63400 - 45000
    assert account.next_due_on == dt.date(2025, 4, 20)
    assert account.next_due_ore == 45000
