"""Unsubscribe without a login: the footer link (a page, then a CSRF-protected POST)
and the RFC 8058 one-click endpoint from the List-Unsubscribe header. Each turns off
only the category the message belonged to."""

import re

import pytest
from django.test import Client

from members.messaging import delivery, services
from members.messaging.compose import unsubscribe_token
from members.messaging.models import MessageCategory, Section

pytestmark = pytest.mark.django_db

CHOICES = ("allow_email", "allow_sms", "newsletter", "magazine", "surveys")


def choices(member):
    member.refresh_from_db()
    return {name: getattr(member, name) for name in (*CHOICES, "benefits_marketing_reserved")}


def sent_mail(user, mailbox, category, **segment):
    message = services.message_create(
        by=user,
        section=Section.REGISTER,
        data={"subject": "Info", "body": "Hei {fornavn}", "category": category},
        segment=segment,
    )
    delivery.run_send(message_id=services.message_send(message=message, by=user).pk)
    return mailbox.messages


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_one_click_header_works_without_login_or_csrf_and_changes_only_that_category(
    central_staff, people, mailbox
):
    person = people["both"]
    before = choices(person)
    mails = sent_mail(central_staff, mailbox, MessageCategory.INFORMATION)
    mail = next(m for m in mails if str(m["To"]) == person.email)
    url = str(mail["List-Unsubscribe"]).strip().strip("<>")

    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(
        path_of(url),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    after = choices(person)
    assert after["allow_email"] is False
    assert {k: v for k, v in after.items() if k != "allow_email"} == {
        k: v for k, v in before.items() if k != "allow_email"
    }
    assert person.history.first().history_change_reason == "member_set_preferences"


def test_the_footer_link_asks_first_and_a_get_changes_nothing(central_staff, people, mailbox):
    person = people["newsletter"]
    mails = sent_mail(central_staff, mailbox, MessageCategory.NEWSLETTER)
    body = next(m for m in mails if str(m["To"]) == person.email).get_content()
    link = re.search(r"http://testserver(/avmelding/\S+/)", body).group(1)
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(link)

    assert page.status_code == 200
    assert "Ja, meld meg av" in page.content.decode()
    assert choices(person)["newsletter"] is True
    assert page["Referrer-Policy"] == "no-referrer"

    refused = browser.post(link)  # no CSRF token: refused
    assert refused.status_code == 403
    assert choices(person)["newsletter"] is True

    token = browser.cookies["csrftoken"].value
    done = browser.post(link, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200
    after = choices(person)
    assert after["newsletter"] is False
    assert after["allow_email"] is True  # other e-mail from the union still comes


def test_benefits_unsubscribe_sets_the_reservation(people):
    person = people["both"]
    token = unsubscribe_token(member_id=person.pk, category=MessageCategory.BENEFITS)

    Client().post(f"/avmelding/{token}/ett-klikk/")

    after = choices(person)
    assert after["benefits_marketing_reserved"] is True
    assert after["allow_email"] is True


@pytest.mark.parametrize("token", ["tull", "eyJtIjoxfQ:1abc:feil"])
def test_a_bad_or_forged_token_changes_nothing(people, token):
    person = people["both"]
    before = choices(person)

    assert Client().get(f"/avmelding/{token}/").status_code == 400
    assert Client().post(f"/avmelding/{token}/ett-klikk/").status_code == 400
    assert choices(person) == before


def test_a_token_cannot_be_moved_to_another_member(people):
    token = unsubscribe_token(member_id=people["both"].pk, category=MessageCategory.INFORMATION)
    payload, stamp, signature = token.split(":")
    forged = unsubscribe_token(member_id=people["email_only"].pk, category="information")
    mixed = f"{forged.split(':')[0]}:{stamp}:{signature}"

    assert Client().post(f"/avmelding/{mixed}/ett-klikk/").status_code == 400
    assert choices(people["email_only"])["allow_email"] is True


def test_the_one_click_endpoint_takes_post_only(people):
    token = unsubscribe_token(member_id=people["both"].pk, category=MessageCategory.INFORMATION)

    assert Client().get(f"/avmelding/{token}/ett-klikk/").status_code == 405
    assert choices(people["both"])["allow_email"] is True
