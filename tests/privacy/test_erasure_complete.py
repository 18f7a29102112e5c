"""Erasure leaves nothing in free text either (access-log filters, admin log entries
about the login's addresses, access-grant history), and a purge resumes in small
committed batches under a lock, within a time budget."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from clubs.models import AccessGrant
from members.models import Member
from privacy import erasure
from privacy.models import AccessAction, AccessLog, ErasureRecord
from tests.factories import AccessGrantFactory, MemberFactory, UserFactory
from tests.privacy.test_erasure import TODAY, leftovers, resigned, rich_member  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(rich_member):  # noqa: F811
    """Every corner the first shredder missed, planted for the whole-database scan."""
    member = rich_member
    officer = UserFactory(email="tillitsvalgt@example.org")
    bystander = MemberFactory(first_name="Bjarne", last_name="Bystander")
    # An export filtered by her surname, and a search by her e-mail address.
    export = AccessLog.objects.create(
        user=officer,
        action=AccessAction.EXPORT,
        view="roster_export",
        detail={"q": "tveitkverna", "club": 3, "format": "xlsx"},
    )
    search = AccessLog.objects.create(
        user=officer,
        member=bystander,
        action=AccessAction.SEARCH,
        detail={"filters": {"email": member.email, "status": ["resigned"]}},
    )
    unrelated = AccessLog.objects.create(
        user=officer, action=AccessAction.EXPORT, detail={"q": "Bystander"}
    )
    # Admin log entries about her login's e-mail address and authenticator.
    address = EmailAddress.objects.get_or_create(
        user=member.user, email=member.email, defaults={"verified": True}
    )[0]
    authenticator = Authenticator.objects.create(
        user=member.user, type=Authenticator.Type.RECOVERY_CODES, data={}
    )
    for obj, text in (
        (address, member.email),
        (authenticator, f"Gjenopprettingskoder {member.email}"),
    ):
        LogEntry.objects.create(
            user=officer,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=text,
            action_flag=ADDITION,
        )
    LogEntry.objects.create(
        user=officer,
        content_type=ContentType.objects.get_for_model(Member),
        object_id=str(bystander.pk),
        object_repr=str(bystander),
        action_flag=CHANGE,
        change_message="Slått sammen med Ragnfrid Tveitkverna",
    )
    # She was an officer once: an access grant with a note naming her.
    grant = AccessGrantFactory(user=member.user, note="Ragnfrid Tveitkverna, vikar for klubbleder")
    grant.note = "Ragnfrid Tveitkverna, forlenget"
    grant.save()
    return {"member": member, "export": export, "search": search, "unrelated": unrelated}


def needles(member):
    return [member.first_name, member.last_name, member.email, member.phone]


def test_the_whole_database_scan_finds_nothing_of_her_after_the_purge(planted):
    member = planted["member"]
    tables = {table for table, _ in leftovers(*needles(member))}
    assert {"privacy_accesslog", "django_admin_log", "clubs_historicalaccessgrant"} <= tables

    erasure.purge_expired_members(TODAY)

    assert leftovers(*needles(member)) == []


def test_access_log_rows_stay_with_the_naming_values_scrubbed(planted):
    erasure.purge_expired_members(TODAY)

    export = AccessLog.objects.get(pk=planted["export"].pk)
    assert export.detail == {"q": "[slettet]", "club": 3, "format": "xlsx"}
    search = AccessLog.objects.get(pk=planted["search"].pk)
    assert search.detail == {"filters": {"email": "[slettet]", "status": ["resigned"]}}
    assert AccessLog.objects.get(pk=planted["unrelated"].pk).detail == {"q": "Bystander"}


def test_admin_log_entries_about_her_go_and_others_lose_only_her_name(planted):
    [record] = erasure.purge_expired_members(TODAY)

    assert not LogEntry.objects.filter(object_repr__icontains="tveitkverna").exists()
    entry = LogEntry.objects.get(object_repr__startswith="Bjarne")
    assert entry.change_message == "Slått sammen med [slettet]"
    assert record.counts["admin.logentry"] >= 3


def test_the_history_of_her_access_grants_goes_including_the_deletion_row(planted):
    user_id = planted["member"].user_id

    [record] = erasure.purge_expired_members(TODAY)

    assert not AccessGrant.objects.filter(user_id=user_id).exists()
    assert not AccessGrant.history.filter(user_id=user_id).exists()
    assert record.counts["clubs.historicalaccessgrant"] >= 2


def test_the_history_goes_when_her_login_is_kept_as_an_anonymous_actor(planted):
    member = planted["member"]
    AccessLog.objects.create(
        user=member.user, member=MemberFactory(), action=AccessAction.VIEW_CARD
    )

    erasure.purge_expired_members(TODAY)

    assert not AccessGrant.history.filter(user_id=member.user_id).exists()
    assert leftovers(*needles(member)) == []


# --- Resumable purge --------------------------------------------------------------------


def test_a_purge_out_of_time_stops_after_a_batch_and_the_next_run_resumes():
    members = [resigned() for _ in range(7)]

    first = erasure.purge_run(TODAY, batch_size=3, time_budget=0)

    assert (len(first.records), first.finished) == (3, False)
    assert Member.objects.count() == 4
    second = erasure.purge_run(TODAY, batch_size=3)
    assert (len(second.records), second.finished) == (4, True)
    assert ErasureRecord.objects.count() == len(members)
    assert erasure.purge_run(TODAY).records == []


@pytest.mark.postgres
def test_only_one_purge_runs_at_a_time(needs_postgres, django_db_blocker):
    from django.db import connections

    resigned()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [erasure.PURGE_LOCK_KEY])
        run = erasure.purge_run(TODAY)
        assert run.locked_out and run.records == []
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [erasure.PURGE_LOCK_KEY])
    finally:
        other.close()
    assert len(erasure.purge_run(TODAY).records) == 1


def test_the_task_queues_the_rest_when_its_time_is_up(settings):
    from privacy import tasks

    [resigned(resigned_on=dt.date.today() - dt.timedelta(days=3 * 366 + 1)) for _ in range(3)]
    settings.PURGE_TIME_BUDGET_SECONDS = 0
    settings.ERASURE_BATCH_SIZE = 1

    # Eager: the follow-up runs at once, so everyone is gone when the first returns.
    assert tasks.purge_expired_members.delay().get()["erased"] == 1
    assert not Member.objects.exists()
    assert ErasureRecord.objects.count() == 3
