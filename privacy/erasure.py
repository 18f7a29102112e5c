"""The shredder: erasure of former members, three years after they resigned or when an
erasure request is approved (GDPR Art. 17), leaving no trace but an `ErasureRecord`.

What goes, for each member:
- the member row and every row that belongs to it (positions, benefits, reservations,
  previous memberships, orders, consents, invitations, pending e-mail changes, the
  record of each message sent to the member (`MessageRecipient`; a message's text is
  kept once, with no person in it), and any later model with a foreign key to Member:
  found from the model graph, not a list);
- every simple-history copy of the member and of those rows (simple-history keeps full
  copies, so deleting the rows alone would leave the data in the history tables);
- access-log rows naming the member, admin log entries about it; and, in other rows of
  the access log, any filter or search value that names the member (an export filtered
  by the surname), and admin log entries whose text names the member (its e-mail
  address, its login's e-mail addresses and authenticators);
- the member's login and its e-mail addresses and authenticators (a login that itself
  appears as the actor in the access log is anonymised instead, so other members'
  access logs stay complete), and every history row about the login (its access grants,
  whose notes may name the person), including the rows the deletion itself would write;
- personal details of the member's privacy requests (the request itself stays, without
  them, as the record of what was asked and done).

What stays, without a person: payments as amounts for the books (no member, KID or
reference); disclosures as the log of what was shared (recipient, fields, event, time,
member number; the payload emptied). Every recipient that had the member gets an
`erased` event through the outbox (GDPR Art. 19).

Members are erased in small batches, each batch one committed transaction, so even
100,000 erasures never hold locks for long, and a purge killed halfway resumes where it
stopped: a member erased once is gone, so the next run (or a second run) only finds the
rest. `purge_run` holds a lock so that two workers never purge at once, and stops after
a time budget, leaving the rest to the next run it enqueues.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from members.models import Member, MemberStatus, Payment

from . import erasure_text, sessions
from .models import (
    AccessLog,
    DataSubjectRequest,
    Disclosure,
    DisclosureEvent,
    DisclosureStatus,
    ErasureRecord,
    Recipient,
    RequestKind,
    RequestStatus,
)
from .outbox import enqueue_delivery
from .partners.mailchimp import subscriber_hash

logger = logging.getLogger(__name__)

RETENTION = relativedelta(years=3)
# Small: each batch is one short transaction, and what a killed purge loses is one batch.
BATCH_SIZE = 100
# Key of the PostgreSQL advisory lock that lets only one purge run at a time.
PURGE_LOCK_KEY = 0x5E77E7

REASON_RETENTION = "resigned_over_3_years"
REASON_REQUEST = "erasure_request"


def erasure_cutoff(today: dt.date) -> dt.date:
    """Return the last resignation date that is *more than* three years before `today`.

    Three years after 29 February is 28 February (relativedelta clamps), so a member who
    resigned on 29 February 2024 is erased from 1 March 2027, like one who resigned on
    28 February 2024."""
    day = today - RETENTION
    while day + RETENTION >= today:
        day -= dt.timedelta(days=1)
    return day


def _approved_requests():
    return DataSubjectRequest.objects.filter(
        kind=RequestKind.ERASURE, status=RequestStatus.APPROVED, member__isnull=False
    )


def due_for_erasure(today: dt.date | None = None):
    """Members to erase today: resigned more than three years ago, or with an approved
    erasure request. Never an active member (which includes one who rejoined)."""
    today = today or timezone.localdate()
    expired = Q(resigned_on__isnull=False, resigned_on__lte=erasure_cutoff(today))
    requested = Q(pk__in=_approved_requests().values("member_id"))
    return Member.objects.exclude(status=MemberStatus.ACTIVE).filter(expired | requested)


@dataclass(frozen=True)
class Planned:
    member_id: int
    member_number: int
    reason: str


def plan(today: dt.date | None = None, *, after_id: int = 0, limit: int | None = None):
    """Return who would be erased and why, in member id order (for the dry run)."""
    today = today or timezone.localdate()
    requested = set(_approved_requests().values_list("member_id", flat=True))
    rows = (
        due_for_erasure(today)
        .filter(pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", "member_number")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        Planned(pk, number, REASON_REQUEST if pk in requested else REASON_RETENTION)
        for pk, number in rows
    ]


def iter_plan(today: dt.date | None = None, *, batch_size: int = BATCH_SIZE) -> Iterator[Planned]:
    after = 0
    while batch := plan(today, after_id=after, limit=batch_size):
        yield from batch
        after = batch[-1].member_id


def purge_expired_members(
    today: dt.date | None = None, *, batch_size: int = BATCH_SIZE, progress=None
) -> list[ErasureRecord]:
    """Erase everyone due, `batch_size` members per transaction. Returns the records
    written (empty when nobody is due, e.g. on a second run)."""
    today = today or timezone.localdate()
    records: list[ErasureRecord] = []
    after = 0
    while batch := plan(today, after_id=after, limit=batch_size):
        after = batch[-1].member_id
        written = _erase_batch({p.member_id: p.reason for p in batch}, today=today, check=True)
        records += written
        if progress is not None:
            progress(len(batch))
    return records


@dataclass
class PurgeRun:
    records: list[ErasureRecord]
    # False when the time budget ran out with members still due.
    finished: bool = True
    # True when another purge holds the lock (this run did nothing).
    locked_out: bool = False


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: one process (development)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [PURGE_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _unlock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PURGE_LOCK_KEY])


def purge_run(
    today: dt.date | None = None, *, batch_size: int = BATCH_SIZE, time_budget: float | None = None
) -> PurgeRun:
    """Erase who is due, in committed batches, under a lock (a session lock: it goes
    away with the connection if the worker is killed). Stops after `time_budget`
    seconds; `finished` tells whether anybody is left."""
    if not _try_lock():
        logger.info("Another purge is running; this one does nothing.")
        return PurgeRun([], finished=True, locked_out=True)
    started = time.monotonic()
    run = PurgeRun([])
    try:
        today = today or timezone.localdate()
        after = 0
        while batch := plan(today, after_id=after, limit=batch_size):
            after = batch[-1].member_id
            run.records += _erase_batch(
                {p.member_id: p.reason for p in batch}, today=today, check=True
            )
            if time_budget is not None and time.monotonic() - started > time_budget:
                run.finished = not plan(today, after_id=after, limit=1)
                break
    finally:
        _unlock()
    return run


def erase_member(*, member: Member, reason: str, today: dt.date | None = None) -> ErasureRecord:
    """Erase one member now (staff, on an approved request). Returns the proof.

    Refuses an active member: a member must have left before being erased."""
    if member.status == MemberStatus.ACTIVE:
        raise ValueError("An active member cannot be erased.")
    records = _erase_batch({member.pk: reason}, today=today or timezone.localdate(), check=False)
    if not records:
        existing = ErasureRecord.objects.filter(member_number=member.member_number).first()
        if existing is None:
            raise ValueError("The member could not be erased (it became active again).")
        return existing
    return records[0]


# --- The batch -----------------------------------------------------------------------


def _history_model(model: type[models.Model]) -> type[models.Model] | None:
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute).model if attribute else None


def _is_historical(model: type[models.Model]) -> bool:
    return hasattr(model, "instance_type")


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _count_by(queryset, key: str) -> dict[int, int]:
    return {
        row[key]: row["n"]
        for row in queryset.order_by().values(key).annotate(n=Count("pk")).values(key, "n")
    }


def _delete_quietly(queryset) -> int:
    """Delete without Django's delete signals, so simple-history does not write one more
    full copy ("-" record) of every row we are erasing. Safe only for rows nothing else
    points to; callers handle dependents first."""
    return queryset._raw_delete(queryset.db)


def _reverse_relations(model: type[models.Model]):
    """Every foreign key pointing at `model`, including hidden ones (related_name="+",
    which is how simple-history's tables point at the models they copy)."""
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


def _has_dependents(model: type[models.Model]) -> bool:
    return any(
        not _is_historical(rel.related_model)
        for rel in _reverse_relations(model)
        if rel.on_delete is not models.DO_NOTHING
    )


def _erase_batch(reasons: dict[int, str], *, today: dt.date, check: bool) -> list[ErasureRecord]:
    with transaction.atomic():
        members = Member.objects.select_for_update().filter(pk__in=list(reasons))
        members = members.exclude(status=MemberStatus.ACTIVE)
        if check:
            # Re-checked under the lock: a member who rejoined meanwhile is not erased.
            members = members.filter(pk__in=due_for_erasure(today).values("pk"))
        rows = list(members.order_by("pk").values_list("pk", "member_number", "email", "user_id"))
        if not rows:
            return []
        ids = [pk for pk, *_ in rows]
        numbers = {pk: number for pk, number, *_ in rows}
        emails = {pk: email for pk, _n, email, _u in rows}
        user_ids = [user_id for *_, user_id in rows if user_id]
        counts: dict[int, Counter] = defaultdict(Counter)
        names = erasure_text.identifying_names(ids)

        erased_events = _scrub_disclosures(ids, numbers, emails, counts)
        _scrub_requests(ids, counts, today)
        _anonymise_payments(ids, counts)
        for member_id in _count_by(AccessLog.objects.filter(member_id__in=ids), "member_id"):
            counts[member_id]["privacy.accesslog"] += AccessLog.objects.erase_for_member(member_id)
        erasure_text.scrub_access_log(names, counts)
        _delete_dependents(ids, counts)
        _delete_admin_log(Member, ids, counts, owner={pk: pk for pk in ids})
        erasure_text.scrub_admin_log(names, counts)
        for member_id in ids:
            counts[member_id]["members.member"] += 1
        _delete_quietly(Member.objects.filter(pk__in=ids))
        _delete_member_history(ids, counts)
        _erase_users(user_ids, {user: pk for pk, _n, _e, user in rows if user}, counts)

        Disclosure.objects.bulk_create(erased_events)
        records = ErasureRecord.objects.bulk_create(
            [
                ErasureRecord(
                    member_number=numbers[pk],
                    erased_on=today,
                    reason=reasons[pk],
                    counts=dict(sorted(counts[pk].items())),
                )
                for pk in ids
            ]
        )
        if erased_events:
            event_ids = [d.event_id for d in erased_events]
            pks = list(
                Disclosure.objects.filter(event_id__in=event_ids).values_list("pk", flat=True)
            )
            transaction.on_commit(partial(enqueue_delivery, pks))
    logger.info("Erased %d member(s).", len(records))
    return records


def _scrub_disclosures(
    ids: list[int], numbers: dict[int, int], emails: dict[int, str], counts
) -> list[Disclosure]:
    """Empty the payloads of what was shared, drop what never went out, and return the
    unsaved `erased` events for every recipient that had (or may have had) the member."""
    by_number = {number: pk for pk, number in numbers.items()}
    # Blocking lock: a worker sending one of these rows right now finishes first.
    shared = list(
        Disclosure.objects.select_for_update()
        .filter(Q(member_id__in=ids) | Q(member_number__in=list(by_number)))
        .order_by("pk")
        .values_list("pk", "member_number", "recipient_id", "status", "payload", "next_attempt_at")
    )
    mailchimp = Recipient.objects.filter(slug="mailchimp").values_list("pk", flat=True).first()
    recipients: dict[int, set[int]] = defaultdict(set)
    known_hash: dict[int, str] = {}
    unsent = []
    # A row a worker is sending right now (its lease): the erased event goes after it.
    in_flight: dict[int, dt.datetime] = {}
    for pk, number, recipient_id, status, payload, lease in shared:
        member_id = by_number.get(number)
        if member_id is None:
            continue
        recipients[member_id].add(recipient_id)
        if recipient_id == mailchimp and payload.get("subscriber_hash"):
            # The address Mailchimp knows (the latest sent); used to delete it there.
            known_hash[member_id] = payload["subscriber_hash"]
        if status != DisclosureStatus.SENT:
            unsent.append(pk)
        if status == DisclosureStatus.SENDING:
            in_flight[member_id] = max(lease, in_flight.get(member_id, lease))
    if unsent:
        # Never confirmed delivered: not part of the log; the erased event covers the
        # case where the partner got one but the answer was lost.
        Disclosure.objects.filter(pk__in=unsent).delete()
    unsent_set = set(unsent)
    scrubbed = Disclosure.objects.filter(
        pk__in=[row[0] for row in shared if row[0] not in unsent_set]
    )
    scrubbed_counts = _count_by(scrubbed, "member_number")
    scrubbed.update(member=None, payload={}, last_error="")
    for number, n in scrubbed_counts.items():
        counts[by_number[number]]["privacy.disclosure(scrubbed)"] += n

    now = timezone.now()
    events = []
    for member_id, recipient_ids in recipients.items():
        for recipient_id in sorted(recipient_ids):
            erased: dict = {"member_number": numbers[member_id]}
            if recipient_id == mailchimp:
                fallback = subscriber_hash(emails[member_id]) if emails[member_id] else ""
                erased["subscriber_hash"] = known_hash.get(member_id, fallback)
            events.append(
                Disclosure(
                    recipient_id=recipient_id,
                    member=None,
                    member_number=numbers[member_id],
                    event=DisclosureEvent.ERASED,
                    fields=["member_number"],
                    payload=erased,
                    created_at=now,
                    next_attempt_at=max(now, in_flight.get(member_id, now)),
                )
            )
        counts[member_id]["privacy.disclosure(erased_event)"] += len(recipient_ids)
    return events


def _scrub_requests(ids: list[int], counts, today: dt.date) -> None:
    requests = DataSubjectRequest.objects.filter(member_id__in=ids)
    for member_id, n in _count_by(requests, "member_id").items():
        counts[member_id]["privacy.datasubjectrequest(scrubbed)"] += n
    requests.filter(member_number__isnull=True).update(
        member_number=Subquery(
            Member.objects.filter(pk=OuterRef("member_id")).values("member_number")[:1]
        )
    )
    requests.filter(kind=RequestKind.ERASURE, status=RequestStatus.APPROVED).update(
        status=RequestStatus.COMPLETED, completed_at=timezone.now()
    )
    requests.update(member=None, details="", payload={}, notes="")


def _anonymise_payments(ids: list[int], counts) -> None:
    payments = Payment.objects.filter(member_id__in=ids)
    for member_id, n in _count_by(payments, "member_id").items():
        counts[member_id]["members.payment(anonymised)"] += n
    payments.update(member=None, kid="", reference="")


def _delete_admin_log(model, object_ids: Iterable[int], counts, *, owner: dict[int, int]) -> None:
    keys = [str(pk) for pk in object_ids]
    if not keys:
        return
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=keys
    )
    for object_id in entries.values_list("object_id", flat=True):
        counts[owner[int(str(object_id))]]["admin.logentry"] += 1
    entries.delete()


def _delete_dependents(ids: list[int], counts) -> None:
    """Every other model pointing at Member, as its on_delete says: delete the rows
    that belong to the member (and their history), detach the rest."""
    handled = {AccessLog, Disclosure, DataSubjectRequest, Payment}
    for relation in _reverse_relations(Member):
        model = relation.related_model
        field = relation.field
        if model in handled or _is_historical(model) or field.many_to_many:
            continue
        rows = model._base_manager.filter(**{f"{field.attname}__in": ids})
        on_delete = relation.on_delete
        if on_delete is models.CASCADE:
            owner = dict(rows.values_list("pk", field.attname))
            if not owner:
                continue
            for member_id in owner.values():
                counts[member_id][_label(model)] += 1
            _delete_admin_log(model, owner, counts, owner=owner)
            history = _history_model(model)
            if _has_dependents(model):
                rows.delete()
            else:
                _delete_quietly(rows)
            if history is not None:
                # History rows of these objects, by object id (also rows from before
                # the object was moved to this member, which the FK would miss).
                _delete_history(history, Q(id__in=list(owner)), owner, counts, "id")
        elif on_delete is models.SET_NULL or (model is Member and field.name == "recruited_by"):
            rows.update(**{field.name: None})
        elif on_delete is models.PROTECT:
            raise RuntimeError(f"{_label(model)} protects members; teach the shredder about it.")


def _delete_history(history, condition: Q, owner: dict[int, int], counts, key: str) -> None:
    rows = history.objects.filter(condition)
    for object_id, n in _count_by(rows, key).items():
        if object_id in owner:
            counts[owner[object_id]][_label(history)] += n
    rows.delete()


def _delete_member_history(ids: list[int], counts) -> None:
    """Delete every history copy of the member and of rows that pointed at it."""
    member_history = _history_model(Member)
    assert member_history is not None  # Member has simple-history.
    for member_id, n in _count_by(member_history._default_manager.filter(id__in=ids), "id").items():
        counts[member_id][_label(member_history)] += n
    member_history._default_manager.filter(id__in=ids).delete()
    for relation in _reverse_relations(Member):
        model = relation.related_model
        if not _is_historical(model):
            continue
        attname = relation.field.attname
        rows = model.objects.filter(**{f"{attname}__in": ids})
        if model.instance_type is Member:
            # Other members' history (e.g. recruited by the erased member): detach.
            rows.update(**{attname: None})
            continue
        for member_id, n in _count_by(rows, attname).items():
            counts[member_id][_label(model)] += n
        rows.delete()


def _erase_users(user_ids: list[int], member_of: dict[int, int], counts) -> None:
    """Delete the members' logins; one that appears as the actor in the access log (a
    former officer) is anonymised instead, so other members' logs stay whole."""
    if not user_ids:
        return
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    User = get_user_model()
    for user_id, n in _count_by(
        EmailAddress.objects.filter(user_id__in=user_ids), "user_id"
    ).items():
        counts[member_of[user_id]]["account.emailaddress"] += n
    actors = set(
        AccessLog.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True).distinct()
    )
    keep = [pk for pk in user_ids if pk in actors]
    drop = [pk for pk in user_ids if pk not in actors]
    # A session of hers holds the e-mail of a password login; allauth's record of it her
    # IP address and browser. Ended before the login goes (the records would cascade,
    # the sessions themselves would not).
    for user_id, n in sessions.end_sessions_of(user_ids).items():
        counts[member_of[user_id]]["sessions.session"] += n
    for model in (EmailAddress, Authenticator):
        owner = {
            pk: member_of[user_id]
            for pk, user_id in model.objects.filter(user_id__in=user_ids).values_list(
                "pk", "user_id"
            )
        }
        _delete_admin_log(model, owner, counts, owner=owner)
    if keep:
        EmailAddress.objects.filter(user_id__in=keep).delete()
        Authenticator.objects.filter(user_id__in=keep).delete()
        for user in User.objects.filter(pk__in=keep):
            user.username = f"slettet-{user.pk}"
            user.email = ""
            user.first_name = ""
            user.last_name = ""
            user.is_active = False
            user.is_staff = False
            user.is_superuser = False
            user.set_unusable_password()
            user.save()
            user.access_grants.all().delete()
            counts[member_of[user.pk]]["auth.user(anonymised)"] += 1
    _delete_admin_log(User, user_ids, counts, owner=member_of)
    if drop:
        User.objects.filter(pk__in=drop).delete()
        for user_id in drop:
            counts[member_of[user_id]]["auth.user"] += 1
    _delete_user_history(user_ids, member_of, counts)


def _delete_user_history(user_ids: list[int], member_of: dict[int, int], counts) -> None:
    """Delete every history row about the logins (access grants and anything else that
    points at a user with simple-history), including the deletion rows just written."""
    User = get_user_model()
    for model in apps.get_models():
        if not _is_historical(model):
            continue
        for field in model._meta.concrete_fields:
            if field.name == "history_user" or not field.is_relation:
                continue
            if field.related_model is not User:
                continue
            rows = model._default_manager.filter(**{f"{field.attname}__in": user_ids})
            for user_id, n in _count_by(rows, field.attname).items():
                counts[member_of[user_id]][_label(model)] += n
            rows.delete()
