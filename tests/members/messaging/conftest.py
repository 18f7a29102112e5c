"""Fixtures of the messaging tests: a real SMTP server, the SMTP backend pointed at it,
and a register with members of two clubs and every combination of choices."""

import pytest

from tests.factories import MemberFactory

from .smtp import SmtpServer


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server, settings):
    """The SMTP server's mailbox, emptied; Django sends to it over SMTP."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    smtp_server.mailbox.clear()
    yield smtp_server.mailbox
    smtp_server.mailbox.clear()


@pytest.fixture(autouse=True)
def _messaging_settings(settings):
    settings.MESSAGING_RATE_PER_MINUTE = 0
    settings.MESSAGING_BATCH_SIZE = 3
    settings.SITE_URL = "http://testserver"
    settings.SMS_SENDER_NAME = "IndEnergi"


@pytest.fixture
def people(club, other_club):
    """Members of `club` with each combination of choices, and two of `other_club`."""
    make = MemberFactory
    return {
        "both": make(club=club, allow_email=True, allow_sms=True),
        "email_only": make(club=club, allow_email=True, allow_sms=False),
        "sms_only": make(club=club, allow_email=False, allow_sms=True),
        "neither": make(club=club, allow_email=False, allow_sms=False),
        "neither_no_address": make(
            club=club, allow_email=False, allow_sms=False, street="", postal_code="", city=""
        ),
        "no_contact": make(club=club, email="", phone="", street="", postal_code="", city=""),
        "reserved": make(club=club, benefits_marketing_reserved=True),
        "newsletter": make(club=club, newsletter=True),
        "other_club": make(club=other_club, allow_email=True),
        "other_club_2": make(club=other_club, allow_email=True, allow_sms=True),
    }
