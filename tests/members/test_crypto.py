"""Encryption at rest: the database holds Fernet tokens, never a plain national id or
account number; key rotation re-encrypts (history too) so the old key can go."""

import datetime as dt
import random

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from members import crypto, services
from members.models import Member
from tests.factories import MemberFactory, bank_account, national_id_for

pytestmark = pytest.mark.django_db

RNG = random.Random(3)


def raw_rows(table="members_member"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return [" ".join(str(v) for v in row) for row in cursor.fetchall()]


def test_a_raw_select_shows_no_plain_national_id_or_account(club, admin_user):
    account = bank_account(RNG)
    member = MemberFactory(club=club, bank_account=account)
    services.member_update_profile(member=member, by=admin_user, data={"city": "Bergen"})
    for table in ("members_member", "members_historicalmember"):
        dump = "\n".join(raw_rows(table))
        assert member.national_id not in dump
        assert account not in dump
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id, national_id_hash FROM members_member")
        token, digest = cursor.fetchone()
    assert crypto.decrypt(token) == member.national_id
    assert digest == crypto.keyed_hash(member.national_id)


def test_the_same_national_id_encrypts_differently_each_time():
    assert crypto.encrypt("01019012345") != crypto.encrypt("01019012345")


def test_encrypted_fields_cannot_be_filtered_on(club):
    MemberFactory(club=club)
    with pytest.raises(TypeError):
        Member.objects.filter(national_id="01019012345").exists()


def test_an_unknown_key_fails_without_echoing_the_token(settings):
    token = crypto.encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError) as error:
        crypto.decrypt(token)
    assert token not in str(error.value)


def test_after_rotation_the_old_key_can_be_removed(settings, club, admin_user):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    member = MemberFactory(club=club, bank_account=bank_account(RNG))
    services.member_update_profile(
        member=member,
        by=admin_user,
        data={"national_id": national_id_for(dt.date(1966, 6, 6), RNG)},
    )
    member.refresh_from_db()
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", batch_size=1, stdout=open("/dev/null", "w"))
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    fresh = Member.objects.get(pk=member.pk)
    assert fresh.national_id == member.national_id
    assert fresh.bank_account == member.bank_account
    history = list(member.history.all())
    assert len(history) == 2
    assert {h.national_id for h in history} == {
        member.national_id,
        member.history.earliest().national_id,
    }


def test_rotation_is_idempotent_and_reports_counts(settings, club, capsys):
    MemberFactory.create_batch(3, club=club)
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    call_command("rotate_encryption_keys")
    first = capsys.readouterr().out
    assert "members_member: 3 rows checked, 3 re-encrypted" in first
    before = raw_rows()
    call_command("rotate_encryption_keys")
    second = capsys.readouterr().out
    assert "members_member: 3 rows checked, 0 re-encrypted" in second
    assert raw_rows() == before
