"""The membership lifecycle in a real browser, axe on every page: a person applies at
/bli-medlem/ (postal place filled by htmx), verifies the e-mail, staff accept, the
welcome invitation leads to a Min side login; then the member resigns, withdraws,
resigns again, the daily job makes the resignation take effect on its date, and the
person applies once more and rejoins on the same record."""

import datetime as dt
import random
import re

import pytest
from django.core import mail

from members.choices import MemberStatus
from members.joining.models import JoinApplication, Resignation
from members.models import Member
from members.tasks import apply_lifecycle
from tests.factories import SIGNUP_PASSWORD, ClubFactory, EmployerFactory, national_id_for

pytestmark = pytest.mark.django_db(transaction=True)


def _path_in_mail(pattern: str) -> str:
    for message in reversed(mail.outbox):
        match = re.search(r"https?://[^/\s]+(" + pattern + r")", message.body)
        if match:
            return match.group(1)
    raise AssertionError(f"No e-mail with {pattern!r}: {[m.subject for m in mail.outbox]}")


def _apply(page, axe_check, national_id: str) -> None:
    """Fill in and send the join form as a person would, checking every state."""
    page.goto("/bli-medlem/")
    axe_check(page)
    page.locator("#id_first_name").fill("Ingrid")
    page.locator("#id_last_name").fill("Fjeld")
    page.get_by_label("Fødselsnummer eller D-nummer (11 siffer)").fill(national_id)
    page.locator("#id_phone").fill("912 34 567")
    page.locator("#id_email").fill("ingrid@example.org")
    page.locator("#id_street").fill("Kaigaten 4")
    page.locator("#id_postal_code").fill("5003")
    # htmx fills the postal place from Posten's register.
    page.wait_for_function("() => document.querySelector('#id_city').value === 'Bergen'")
    page.get_by_label("Ordinært medlem").check()
    page.get_by_label("Trekk i lønn gjennom arbeidsgiver").check()
    page.get_by_label("Arbeidsgiver: navn eller organisasjonsnummer").fill("Mongstad")
    page.get_by_label("Raffineriet Mongstad AS").wait_for()
    page.get_by_label("Raffineriet Mongstad AS").check()
    page.get_by_label("Jeg godtar vilkårene").check()
    axe_check(page)
    page.get_by_role("button", name="Send innmeldingen").click()
    page.wait_for_url("**/bli-medlem/sendt/")
    axe_check(page)


def _verify(page, axe_check) -> None:
    page.goto(_path_in_mail(r"/bli-medlem/bekreft/\S+/"))
    axe_check(page)
    page.get_by_role("button", name="Bekreft innmeldingen").click()
    page.wait_for_load_state()
    assert "E-postadressen er bekreftet" in page.content()
    axe_check(page)


def _staff_accept(page, axe_check, login_as, staff, national_id: str) -> None:
    login_as(page, staff)
    page.goto("/medlemsregister/innmeldinger/")
    axe_check(page)
    page.get_by_role("link", name="Fjeld, Ingrid").click()
    page.wait_for_load_state()
    axe_check(page)
    assert national_id not in page.content()
    page.get_by_label("Jeg har kontrollert opplysningene").check()
    page.get_by_role("button", name="Godkjenn innmeldingen").click()
    page.wait_for_load_state()
    assert "Innmeldingen er godkjent" in page.content()
    axe_check(page)
    page.context.clear_cookies()


def test_apply_verify_accept_login_resign_withdraw_resign_rejoin(
    page, axe_check, login_as, central_staff
):
    employer = EmployerFactory(name="Raffineriet Mongstad AS")
    club = ClubFactory(name="Klubb Mongstad", employer=employer)
    national_id = national_id_for(dt.date(1991, 4, 12), random.Random(11))

    # Apply.
    _apply(page, axe_check, national_id)
    application = JoinApplication.objects.get()
    assert application.club == club and application.status == "unverified"

    # Verify the e-mail address; staff accept.
    _verify(page, axe_check)
    _staff_accept(page, axe_check, login_as, central_staff, national_id)
    member = Member.objects.get(first_name="Ingrid")
    assert member.club == club and member.status == MemberStatus.ACTIVE

    # The welcome invitation: create the Min side login.
    assert any(m.subject == "Velkommen som medlem" for m in mail.outbox)
    page.goto(_path_in_mail(r"/min-side/aktiver/\S+/"))
    page.wait_for_url("**/accounts/signup/")
    axe_check(page)
    page.get_by_label("E-post").fill("ingrid@example.org")
    page.get_by_label("Velg passord").fill(SIGNUP_PASSWORD)
    page.get_by_label("Gjenta passordet").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Aktiver").click()
    page.wait_for_load_state()
    page.goto(_path_in_mail(r"/accounts/confirm-email/\S+/"))
    page.get_by_role("button", name="Bekreft").click()
    page.wait_for_load_state()
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("E-post").fill("ingrid@example.org")
    page.get_by_label("Passord").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.wait_for_load_state()
    page.goto("/min-side/")
    assert "Ingrid" in page.get_by_role("heading", level=1).inner_text()
    axe_check(page)

    # Resign, withdraw, resign again.
    page.goto("/min-side/utmelding/")
    axe_check(page)
    page.get_by_label("Utmeldt").check()
    page.get_by_label("Jeg forstår at medlemskapet").check()
    page.get_by_role("button", name="Meld meg ut").click()
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_role("button", name="Trekk utmeldingen").click()
    page.wait_for_load_state()
    assert "Utmeldingen er trukket" in page.content()
    axe_check(page)
    page.get_by_label("Utmeldt").check()
    page.get_by_label("Jeg forstår at medlemskapet").check()
    page.get_by_role("button", name="Meld meg ut").click()
    page.wait_for_load_state()
    resignation = Resignation.objects.get(status="pending")
    assert any(m.subject == "Kvittering for utmelding" for m in mail.outbox)

    # The effective date passes: the daily job carries it out.
    apply_lifecycle(on=resignation.effective_on.isoformat())
    member.refresh_from_db()
    assert member.status == MemberStatus.RESIGNED
    assert member.resigned_on == resignation.effective_on
    page.goto("/min-side/utmelding/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sletting"
    axe_check(page)
    page.context.clear_cookies()

    # Rejoin: the same person applies again and comes back on the same record.
    mail.outbox.clear()
    _apply(page, axe_check, national_id)
    again = JoinApplication.objects.get(status="unverified")
    assert again.rejoin_member_id == member.pk
    _verify(page, axe_check)
    login_as(page, central_staff)
    page.goto(f"/medlemsregister/innmeldinger/{again.pk}/")
    assert "Personen er tidligere medlem" in page.content()
    page.context.clear_cookies()
    _staff_accept(page, axe_check, login_as, central_staff, national_id)
    assert Member.objects.filter(first_name="Ingrid").count() == 1
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE and member.resigned_on is None
    assert member.history.filter(history_change_reason="member_rejoin").exists()
