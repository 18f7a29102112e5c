"""The dashboard's aggregates kept in the shared cache (Redis) for a few minutes.

What is cached is the rows the `Dashboard` queries return (its cached properties), never
a rendered page: the page, the htmx fragment and the CSV downloads are built from them
per request, in the reader's language, with the "<5" suppression applied on the way out
exactly as for live rows.

The key is the statistics scope and the filters, never the user: two officers of the
same branch share an entry, all central staff share theirs, and a branch scope can never
read a central entry (or another branch's) because the scope is part of the key. It also
holds a generation that the nightly snapshot replaces, so the figures computed before a
snapshot are not shown after it. The page says when its figures were computed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .filters import Filters, StatsScope

logger = logging.getLogger(__name__)

# The Dashboard's cached properties that run a query; `branches` is passed in by the
# view (it builds the filter form from it) and is not cached here.
AGGREGATES = (
    "composition",
    "clubs",
    "joins",
    "resignations",
    "recruiters",
    "dues",
    "rates",
    "arrears_rows",
    "history_rows",
    "club_rows",
    "position_holders",
)
GENERATION_KEY = "stats:generation"


def seconds() -> int:
    return int(getattr(settings, "STATS_CACHE_SECONDS", 300))


def scope_key(scope: StatsScope) -> str:
    if scope.central:
        return "central"
    return "branches-" + "-".join(str(pk) for pk in sorted(scope.branch_ids))


def filters_key(filters: Filters) -> str:
    return (
        f"{filters.today:%Y%m%d}:{filters.months}:"
        f"{filters.branch_id or 0}:{filters.membership_type or '-'}"
    )


def key_for(scope: StatsScope, filters: Filters) -> str:
    generation = cache.get(GENERATION_KEY) or "0"
    return f"stats:v1:{generation}:{scope_key(scope)}:{filters_key(filters)}"


def invalidate() -> None:
    """Make every cached dashboard unreachable (the nightly snapshot changed figures)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def load(board) -> None:
    """Fill `board` with the cached aggregates of its scope and filters, if any, and
    set `board.computed_at` (when the figures it will show were computed)."""
    board.cache_key = None
    board.cached_names = frozenset()
    board.computed_at = timezone.now()
    if seconds() <= 0:
        return
    try:
        board.cache_key = key_for(board.scope, board.filters)
        entry = cache.get(board.cache_key)
    except Exception:  # the cache is an optimisation: never a reason for an error page
        logger.warning("statistics cache unreadable", exc_info=True)
        board.cache_key = None
        return
    if not entry:
        return
    rows = {name: value for name, value in entry["rows"].items() if name in AGGREGATES}
    board.__dict__.update(rows)
    board.cached_names = frozenset(rows)
    board.computed_at = entry["at"]


def store(board) -> None:
    """Save what `board` computed that the cache did not have yet. The entry keeps the
    time of its oldest figures and expires `seconds()` after that time."""
    key = getattr(board, "cache_key", None)
    if key is None:
        return
    rows = {name: board.__dict__[name] for name in AGGREGATES if name in board.__dict__}
    if not rows or set(rows) <= board.cached_names:
        return
    at: dt.datetime = board.computed_at
    left = seconds() - int((timezone.now() - at).total_seconds())
    if left <= 0:
        return
    try:
        cache.set(key, {"at": at, "rows": rows}, left)
    except Exception:
        logger.warning("statistics cache not written", exc_info=True)
