"""The pages: write, count, preview, send and follow progress as staff and as an
officer; the letters' print file; what the member sees on "Mine data"."""

import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from members.messaging.models import Message, MessageStatus, Section
from privacy.models import AccessLog

pytestmark = pytest.mark.django_db

FORM = {
    "subject": "Årsmøte i klubben",
    "category": "information",
    "body": "Hei {fornavn}! Velkommen til årsmøte i {klubb}.",
    "sms_text": "",
    "send_email": "on",
    "statuses": ["active"],
}


def send_now(client, capture_on_commit):
    """Send the message just written, now (as confirmed staff), running the tasks."""
    message = Message.objects.get()
    with capture_on_commit(execute=True):
        client.post(
            reverse("register_messaging:send", args=[message.pk]), {"when": "now", "confirm": "on"}
        )
    return message


def test_staff_write_count_preview_send_and_follow_progress(
    client_for,
    central_staff,
    people,
    mailbox,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    client = client_for(central_staff)
    new = reverse("register_messaging:create")
    assert client.get(new).status_code == 200

    count = client.post(reverse("register_messaging:count"), {**FORM, "send_letter": "on"})
    assert count.status_code == 200
    text = count.content.decode()
    assert 'data-count="email">6<' in text
    assert 'data-count="letter">2<' in text

    response = client.post(new, FORM)
    message = Message.objects.get()
    assert response.status_code == 302
    detail = reverse("register_messaging:detail", args=[message.pk])
    assert response["Location"] == detail
    assert message.section == Section.REGISTER
    assert message.segment == {"statuses": ["active"]}

    with django_assert_max_num_queries(15):
        page = client.get(detail)
    assert page.status_code == 200
    assert "Hvem får meldingen" in page.content.decode()

    number = people["both"].member_number
    preview = client.get(
        reverse("register_messaging:preview", args=[message.pk]),
        {"member_number": number},
        headers={"HX-Request": "true"},
    )
    assert preview.status_code == 200
    assert f"Hei {people['both'].first_name}!" in preview.content.decode()
    assert AccessLog.objects.filter(member=people["both"], user=central_staff).exists()

    test = client.post(reverse("register_messaging:test_send", args=[message.pk]))
    assert test.status_code == 302
    assert mailbox.recipients() == {central_staff.email: 1}

    refused = client.post(reverse("register_messaging:send", args=[message.pk]), {"when": "now"})
    assert refused.status_code == 400  # no confirmation
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("register_messaging:send", args=[message.pk]), {"when": "now", "confirm": "on"}
        )
    assert sent.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT  # eager in tests

    progress = client.get(reverse("register_messaging:progress", args=[message.pk]))
    assert progress.status_code == 200
    body = progress.content.decode()
    assert "hx-trigger" not in body  # finished: polling stops
    assert 'data-sent="email">6<' in body
    assert len(mailbox.messages) == 7


def test_progress_keeps_polling_while_sending(client_for, central_staff, people):
    message = Message.objects.create(
        subject="x", body="y", created_by=central_staff, status=MessageStatus.SENDING
    )

    body = (
        client_for(central_staff)
        .get(reverse("register_messaging:progress", args=[message.pk]))
        .content.decode()
    )

    assert 'hx-trigger="every 2s"' in body
    assert "<script" not in body


def test_an_officer_writes_in_klubbkontoret_for_own_members_only(
    client_for, club_officer, people, other_club
):
    client = client_for(club_officer)

    count = client.post(reverse("klubb_messaging:count"), FORM).content.decode()
    assert 'data-count="email">4<' in count  # the staff's six minus the other club's two

    # Another club is not even a choice.
    response = client.post(reverse("klubb_messaging:create"), {**FORM, "clubs": [other_club.pk]})
    assert response.status_code == 200
    assert not Message.objects.exists()

    client.post(reverse("klubb_messaging:create"), FORM)
    message = Message.objects.get()
    assert message.section == Section.KLUBB
    assert client.get(reverse("klubb_messaging:detail", args=[message.pk])).status_code == 200


def test_messages_are_private_to_their_section_and_author(
    client_for, club_officer, other_club_officer, central_staff, member
):
    mine = Message.objects.create(subject="x", created_by=club_officer, section=Section.KLUBB)
    staff = Message.objects.create(subject="y", created_by=central_staff)

    def status(user, name, message):
        return client_for(user).get(reverse(name, args=[message.pk])).status_code

    assert status(other_club_officer, "klubb_messaging:detail", mine) == 404
    assert status(club_officer, "klubb_messaging:detail", staff) == 404
    assert status(central_staff, "register_messaging:detail", mine) == 404
    assert status(club_officer, "register_messaging:detail", staff) == 404
    assert status(member, "klubb_messaging:detail", mine) == 403
    assert status(member, "register_messaging:detail", staff) == 404


def test_the_letters_are_one_page_each_for_a_window_envelope(
    client_for, central_staff, people, mailbox, django_capture_on_commit_callbacks
):
    client = client_for(central_staff)
    client.post(reverse("register_messaging:create"), {**FORM, "send_letter": "on"})
    message = send_now(client, django_capture_on_commit_callbacks)

    response = client.get(reverse("register_messaging:letters", args=[message.pk]))

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert people["neither"].last_name in first or people["sms_only"].last_name in first
    assert "INFORMASJON" in first.upper()  # the category, on the letter itself


def test_a_large_letter_run_is_downloaded_in_parts(
    client_for, central_staff, people, mailbox, monkeypatch, django_capture_on_commit_callbacks
):
    from members.messaging import views

    monkeypatch.setattr(views, "LETTERS_PER_FILE", 1)
    client = client_for(central_staff)
    client.post(reverse("register_messaging:create"), {**FORM, "send_letter": "on"})
    message = send_now(client, django_capture_on_commit_callbacks)
    letters = reverse("register_messaging:letters", args=[message.pk])

    page = client.get(reverse("register_messaging:detail", args=[message.pk])).content.decode()

    assert "Last ned brev 1–1" in page
    assert f'href="{letters}?del=2"' in page
    names = set()
    for part in ("1", "2"):
        pdf = PdfReader(io.BytesIO(client.get(letters, {"del": part}).content))
        assert len(pdf.pages) == 1
        names.add(pdf.pages[0].extract_text())
    assert len(names) == 2  # two different letters
    assert client.get(letters, {"del": "3"}).status_code == 404


def test_the_preview_shows_no_working_unsubscribe_token(client_for, central_staff, people):
    client = client_for(central_staff)
    client.post(reverse("register_messaging:create"), FORM)
    message = Message.objects.get()

    body = client.get(
        reverse("register_messaging:preview", args=[message.pk]),
        {"member_number": people["both"].member_number},
    ).content.decode()

    assert "/avmelding/forhandsvisning/" in body
    assert client.post("/avmelding/forhandsvisning/ett-klikk/").status_code == 400


def test_mine_data_and_the_export_show_what_was_sent(
    client_for, central_staff, member, mailbox, django_capture_on_commit_callbacks
):
    staff = client_for(central_staff)
    staff.post(reverse("register_messaging:create"), FORM)
    send_now(staff, django_capture_on_commit_callbacks)
    own = client_for(member)

    page = own.get(reverse("minside:my_data")).content.decode()
    exported = json.loads(own.get(reverse("minside:my_data_json")).content)

    assert "Årsmøte i klubben" in page
    assert exported["messages_received"] == [
        {
            "subject": "Årsmøte i klubben",
            "channel": "email",
            "result": "sent",
            "sent_at": exported["messages_received"][0]["sent_at"],
        }
    ]
    assert exported["messages_received"][0]["sent_at"]


def test_mine_data_shows_the_subject_as_the_member_received_it(
    client_for, central_staff, member, mailbox, django_capture_on_commit_callbacks
):
    staff = client_for(central_staff)
    staff.post(reverse("register_messaging:create"), {**FORM, "subject": "Årsmøte i {klubb}"})
    send_now(staff, django_capture_on_commit_callbacks)

    page = client_for(member).get(reverse("minside:my_data")).content.decode()

    club = member.member.club.name
    assert str(mailbox.messages[0]["Subject"]) == f"Årsmøte i {club}"
    assert f"Årsmøte i {club}" in page
    assert "{klubb}" not in page
