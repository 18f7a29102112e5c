"""Read queries that every request makes, compiled by the ORM once and then reused.

Building a queryset and compiling it to SQL costs the ORM 0.4–3 ms of Python per query
on this project's machines (a 2-core server): several times what PostgreSQL needs to
answer the index lookups that run on every page (the session, the user, the access
grants) and on the busiest officer pages. `PreparedQuery` keeps the ORM as the one
author of the SQL (so `AccessGrant.objects.active()` and `Member.objects.visible_to()`
stay the only definitions of an active grant and of who sees whom), but runs the
build and the compilation once per process, thread and *shape* of the arguments, and
afterwards only binds new values and runs the statement.

How: the build function is called with stand-in values (markers), one per argument
and per element of a list argument; the compiled statement's parameters are then
searched for the markers, and every later call puts its own values where the markers
were. What changes the SQL itself is part of the shape: the length of a list
(`IN (%s, %s)`), a bool, a None. So the build function must be a pure function of its
arguments: a value it reads from anywhere else (today's date, a setting) would be
frozen into the statement, which is why the callers pass `today` in. Nor may it branch
on a value (`if status:`): a marker is never empty or zero, so pass None for "no
filter". Each plan is compiled twice with different markers and refused if the ORM
computed anything from an argument (a LIKE pattern, the bounds of `__year`).

PostgreSQL only (the project's production database). Elsewhere, and for an argument
type this module cannot stand in for, the queryset is simply built and run each time,
with the same result.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
)

# Distinct stand-ins per type. A marker must come through the ORM's value preparation
# unchanged; one that does not (a LIKE pattern, a string upper-cased for a lookup)
# makes the build fail loudly instead of running wrong SQL. Integers must fit the
# smallest integer column (Django turns an out-of-range value into "finds nothing"),
# and the two compilations of a plan use two ranges (offset below), so that a
# constant of the query that happens to equal a marker shows up as a difference.
_INT_BASE = 20_000
_DATE_BASE = dt.date(1001, 1, 1)
_DATETIME_BASE = dt.datetime(1001, 1, 1, tzinfo=dt.UTC)
SCALARS = (int, str, dt.date, dt.datetime)
# Plans kept per query and thread; past this the oldest is dropped (the roster has a
# plan per sort order and filter combination in use).
MAX_PLANS = 256
# The second set of markers starts here; a shape has at most this many values.
SECOND_OFFSET = 6_000


def _marker(kind: type, n: int):
    if kind is int:
        return _INT_BASE + n
    if kind is str:
        return f"\u2063prepared-marker-{n}\u2063"
    if kind is dt.date:
        return _DATE_BASE + dt.timedelta(days=n)
    return _DATETIME_BASE + dt.timedelta(seconds=n)


def _shape(args: Sequence[Any]) -> tuple | None:
    """What the SQL depends on besides the values: per argument its type, a list's
    length and element type, or the value itself for a bool or None. None when an
    argument cannot be stood in for."""
    shape: list = []
    for arg in args:
        if arg is None or type(arg) is bool:
            shape.append(("value", arg))
        elif type(arg) is dt.datetime and arg.tzinfo is None:
            return None  # the ORM reads a naive time in the current time zone
        elif type(arg) in SCALARS:
            shape.append(("scalar", type(arg)))
        elif type(arg) is tuple:
            kinds = {type(item) for item in arg}
            if len(kinds) > 1 or not kinds <= set(SCALARS) or len(arg) > SECOND_OFFSET // 2:
                return None
            if any(type(item) is dt.datetime and item.tzinfo is None for item in arg):
                return None
            shape.append(("tuple", len(arg), kinds.pop() if kinds else None))
        else:
            return None
    return tuple(shape)


@dataclass(frozen=True)
class _Plan:
    alias: str
    sql: str | None  # None: the query can find nothing (an empty IN list)
    slots: tuple  # per parameter, see _slot
    compiler: Any
    converters: dict
    rows: Callable[[list], list]


class PreparedQuery:
    """`PreparedQuery(build)(*args)` returns what `list(build(*args))` would: model
    instances, `values()` dicts, `values_list()` tuples or flat values.

    Arguments: int, str, date, aware datetime, bool, None, or a tuple of one of the
    first four (pass ids as a sorted tuple). Plain model querysets, `values()` and
    `values_list()` are supported; `select_related`, `only()`/`defer()` and annotated
    model instances are not (the build fails with ImproperlyConfigured)."""

    def __init__(self, build: Callable[..., QuerySet], *, count: bool = False):
        """`count=True`: the query returns how many rows `build` finds (as
        `QuerySet.count()`), counted by PostgreSQL over the compiled statement."""
        self.build = build
        self.count = count
        self._local = threading.local()

    def _unprepared(self, args, structure, window=None):
        return self._evaluate(self.build(*args, **structure), window)

    def _evaluate(self, queryset: QuerySet, window):
        """What a call returns, from the queryset the ORM built for its values."""
        if self.count:
            return queryset.count()
        return list(queryset[window[0] : window[1]] if window else queryset)

    def __call__(self, *args, window: tuple[int, int] | None = None, **structure) -> Any:
        """Run the query for `args` (values: bound as parameters). `window=(start,
        stop)` returns that slice (a page), bound as LIMIT and OFFSET. Other keyword
        arguments are `structure`: they change the SQL itself (a sort order, a filter
        that is on or off), are passed to the build function as they are, and each
        combination gets a plan of its own."""
        shape = _shape(args)
        if shape is None:
            return self._unprepared(args, structure, window)
        key = (shape, tuple(sorted(structure.items())))
        plans = getattr(self._local, "plans", None)
        if plans is None:
            plans = self._local.plans = {}
        plan = plans.get(key)
        if plan is None:
            queryset = self.build(*args, **structure)
            if connections[queryset.db].vendor != "postgresql":
                return self._evaluate(queryset, window)
            if len(plans) >= MAX_PLANS:
                plans.pop(next(iter(plans)))  # the oldest: structure is a bounded set
            plan = plans[key] = self._compile(shape, structure)
        if plan.sql is None:
            return plan.rows([])
        params = [_bind(slot, args) for slot in plan.slots]
        sql = plan.sql
        if window is not None and not self.count:
            start, stop = window
            if stop <= start:
                return plan.rows([])
            # The ORM's statement ends with its ORDER BY: a slice of it, as `qs[a:b]`.
            sql = f"{sql} LIMIT %s OFFSET %s"
            params += [stop - start, start]
        with connections[plan.alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if plan.converters:
            rows = list(plan.compiler.apply_converters(rows, plan.converters))
        return plan.rows(rows)

    def _compile(self, shape: tuple, structure: dict) -> _Plan:
        """Build and compile the query twice, with two different sets of markers: the
        statements must be the same text, and each parameter either the same constant
        in both or the same argument's markers. Anything else means the ORM computed
        something from an argument (a LIKE pattern, the bounds of `__year`), which a
        plan cannot redo: ImproperlyConfigured. An argument found in neither is unused
        by this shape of the query (a filter that is off)."""
        first = self._stand_in_compile(shape, structure, offset=0)
        second = self._stand_in_compile(shape, structure, offset=SECOND_OFFSET)
        if first is None or second is None:
            if (first is None) != (second is None):
                raise ImproperlyConfigured(f"{self.build.__qualname__}: unstable build")
            counting = self.count
            return _Plan("default", None, (), None, {}, lambda rows: 0 if counting else [])
        queryset, compiler, sql, slots = first
        if sql != second[2] or slots != second[3]:
            raise ImproperlyConfigured(
                f"{self.build.__qualname__}: the ORM changed an argument on its way into "
                "the SQL (a pattern or a computed value): run this query unprepared"
            )
        if self.count:
            # What Django itself does for a count it cannot flatten; PostgreSQL plans
            # the subquery away for a plain filter.
            sql = f"SELECT COUNT(*) FROM ({sql}) AS prepared_count"  # noqa: S608 - the ORM's SQL
            return _Plan(queryset.db, sql, tuple(slots), compiler, {}, lambda rows: rows[0][0])
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        return _Plan(
            alias=queryset.db,
            sql=sql,
            slots=tuple(slots),
            compiler=compiler,
            converters=compiler.get_converters(fields),
            rows=_row_maker(queryset, compiler),
        )

    def _stand_in_compile(self, shape: tuple, structure: dict, *, offset: int):
        """(queryset, compiler, sql, slots) of the query built with markers, or None
        when it can find nothing (an empty IN list)."""
        markers: dict[tuple[type, Any], tuple[int, int | None]] = {}
        stand_ins: list = []
        n = offset
        for index, (kind, *rest) in enumerate(shape):
            if kind == "value":
                stand_ins.append(rest[0])
            elif kind == "scalar":
                value = _marker(rest[0], n)
                n += 1
                markers[rest[0], value] = (index, None)
                stand_ins.append(value)
            else:
                length, item_kind = rest
                items = []
                for item in range(length):
                    value = _marker(item_kind, n)
                    n += 1
                    markers[item_kind, value] = (index, item)
                    items.append(value)
                stand_ins.append(tuple(items))
        queryset = self.build(*stand_ins, **structure)
        if self.count and not queryset.query.is_sliced:
            queryset = queryset.order_by()  # as QuerySet.count(): the order cannot matter
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        slots = tuple(_slot(param, markers) for param in params)
        return queryset, compiler, sql, slots


def _slot(param, markers: dict) -> tuple:
    """What a compiled statement's parameter is: (None, constant, None), or (argument
    index, item index or None, the type the ORM wrapped the value in or None). Django's
    psycopg backend passes integers of non-key columns as psycopg's Int2/Int4/Int8."""
    if isinstance(param, int) and type(param) is not bool:
        where = markers.get((int, int(param)))
        if where is not None:
            return (*where, None if type(param) is int else type(param))
        return (None, param, None)
    if type(param) in SCALARS:
        where = markers.get((type(param), param))
        if where is not None:
            return (*where, None)
    return (None, param, None)


def _bind(slot: tuple, args: tuple):
    index, item, cast = slot
    if index is None:
        return item  # a constant of the statement
    value = args[index] if item is None else args[index][item]
    return value if cast is None else cast(value)


def _row_maker(queryset: QuerySet, compiler) -> Callable[[list], list]:
    """How the queryset's own iterable turns rows into results, for the cases used."""
    query = queryset.query
    iterable = queryset._iterable_class
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    if iterable is ValuesIterable:
        return lambda rows: [dict(zip(names, row, strict=False)) for row in rows]
    if iterable in (ValuesListIterable, FlatValuesListIterable):
        if list(queryset._fields or names) != names:
            raise ImproperlyConfigured("values_list() with annotations is not prepared")
        if iterable is FlatValuesListIterable:
            return lambda rows: [row[0] for row in rows]
        return lambda rows: [tuple(row) for row in rows]
    if iterable is ModelIterable:
        info = compiler.klass_info
        plain = not (info.get("related_klass_infos") or compiler.annotation_col_map)
        if not plain or query.deferred_loading[0]:
            raise ImproperlyConfigured("only plain model querysets are prepared")
        model = info["model"]
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        attnames = [column[0].target.attname for column in compiler.select[start:end]]
        db = queryset.db
        return lambda rows: [model.from_db(db, attnames, row[start:end]) for row in rows]
    raise ImproperlyConfigured(f"{iterable.__name__} is not prepared")
