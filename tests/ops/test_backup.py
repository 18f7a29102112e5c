"""`make backup` and `make restore`: a dump of the database restored into an empty one
holds every member, and the encrypted national ids and bank accounts still decrypt with
the keys kept apart from the backup."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from members.crypto import decrypt
from members.models import Member
from tests.conftest import require
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]


def url(db: dict, name: str) -> str:
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgresql://{db['USER']}{password}@{host}/{name}"


@pytest.fixture
def empty_database():
    db = connection.settings_dict
    name = f"medlemsportal_restore_{uuid.uuid4().hex[:8]}"
    admin = url(db, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url(db, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make(target: str, database_url: str, **variables) -> subprocess.CompletedProcess:
    args = [shutil.which("make"), "-s", target, *(f"{k}={v}" for k, v in variables.items())]
    return subprocess.run(  # noqa: S603 - our own Makefile
        args,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_backup_restored_into_an_empty_database_has_every_member_decrypting(
    needs_postgres, empty_database, tmp_path
):
    require(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump/pg_restore")
    for i in range(25):
        MemberFactory(bank_account="12345678903" if i % 2 else "")
    expected = {m.member_number: (m.national_id, m.bank_account) for m in Member.objects.all()}
    dump = tmp_path / "medlemsportal.dump"

    backup = make(
        "backup", url(connection.settings_dict, connection.settings_dict["NAME"]), BACKUP=dump
    )
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 10_000
    restore = make("restore", empty_database, FILE=dump)
    assert restore.returncode == 0, restore.stderr

    with psycopg.connect(empty_database) as conn:
        rows = conn.execute(
            "SELECT member_number, national_id, bank_account FROM members_member"
        ).fetchall()
        migrations = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]

    assert migrations > 10
    restored = {
        number: (decrypt(national_id), decrypt(account) if account else "")
        for number, national_id, account in rows
    }
    assert restored == expected
    assert all(not str(ciphertext).isdigit() for _, ciphertext, _ in rows)


def test_restore_refuses_without_a_file_or_a_postgresql_url(tmp_path):
    assert make("restore", "postgresql://x/y").returncode != 0
    assert make("backup", "sqlite:///db.sqlite3", BACKUP=tmp_path / "x.dump").returncode != 0
