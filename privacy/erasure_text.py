"""The shredder's part for free text: rows that are not the member's own but may name
the member in words, such as an export filtered by the surname in the access log or an
admin log entry about the member's e-mail address. Values are matched as whole words,
case-insensitively, against the member's names, addresses, phone and member number."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from members.models import Member

from .models import AccessLog

SCRUBBED = "[slettet]"


def identifying_names(ids: list[int]) -> dict[int, list[str]]:
    """Per member, the strings that name them in free text: names, e-mail addresses
    (the member's and its login's), phone, member number."""
    from allauth.account.models import EmailAddress

    names: dict[int, list[str]] = {}
    user_of: dict[int, int] = {}
    fields = ("pk", "first_name", "last_name", "email", "phone", "member_number", "user_id")
    for pk, first, last, email, phone, number, user_id in Member.objects.filter(
        pk__in=ids
    ).values_list(*fields):
        found = [f"{first} {last}".strip(), first, last, email, phone, str(number)]
        names[pk] = found
        if user_id:
            user_of[user_id] = pk
    for user_id, email in EmailAddress.objects.filter(user_id__in=list(user_of)).values_list(
        "user_id", "email"
    ):
        names[user_of[user_id]].append(email)
    User = get_user_model()
    for user_id, email in User.objects.filter(pk__in=list(user_of)).values_list("pk", "email"):
        names[user_of[user_id]].append(email)
    # Too short to name anyone (and would match inside other words).
    return {pk: sorted({n for n in found if n and len(n) >= 3}) for pk, found in names.items()}


def _pattern(names: Iterable[str]) -> re.Pattern | None:
    names = sorted(set(names), key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.I)


def _scrubbed(value, pattern: re.Pattern):
    """Return the JSON value with every string that names the member replaced."""
    if isinstance(value, str):
        return SCRUBBED if pattern.search(value) else value
    if isinstance(value, list):
        return [_scrubbed(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, pattern) for key, item in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return SCRUBBED if pattern.search(str(value)) else value
    return value


def _mentioning(queryset, field: str, names: list[str]):
    """Rows whose `field` (text or JSON) may contain one of the names. On PostgreSQL a
    case-insensitive match narrows the rows down; elsewhere (SQLite, where JSON text
    escapes non-ASCII letters) every row is checked in Python."""
    if connection.vendor != "postgresql":
        return queryset
    text = Cast(field, TextField()) if field == "detail" else None
    if text is not None:
        queryset = queryset.annotate(_text=text)
        field = "_text"
    condition = Q()
    for name in names:
        condition |= Q(**{f"{field}__icontains": name})
    return queryset.filter(condition)


def scrub_access_log(names: dict[int, list[str]], counts) -> None:
    """Replace the filter and search values in other access-log rows that name one of
    the members (the rows stay: who looked, when, how; not at whom by name)."""
    everyone = [n for found in names.values() for n in found]
    pattern = _pattern(everyone)
    if pattern is None:
        return
    patterns = {pk: _pattern(found) for pk, found in names.items()}
    rows = _mentioning(AccessLog.objects.exclude(detail={}), "detail", everyone)
    changed: dict[int, dict] = {}
    for pk, detail in rows.values_list("pk", "detail").iterator():
        scrubbed = _scrubbed(detail, pattern)
        if scrubbed != detail:
            changed[pk] = scrubbed
            for member_id, own in patterns.items():
                if own is not None and own.search(str(detail)):
                    counts[member_id]["privacy.accesslog(scrubbed)"] += 1
    AccessLog.objects.scrub_details(changed)


def scrub_admin_log(names: dict[int, list[str]], counts) -> None:
    """Delete admin log entries whose object (its text) names a member; scrub the
    change messages of other entries that name one."""
    for member_id, found in names.items():
        pattern = _pattern(found)
        if pattern is None:
            continue
        entries = _mentioning(LogEntry.objects.all(), "object_repr", found)
        doomed = [
            pk for pk, text in entries.values_list("pk", "object_repr") if pattern.search(text)
        ]
        if doomed:
            counts[member_id]["admin.logentry"] += len(doomed)
            LogEntry.objects.filter(pk__in=doomed).delete()
        messages = _mentioning(LogEntry.objects.all(), "change_message", found)
        for pk, text in messages.values_list("pk", "change_message"):
            if pattern.search(text):
                LogEntry.objects.filter(pk=pk).update(change_message=pattern.sub(SCRUBBED, text))
