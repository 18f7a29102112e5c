"""seed_demo shows the feature: sent messages with their recipients, and a draft."""

import io

import pytest
from django.core.management import call_command

from members.messaging.models import Message, MessageRecipient, MessageStatus
from members.models import Member

pytestmark = pytest.mark.django_db


def test_the_demo_has_sent_messages_the_demo_member_can_see(settings):
    settings.DEBUG = True
    call_command("seed_demo", members=150, seed=7, stdout=io.StringIO())

    assert Message.objects.filter(status=MessageStatus.SENT).count() == 2
    assert Message.objects.filter(status=MessageStatus.DRAFT).count() == 1
    demo = Member.objects.get(user__username="medlem@example.org")
    assert MessageRecipient.objects.filter(member=demo).exists()
