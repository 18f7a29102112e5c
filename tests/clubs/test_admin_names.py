"""The admin names allauth's authenticators and the outbox's columns in Norwegian."""

import pytest
from django.urls import reverse

from privacy.models import Disclosure
from tests.visible import visible_text

pytestmark = pytest.mark.django_db


def test_the_admin_index_has_no_english_model_names(client_for, admin_user):
    page = client_for(admin_user).get(reverse("admin:index")).content.decode()
    assert "Tofaktormetoder" in page
    assert "Authenticators" not in page


def test_second_factors_list_has_norwegian_columns(client_for, admin_user):
    page = client_for(admin_user).get(reverse("admin:clubs_secondfactor_changelist"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sist brukt" in text and "last used" not in text.lower()


def test_the_disclosure_recipient_has_a_label():
    assert str(Disclosure._meta.get_field("recipient").verbose_name) == "mottaker"
    assert str(Disclosure._meta.get_field("member").verbose_name) == "medlem"


def test_the_outbox_list_has_no_raw_column_names(client_for, admin_user):
    page = client_for(admin_user).get(reverse("admin:privacy_disclosure_changelist"))
    text = " ".join(visible_text(page.content.decode())).lower()
    assert "recipient" not in text and "mottaker" in text
