"""The findings of the security audit, one test (or more) each, plus the crawl that
keeps them closed: admin login, odd input in every GET parameter, every member page's
access-log row, CSV cells, headers and production settings."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from clubs import services as club_services
from clubs.models import AccessGrant, AccessLevel
from members.validators import validate_country
from privacy.models import AccessAction, AccessLog
from tests.conftest import mark_mfa_authenticated
from tests.factories import (
    SIGNUP_PASSWORD,
    MemberFactory,
    PaymentFactory,
    PositionFactory,
    UserFactory,
)
from tests.test_url_matrix import ALL_CASES, world  # noqa: F401, F811 - the fixture

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


# --- 1. Django admin login goes through allauth, with MFA -----------------------------


def test_the_admin_login_form_does_not_log_anyone_in_with_a_password(client, admin_user):
    admin_user.set_password(SIGNUP_PASSWORD)
    admin_user.save()
    response = client.post(
        "/admin/login/", {"username": admin_user.username, "password": SIGNUP_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_password_login_of_an_admin_stops_at_the_second_factor(client, admin_user):
    admin_user.set_password(SIGNUP_PASSWORD)
    admin_user.save()
    response = client.post(
        reverse("account_login"), {"login": admin_user.email, "password": SIGNUP_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    # Not logged in until the code: the admin stays closed.
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_admin_passwords_are_throttled():
    # Through /admin/login/, as the audit did: after allauth's five failures per account
    # even the right password gets no further (a 429 per IP comes only at 30 a minute,
    # which a slow test machine may never reach, so the per-account limit is the test).
    # An admin and an IP of its own: the failures stay in the shared cache for minutes
    # and must not throttle the other tests' logins of admin@example.org.
    admin_user = UserFactory(mfa=True, is_staff=True, is_superuser=True)
    admin_user.set_password(SIGNUP_PASSWORD)
    admin_user.save()
    client = Client(REMOTE_ADDR="10.31.0.1")
    start = client.post("/admin/login/", {"username": admin_user.username, "password": "x"})
    login = start["Location"]
    for n in range(5):
        client.post(login, {"login": admin_user.email, "password": f"feil-{n}"})
    response = client.post(login, {"login": admin_user.email, "password": SIGNUP_PASSWORD})
    assert response.status_code in (200, 429)
    assert not response.get("Location", "").startswith(reverse("mfa_authenticate"))
    assert "_auth_user_id" not in client.session


def test_a_session_with_an_authenticator_but_no_code_is_sent_to_confirm(admin_user):
    client = Client()
    client.force_login(admin_user, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, admin_user, second_factor=False)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


# --- 3. Payments in statistics are for central staff only ------------------------------


@pytest.mark.parametrize("key", ["dues", "arrears"])
def test_payment_statistics_do_not_exist_for_branch_officers(branch_officer, client_for, key):
    client = client_for(branch_officer)
    assert client.get(reverse("stats:csv", args=[key]) + "?type=unemployed").status_code == 404
    page = client.get(reverse("stats:dashboard")).content.decode()
    assert f'id="section-{key}"' not in page
    assert reverse("stats:csv", args=[key]) not in page


@pytest.mark.parametrize("key", ["dues", "arrears"])
def test_central_staff_still_see_payment_statistics(central_staff, client_for, key):
    assert client_for(central_staff).get(reverse("stats:csv", args=[key])).status_code == 200


# --- 4. The access log names no one through a search text ------------------------------


def test_an_export_logs_the_kind_of_search_never_its_text(club_officer, club, client_for):
    MemberFactory(club=club, email="hanne.holm3@example.com")
    client = client_for(club_officer)
    client.get(reverse("klubb:export_csv") + "?q=hanne.holm3@example.com")
    entry = AccessLog.objects.get(action=AccessAction.EXPORT, member__isnull=True)
    assert entry.detail["filter"]["q_kind"] == "email"
    assert "hanne" not in str(entry.detail)


def test_an_export_shows_in_the_access_log_of_every_member_in_it(club_officer, club, client_for):
    first, second = MemberFactory(club=club), MemberFactory(club=club)
    client_for(club_officer).get(reverse("klubb:export_csv"))
    summary = AccessLog.objects.get(action=AccessAction.EXPORT, member__isnull=True)
    for member in (first, second):
        row = AccessLog.objects.get(action=AccessAction.EXPORT, member=member)
        assert row.detail["export"] == summary.pk


def test_a_roster_search_that_finds_one_member_is_logged_as_a_read(club_officer, club, client_for):
    member = MemberFactory(club=club, last_name="Ensomsdatter")
    client_for(club_officer).get(reverse("klubb:roster") + "?q=Ensomsdatter")
    assert AccessLog.objects.filter(member=member).count() == 1


# --- 5. Every page that shows one member writes an access-log row ----------------------


def member_pages(member, payment, position):
    return [
        reverse("admin:clubs_position_change", args=[position.pk]),
        reverse("admin:clubs_position_history", args=[position.pk]),
        reverse("register:member", args=[member.pk]),
        reverse("register:edit", args=[member.pk]),
        reverse("register:action", args=[member.pk, "meld-ut"]),
        reverse("register:action", args=[member.pk, "flytt"]),
        reverse("admin:members_member_change", args=[member.pk]),
        reverse("admin:members_member_history", args=[member.pk]),
        reverse("admin:members_payment_change", args=[payment.pk]),
        reverse("admin:members_payment_history", args=[payment.pk]),
    ]


def test_every_member_page_writes_one_access_log_row(admin_user, client_for, club):
    member = MemberFactory(club=club)
    payment = PaymentFactory(member=member)
    position = PositionFactory(member=member, club=club)
    client = client_for(admin_user)
    for page in member_pages(member, payment, position):
        before = AccessLog.objects.filter(member=member).count()
        assert client.get(page).status_code == 200, page
        after = AccessLog.objects.filter(member=member).count()
        assert after == before + 1, page


def test_the_admin_pages_of_a_members_requests_and_disclosures_are_logged_as_reads(
    admin_user, client_for, club
):
    import datetime as dt

    from django.db import transaction

    from privacy import outbox
    from privacy.models import DataSubjectRequest

    member = MemberFactory(club=club)
    request = DataSubjectRequest.objects.create(
        member=member, kind="access", channel="web", due_on=dt.date.today()
    )
    with transaction.atomic():
        disclosure = outbox.queue_member_event(member=member, event="created")[0]
    client = client_for(admin_user)
    for page in (
        reverse("admin:privacy_datasubjectrequest_change", args=[request.pk]),
        reverse("admin:privacy_disclosure_change", args=[disclosure.pk]),
    ):
        before = AccessLog.objects.filter(member=member).count()
        assert client.get(page).status_code == 200, page
        assert AccessLog.objects.filter(member=member).count() == before + 1, page


def test_the_officer_card_writes_an_access_log_row(club_officer, client_for, club):
    member = MemberFactory(club=club)
    client_for(club_officer).get(reverse("klubb:card", args=[member.pk]))
    assert AccessLog.objects.filter(member=member, action=AccessAction.VIEW_CARD).count() == 1


# --- 6. TOTP secrets are encrypted at rest and hidden in admin --------------------------


def test_a_totp_secret_is_stored_encrypted_and_still_checks_codes(member):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    authenticator = TOTP.activate(member, "JBSWY3DPEHPK3PXQ").instance
    stored = Authenticator.objects.get(pk=authenticator.pk).data["secret"]
    assert stored.startswith("gAAAAA") and "JBSWY3DPEHPK3PXQ" not in stored
    counter = int(time.time()) // 30
    code = format_hotp_value(hotp_value("JBSWY3DPEHPK3PXQ", counter))
    assert TOTP(authenticator).validate_code(code)


def test_the_migration_encrypts_secrets_stored_in_plain_text(member):
    import importlib

    migration = importlib.import_module("clubs.migrations.0004_encrypt_mfa_secrets")
    plain = Authenticator.objects.create(
        user=member, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXR"}
    )
    from django.apps import apps

    migration.encrypt_secrets(apps, None)
    plain.refresh_from_db()
    assert plain.data["secret"].startswith("gAAAAA")


def test_the_admin_never_shows_authenticator_data(admin_user, client_for):
    authenticator = Authenticator.objects.get(user=admin_user)
    page = client_for(admin_user).get(
        reverse("admin:clubs_secondfactor_change", args=[authenticator.pk])
    )
    assert page.status_code == 200
    assert authenticator.data["secret"] not in page.content.decode()
    assert 'name="data"' not in page.content.decode()


def test_key_rotation_re_encrypts_mfa_secrets(settings, admin_user):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from members import crypto

    old = Authenticator.objects.get(user=admin_user).data["secret"]
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    new = Authenticator.objects.get(user=admin_user).data["secret"]
    assert new != old and crypto.is_current(new)
    assert crypto.decrypt(new) == crypto.decrypt(old)


# --- 7. Grants wait for MFA enrolment through an e-mailed link -------------------------


def test_a_new_grant_gives_no_access_until_its_link_is_used_with_the_second_factor(
    club, central_staff, django_capture_on_commit_callbacks
):
    holder = UserFactory(email="ny.tillitsvalgt@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        grant = club_services.grant_create(
            user=holder, level=AccessLevel.CLUB, club=club, by=central_staff
        )
    assert not AccessGrant.objects.active().filter(pk=grant.pk).exists()
    link = re.search(r"http://[^\s]+(/klubbkontoret/tilgang/[^/\s]+/)", mail.outbox[-1].body)
    assert mail.outbox[-1].to == ["ny.tillitsvalgt@example.org"]
    path = link.group(1)

    client = Client()
    client.force_login(holder, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, holder)
    # A password alone: no authenticator yet, so set one up first; the grant waits.
    assert client.get(path)["Location"] == reverse("mfa_activate_totp")
    assert client.post(path).status_code == 302
    assert not AccessGrant.objects.active().filter(pk=grant.pk).exists()

    Authenticator.objects.create(
        user=holder, type=Authenticator.Type.TOTP, data={"secret": "gAAAAAx"}
    )
    mark_mfa_authenticated(client, holder, second_factor=False)
    assert client.get(path)["Location"].startswith(reverse("mfa_reauthenticate"))

    mark_mfa_authenticated(client, holder, second_factor=True)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert AccessGrant.objects.active().filter(pk=grant.pk).exists()
    # The link is single-use.
    assert client.get(path).status_code == 410


def test_someone_elses_activation_link_does_nothing(
    club, central_staff, club_officer, django_capture_on_commit_callbacks
):
    holder = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        grant = club_services.grant_create(
            user=holder, level=AccessLevel.CLUB, club=club, by=central_staff
        )
    path = re.search(r"(/klubbkontoret/tilgang/[^/\s]+/)", mail.outbox[-1].body).group(1)
    client = Client()
    client.force_login(club_officer, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, club_officer)
    assert client.post(path).status_code == 410
    assert not AccessGrant.objects.active().filter(pk=grant.pk).exists()


def test_staff_see_grants_waiting_for_activation(club, central_staff, client_for):
    holder = UserFactory(email="venter@example.org")
    club_services.grant_create(user=holder, level=AccessLevel.CLUB, club=club, by=central_staff)
    page = client_for(central_staff).get(reverse("register:grants") + "?vis=venter")
    html = page.content.decode()
    assert "venter@example.org" in html and "Venter på aktivering" in html


# --- 7. CSV cells, odd input, headers, validation ---------------------------------------


def test_statistics_csv_escapes_a_recruiter_named_like_a_formula(central_staff, client_for, club):
    from members.models import Member

    recruiter = MemberFactory(club=club, first_name="=HYPERLINK(1)", last_name="@SUM")
    for _ in range(6):
        # Recruited this month: only recruits in the period put the recruiter in the file.
        MemberFactory(club=club, recruited_by=recruiter, joined_union_on=date.today())
    assert Member.objects.filter(recruited_by=recruiter).count() == 6
    response = client_for(central_staff).get(reverse("stats:csv", args=["recruiters"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert any(row[0].startswith("'") and "HYPERLINK" in row[0] for row in rows[1:])
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "@", "+")) or re.fullmatch(r"[+-]?[\d ,.]+", cell)


@pytest.mark.parametrize("role", ["member", "club_officer", "admin_user"])
def test_no_get_parameter_makes_a_page_fail(role, request, world):  # noqa: F811
    """NUL bytes, oversize values and other scripts' digits in every GET parameter the
    pages read: an error message or the page, never a 500."""
    client = Client()
    user = request.getfixturevalue(role)
    client.force_login(user, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, user)
    odd_values = ["\x00", "a" * 5000, "１２٣", "-99999999999999999999"]
    names = [
        "q",
        "bruker",
        "page",
        "side",
        "ar",
        "vis",
        "dager",
        "type",
        "months",
        "branch",
        "employer_query",
        "postal_code",
        "city",
        "status",
        "period",
        "kind",
    ]
    failures = []
    for case in ALL_CASES:
        if case.method != "get":
            continue
        target = case.url(world)
        for value in odd_values:
            query = "&".join(f"{name}={urllib.parse.quote(value)}" for name in names)
            status = client.get(f"{target}?{query}").status_code
            if status >= 500:
                failures.append(f"{target} with {value[:10]!r}: {status}")
    assert not failures, "\n".join(failures)


def test_an_annual_statement_for_a_year_out_of_range_is_not_found(member, client_for):
    response = client_for(member).get("/min-side/innbetalinger/0/arsoppgave.pdf")
    assert response.status_code == 404


def test_staff_search_with_an_oversize_query_lists_nobody(central_staff, client_for, club):
    MemberFactory(club=club, last_name="Hansen")
    response = client_for(central_staff).get(reverse("register:search") + "?q=" + "a" * 500)
    assert response.status_code == 200
    assert "Hansen" not in response.content.decode()


def test_pages_with_personal_data_are_not_cached_and_limit_browser_features(
    club_officer, client_for
):
    response = client_for(club_officer).get(reverse("klubb:roster"))
    assert "no-store" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    "role, page",
    [
        ("club_officer", "card"),
        ("club_officer", "export_csv"),
        ("branch_officer", "stats"),
        ("branch_officer", "stats_csv"),
        ("central_staff", "register"),
        ("member", "min_side"),
        ("member", "payments"),
        ("member", "account"),
        ("member", "email"),
    ],
)
def test_every_page_with_personal_data_says_no_store(role, page, request, client_for, club):
    someone = MemberFactory(club=club)
    urls = {
        "card": reverse("klubb:card", args=[someone.pk]),
        "export_csv": reverse("klubb:export_csv"),
        "stats": reverse("stats:dashboard"),
        "stats_csv": reverse("stats:csv", args=["members"]),
        "register": reverse("register:member", args=[someone.pk]),
        "min_side": reverse("minside:index"),
        "payments": reverse("minside:payments"),
        "account": reverse("minside:account"),
        "email": reverse("account_email"),
    }
    response = client_for(request.getfixturevalue(role)).get(urls[page])
    assert response.status_code == 200, urls[page]
    assert "no-store" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]


def test_a_forwarded_proto_header_is_trusted_only_behind_a_configured_proxy(settings):
    assert settings.SECURE_PROXY_SSL_HEADER is None


@pytest.mark.parametrize("bad", ["🇳🇴", "\u202eON", "XX", "no", "N", "N0"])
def test_country_must_be_an_iso_3166_code(bad):
    with pytest.raises(ValidationError):
        validate_country(bad)


def test_country_accepts_iso_codes():
    for good in ("NO", "SE", "DK", "DE", "US"):
        validate_country(good)


def test_the_staff_edit_refuses_an_emoji_country(central_staff, client_for, club):
    from members import services

    member = MemberFactory(club=club)
    with pytest.raises(ValidationError):
        services.member_update_profile(member=member, by=central_staff, data={"country": "🇳🇴"})


# --- 7. Production settings refuse what is insecure -----------------------------------


def _settings_error(**env) -> str:
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-real-looking-secret-key-with-enough-length-1234567890",
        "FIELD_ENCRYPTION_KEYS": "c0lkc2xrZmpzbGRrZmpzbGRrZmpzbGRrZmpzbGRrZmo=",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp://127.0.0.1:25",
    }
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={k: v for k, v in environment.items() if v is not None},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stderr if result.returncode else ""


def test_production_settings_start_with_real_keys_and_services():
    assert _settings_error() == ""


@pytest.mark.parametrize(
    "env, message",
    [
        (
            {"SECRET_KEY": "compose-only-change-me-0123456789abcdefghijklmnopqrstuvwxyz"},
            "SECRET_KEY",
        ),
        ({"FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="}, "development"),
        ({"EMAIL_URL": None}, "EMAIL_URL"),
        ({"EMAIL_URL": "consolemail://"}, "EMAIL_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
    ],
    ids=["compose-secret", "dev-fernet-key", "no-email", "console-email", "no-redis"],
)
def test_production_settings_refuse_insecure_defaults(env, message):
    assert message in _settings_error(**env)


def test_seed_demo_never_creates_demo_logins_with_debug_off(settings):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("seed_demo", members=5, force=True, stdout=io.StringIO())
    assert not get_user_model().objects.filter(email="admin@example.org").exists()


# --- 7. gunicorn: no query strings in the access log, no banner -------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_logs_no_query_string_and_hides_its_name(tmp_path):
    port = _free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "-c",
            "config/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # A static file: served by the app (WhiteNoise) without touching the database.
        url = f"http://127.0.0.1:{port}/static/css/klubb.css?q=01017012345"
        for _ in range(150):
            try:
                response = urllib.request.urlopen(url, timeout=30)  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        assert "gunicorn" not in (response.headers.get("Server") or "").lower()
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = log.read_text()
    assert "/static/css/klubb.css" in written
    assert "01017012345" not in written


# --- Unicode digits are one number, not a second one ------------------------------------


def test_a_national_id_in_full_width_digits_is_the_same_number():
    from members.crypto import keyed_hash
    from members.validators import normalize_national_id, validate_national_id

    ascii_id = "17058012327"
    full_width = "".join(chr(ord("０") + int(d)) for d in ascii_id)
    validate_national_id(full_width)
    assert normalize_national_id(full_width) == ascii_id
    assert keyed_hash(normalize_national_id(full_width)) == keyed_hash(ascii_id)


@pytest.mark.parametrize("code", ["０１５０", "٠١٥٠"])
def test_a_postal_code_in_other_digits_is_refused(code):
    from members.validators import validate_postal_code

    with pytest.raises(ValidationError):
        validate_postal_code(code)


@pytest.mark.parametrize("role", ["member", "club_officer", "central_staff", "admin_user"])
def test_the_admin_login_form_logs_no_kind_of_user_in(role, request, client):
    user = request.getfixturevalue(role)
    user.set_password(SIGNUP_PASSWORD)
    user.save()
    response = client.post(
        "/admin/login/", {"username": user.get_username(), "password": SIGNUP_PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
