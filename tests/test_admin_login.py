"""Django admin login goes through allauth: the password, then the second factor, and
allauth's limits on failed logins. The admin's own password form logs nobody in."""

import itertools

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import totp_now
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    """An admin of this file only: allauth counts failed logins per address and per IP
    in the shared cache, and other tests fail on admin@example.org on purpose."""
    return UserFactory(mfa=True, is_staff=True, is_superuser=True)


_addresses = itertools.count(1)


@pytest.fixture
def client():
    # An IP of its own per test, for the same reason.
    return Client(REMOTE_ADDR=f"10.30.0.{next(_addresses)}")


def test_an_admin_gets_in_through_the_admin_login_with_password_and_totp(admin_user, client):
    start = client.get("/admin/login/?next=/admin/")
    assert start.status_code == 302
    login_url = start["Location"]
    assert login_url.startswith(reverse("account_login"))

    password_step = client.post(login_url, {"login": admin_user.email, "password": PASSWORD})
    assert password_step["Location"].startswith(reverse("mfa_authenticate"))
    assert client.get("/admin/").status_code == 302

    code_step = client.post(password_step["Location"], {"code": totp_now()})
    assert code_step.status_code == 302
    assert code_step["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_totp_code_keeps_the_admin_out(admin_user, client):
    step = client.post(reverse("account_login"), {"login": admin_user.email, "password": PASSWORD})
    code = totp_now()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    client.post(step["Location"], {"code": wrong})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_after_five_wrong_passwords_the_right_one_is_refused_too(admin_user, client):
    for n in range(5):
        client.post(reverse("account_login"), {"login": admin_user.email, "password": f"feil-{n}"})
    response = client.post(
        reverse("account_login"), {"login": admin_user.email, "password": PASSWORD}
    )
    # The limit of allauth's login_failed (per account): no second-factor step, no login.
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert reverse("mfa_authenticate") not in response.get("Location", "")


def test_staff_without_a_second_factor_must_set_one_up_before_the_admin(client):
    staff = UserFactory(is_staff=True)
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    admin_page = client.get("/admin/")
    assert admin_page.status_code == 302
    assert admin_page["Location"] == reverse("mfa_index")
