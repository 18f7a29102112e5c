"""Messaging in a real browser: write a message, watch the live count change, preview it
as a member, send it and watch the progress (htmx polling) until it is done; every page
passes axe and the CSP. A thread plays the Celery worker, so the send runs beside the
web server as in production, and the e-mails go to a real SMTP server."""

import threading
import time

import pytest

from config.celery import app
from members.messaging import delivery
from members.messaging.models import Message, MessageStatus
from tests.factories import ClubFactory, MemberFactory
from tests.members.messaging.smtp import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.MESSAGING_RATE_PER_MINUTE = 240  # four a second: slow enough to watch
    settings.MESSAGING_BATCH_SIZE = 2
    yield server.mailbox
    server.stop()


@pytest.fixture
def queued_tasks():
    """Tasks go to an in-memory queue nobody reads; the test's worker thread sends."""
    previous = app.conf.broker_url
    app.conf.broker_url = "memory://"
    app.conf.task_always_eager = False
    yield
    app.conf.broker_url = previous
    app.conf.task_always_eager = True


def worker(message_id: int, stop: threading.Event) -> None:
    from django.db import connection

    try:
        while not stop.is_set():
            delivery.run_send(message_id=message_id)
            if Message.objects.get(pk=message_id).status == MessageStatus.SENT:
                return
            time.sleep(0.2)
    finally:
        connection.close()


def test_write_count_preview_send_and_watch_progress(
    page, login_as, axe_check, central_staff, club, smtp, queued_tasks
):
    members = MemberFactory.create_batch(8, club=club, allow_email=True)
    other = ClubFactory(name="Klubb Verkstedet")
    MemberFactory.create_batch(3, club=other, allow_email=True)
    login_as(page, central_staff)

    page.goto("/medlemsregister/meldinger/")
    axe_check(page)
    page.get_by_role("link", name="Skriv ny melding").click()
    page.wait_for_url("**/meldinger/ny/")
    count = page.locator("#count")
    assert "11 medlemmer får meldingen" in count.inner_text()
    axe_check(page)

    page.get_by_label("Emne").fill("Årsmøte {klubb}")
    page.get_by_label("Tekst (e-post og brev)").fill("Hei {fornavn}! Velkommen til årsmøte.")
    page.get_by_label("Klubber").select_option(label=club.name)
    page.locator("#count", has_text="8 medlemmer får meldingen").wait_for()
    page.get_by_role("button", name="Lagre utkast").click()
    page.get_by_role("heading", name="Årsmøte {klubb}").wait_for()
    axe_check(page)

    page.get_by_label("Forhåndsvis som medlem (medlemsnummer)").fill(str(members[0].member_number))
    page.get_by_role("button", name="Vis", exact=True).click()
    page.locator("#preview", has_text=f"Hei {members[0].first_name}!").wait_for()
    assert f"Årsmøte {club.name}" in page.locator("#preview").inner_text()
    axe_check(page)

    page.get_by_label("Jeg har sjekket utvalget og teksten").check()
    page.get_by_role("button", name="Send meldingen").click()
    page.locator("#progress").wait_for()
    message = Message.objects.get()
    stop = threading.Event()
    thread = threading.Thread(target=worker, args=(message.pk, stop), daemon=True)
    page.evaluate("() => { window.__loads = 1 }")
    thread.start()
    try:
        page.locator("#progress", has_text="Ferdig: 8 av 8.").wait_for(timeout=30_000)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert page.evaluate("() => window.__loads") == 1  # updated in place, no reload
    axe_check(page)
    assert smtp.recipients() == {m.email: 1 for m in members}
