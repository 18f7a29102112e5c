"""The join form after a BankID login of someone who is not a member: name and national
id come from BankID, are shown (the national id masked) and cannot be changed."""

import datetime as dt

import pytest
from django.urls import reverse

from members.crypto import keyed_hash
from members.joining.models import JoinApplication
from members.validators import make_national_id
from tests.clubs.test_bankid import bankid, broker  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_bankid_fills_name_and_national_id_into_the_join_form(client, broker, form_data):  # noqa: F811
    stranger = make_national_id(dt.date(1991, 2, 3), 456)
    response = bankid(client, broker, pid=stranger, given_name="Kari", family_name="BankID")
    assert response["Location"] == reverse("joining:join")
    page = client.get(reverse("joining:join")).content.decode()
    assert "030291 *****" in page and stranger not in page
    assert 'name="national_id"' not in page
    assert 'value="BankID"' in page and "disabled" in page

    # What the browser sends for name and national id is ignored: BankID decides.
    data = {**form_data, "first_name": "Ola", "last_name": "Annen", "national_id": "x"}
    response = client.post(reverse("joining:join"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    application = JoinApplication.objects.get()
    assert (application.first_name, application.last_name) == ("Kari", "BankID")
    assert application.national_id_hash == keyed_hash(stranger)
