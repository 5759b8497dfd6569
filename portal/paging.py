"""Keyset paging for the portal's lists that grow to 100,000 rows (PortalTable.configure uses it
for a table with `keyset_sorts`).

Keyset paging (a table with `keyset_sorts`): every sortable column names the keys its rows are
ordered by, the last one unique (the primary key), and an index of the model fits those keys.
A page is read as "the next per_page + 1 rows after the last row shown": the index is entered at
that row, so page 2,000 costs what page 1 costs (an OFFSET would read and skip every row before
it). The "Next" link carries the last row's keys (`after`), "Previous" the first row's (`before`);
`page` only numbers the page for the reader. A bare `?page=N` (a typed URL) still works, by
reading the keys of the rows before it, up to TYPED_PAGE_MAX_ROWS of them. A query string that is
not one the pager made (a huge or bad page number, a forged or damaged cursor) answers the first
page, as a stale cursor does: never an error. No COUNT(*) over the whole list: the page counts at most
COUNT_CAP + 1 rows and says "more than 200" beyond.
"""
from __future__ import annotations

import base64
import binascii
from contextlib import contextmanager
import datetime
import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Func, Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django_tables2.rows import BoundRows

COUNT_CAP = 200  # ten pages: the page says "more than 200 users" beyond
# Bounds on what a query string may ask. A cursor made here
# holds a sort alias and a few keys (names of at most 256 characters): far below this length.
CURSOR_MAX_LENGTH = 2048
# A typed ?page=N (no cursor) reads the keys of the rows before it: at most this many; a deeper
# typed page answers the first page, as a page past the end does. Next/Previous carry cursors and
# reach any depth.
TYPED_PAGE_MAX_ROWS = 5000
PAGE_NUMBER_MAX = 10_000_000  # past any list's last page (100,000 rows are 4,000 pages of 25)


@dataclass(frozen=True, eq=False)
class KeysetSort:
    """How one column's rows are ordered and paged.

    `keys`: what the rows are ordered by, ascending (descending reverses every key); the last key
    is unique. A key may name an annotation given in `annotations` (e.g. Lower("domainname"),
    to use an index on that expression). `nullable`: the first key, if it may be NULL.

    `groups` (grouped sort, exactly two keys: a value and the unique key): the values of the first
    key in the order they are shown: a sequence (a choice column) or the name of a provider passed
    to `configure(groups=...)` (a lookup column shown by name: the ids ordered by name). Each
    value's rows are read by the unique key, one value after another, so a small set of values
    needs no index over (value, id) for its common value: the rows of `common` are read in id
    order; the others with `rare` added, the condition of a partial index over the rare values."""

    keys: tuple[str, ...]
    annotations: dict[str, Any] = field(default_factory=dict)
    nullable: str | None = None
    groups: Sequence | str | None = None
    rare: Q | None = None
    common: Any = None


class KeysetPage:
    """The page a keyset table shows, with what the template's pager needs."""

    keyset = True

    def __init__(self, table, records: list, *, number: int | None, has_next: bool, has_previous: bool,
                 next_cursor: str | None, previous_cursor: str | None, total: int, noun: str, per_page: int):
        self.per_page = per_page
        self.object_list = BoundRows(data=records, table=table)
        self.number = number
        self._has_next, self._has_previous = has_next, has_previous
        self.next_cursor, self.previous_cursor = next_cursor, previous_cursor
        self.total = total
        self.noun = noun

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    def next_page_number(self) -> int | None:
        return self.number + 1 if self.number else None

    def previous_page_number(self) -> int | None:
        """None for the first page: its link is the list's plain URL."""
        return self.number - 1 if self.number and self.number > 2 else None

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def num_pages(self) -> int | None:
        """Known when the list holds at most COUNT_CAP rows."""
        return None if self.total_capped else max(1, -(-self.total // self.per_page))

    @property
    def count_text(self) -> str:
        if self.total_capped:
            return f"more than {COUNT_CAP:,} {self.noun}"
        return f"{self.total:,} {self.noun}" if self.total != 1 else f"1 {self.noun.removesuffix('s')}"


# --- Cursors --------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return {"t": value.isoformat()}  # full precision (DjangoJSONEncoder would cut microseconds)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def cursor_encode(sort_alias: str, values: Sequence) -> str:
    payload = json.dumps([sort_alias, [_plain(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def cursor_decode(text: str, sort_alias: str, fields: Sequence, nullable: int | None = None) -> list | None:
    """The keys in a cursor made for this sort, typed by the keys' fields; None if it is not one.
    `nullable`: the index of the one key that may be NULL. A cursor comes from the query string, so
    anything may arrive: too long, not base64, JSON nested past the recursion limit, integers beyond
    the column's range, NUL or lone surrogates in text, datetimes that overflow in UTC. Each is
    "not a cursor" here, never an error from the JSON decoder or the database."""
    if len(text) > CURSOR_MAX_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        alias, values = json.loads(raw)
        if alias != sort_alias or not isinstance(values, list) or len(values) != len(fields):
            return None
        typed = []
        for index, (value, model_field) in enumerate(zip(values, fields)):
            if isinstance(value, dict):
                value = value.get("t")
            if value is None:
                if index != nullable:
                    return None
                typed.append(None)
                continue
            value = model_field.to_python(value)
            if value is None or not _bindable(value, model_field):
                return None
            typed.append(value)
        return typed
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error, ValidationError):
        return None


def _bindable(value, model_field) -> bool:
    """Whether the database takes `value` as a parameter compared with this field's column."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        low, high = connection.ops.integer_field_ranges.get(model_field.get_internal_type(), (-2**63, 2**63 - 1))
        return (low is None or value >= low) and (high is None or value <= high)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) for a lone surrogate
        return "\x00" not in value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return False  # cursors made here are always aware
        value.astimezone(datetime.UTC)  # OverflowError at the ends of the calendar
    return True


# --- The engine -------------------------------------------------------------------------------


class _Keyset:
    def __init__(self, queryset: QuerySet, sort: KeysetSort, descending: bool, groups: list | None, *, small: bool):
        self.base = queryset.annotate(**sort.annotations) if sort.annotations else queryset
        self.small = small
        self.sort = sort
        self.descending = descending
        self.groups = groups
        model = queryset.model
        self.fields = [self.base.query.annotations[k].output_field if k in sort.annotations
                       else model._meta.get_field(k) for k in sort.keys]

    def values_of(self, record) -> list:
        return [getattr(record, key) for key in self.sort.keys]

    def _key(self, key: str):
        """A key to order by. The database's planner picks between reading an index in the list's
        order (right when many rows match: the page is found in the first entries) and finding the
        matching rows by the filter's index then sorting them (right when few match: a view of three
        stub users, a search). Its statistics cannot tell (SQLite keeps no histograms; neither engine
        estimates a LIKE '%...%'), but the capped count can: at most COUNT_CAP rows, the key is given
        in a form no index orders (SQLite's `+key`, PostgreSQL's COALESCE(key, key)), so the planner
        uses the filter's index and sorts so few rows; beyond, PostgreSQL is told not to sort
        (see `_index_order`) and SQLite reads the index in order as it does by itself."""
        if not self.small:
            return F(key)
        if connection.vendor == "sqlite":
            return Func(F(key), template="+%(expressions)s", output_field=self._field_of(key))
        if connection.vendor == "postgresql":
            return Coalesce(F(key), F(key), output_field=self._field_of(key))
        return F(key)

    @contextmanager
    def _index_order(self):
        """PostgreSQL, many matching rows: no sort for these reads, so that the page is read from
        the index that gives the order (its LIKE estimates would have it sort every match)."""
        if self.small or connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
            try:
                yield
            finally:
                cursor.execute("SET LOCAL enable_sort = on")

    def _field_of(self, key: str):
        return self.fields[self.sort.keys.index(key)]

    def _order(self, queryset, descending: bool, keys=None):
        keys = keys or self.sort.keys
        return queryset.order_by(*[self._key(k).desc() if descending else self._key(k).asc() for k in keys])

    @staticmethod
    def _compare(keys, values, descending: bool) -> Q:
        if len(keys) == 1:
            return Q(**{f"{keys[0]}__{'lt' if descending else 'gt'}": values[0]})
        lookup = TupleLessThan if descending else TupleGreaterThan
        return Q(lookup(Tuple(*[F(k) for k in keys]), tuple(values)))

    def _after(self, values, descending: bool) -> Q:
        """The rows after `values` in this order. Row values compare in one index range; a NULL
        first key sorts first on SQLite and last on PostgreSQL ascending (the engines' defaults)."""
        keys = self.sort.keys
        if self.sort.nullable != keys[0]:
            return self._compare(keys, values, descending)
        nulls_before = (connection.vendor == "postgresql") == descending
        isnull = {f"{keys[0]}__isnull": True}
        if values[0] is None:
            condition = Q(**isnull) & self._compare(keys[1:], values[1:], descending)
            return condition | ~Q(**isnull) if nulls_before else condition
        condition = self._compare(keys, values, descending)
        return condition if nulls_before else condition | Q(**isnull)

    def fetch(self, after: list | None, limit: int, *, reverse: bool = False, values_only: bool = False) -> list:
        """Up to `limit` rows after `after` (from the start if None), in this order or its reverse."""
        descending = self.descending != reverse
        with self._index_order():
            if self.groups is not None:
                return self._fetch_grouped(after, limit, descending, values_only)
            queryset = self.base if after is None else self.base.filter(self._after(after, descending))
            queryset = self._order(queryset, descending)
            if values_only:
                queryset = queryset.values_list(*self.sort.keys)
            return list(queryset[:limit])

    def _fetch_grouped(self, after, limit, descending, values_only) -> list:
        key, unique = self.sort.keys
        order = list(reversed(self.groups)) if descending else list(self.groups)
        start, unique_after = 0, None
        if after is not None and after[0] in order:
            start, unique_after = order.index(after[0]), after[1]
        rows: list = []
        for position in range(start, len(order)):
            value = order[position]
            queryset = self.base.filter(**{key: value})
            if self.sort.rare is not None and value != self.sort.common:
                queryset = queryset.filter(self.sort.rare)
            if position == start and unique_after is not None:
                queryset = queryset.filter(**{f"{unique}__{'lt' if descending else 'gt'}": unique_after})
            queryset = self._order(queryset, descending, keys=(unique,))
            if values_only:
                queryset = queryset.values_list(*self.sort.keys)
            rows += list(queryset[:limit - len(rows)])
            if len(rows) >= limit:
                break
        return rows


def _page_number(request, name: str) -> int | None:
    """The page number in the query string, None if it is not one a reader can reach (the number
    beside a cursor only labels the page; a typed one is bounded again by TYPED_PAGE_MAX_ROWS)."""
    try:
        number = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return number if 1 <= number <= PAGE_NUMBER_MAX else None


def keyset_configure(table, request, per_page: int, providers: dict) -> None:
    if connection.vendor != "postgresql":
        _keyset_read(table, request, per_page, providers)
        return
    # PostgreSQL: the page's reads in one transaction, so that SET LOCAL can steer its planner.
    # Each read stops after a few rows, whatever the planner estimated: starting parallel workers or
    # compiling the query (JIT, above jit_above_cost: 30 ms measured here) would cost more than it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SET LOCAL jit = off")
        _keyset_read(table, request, per_page, providers)


def _keyset_read(table, request, per_page: int, providers: dict) -> None:
    table.request = request
    requested = [a for a in request.GET.getlist(table.prefixed_order_by_field) if a][:1]
    if requested:
        table.order_by = requested  # tables2 keeps the aliases of orderable columns only
    if not table.order_by or table.order_by[0].lstrip("-") not in table.keyset_sorts:
        table.order_by = (table.keyset_default,)
    else:
        table.order_by = table.order_by[:1]
    alias = table.order_by[0]
    name = alias.lstrip("-")
    sort = table.keyset_sorts[name]
    groups = sort.groups
    if isinstance(groups, str):
        groups = list(providers[groups]())
    elif groups is not None:
        groups = list(groups)
    queryset = table.data.data.order_by()
    total = queryset.values("pk")[:COUNT_CAP + 1].count()
    engine = _Keyset(queryset, sort, alias.startswith("-"), groups, small=total <= COUNT_CAP)

    number = _page_number(request, table.prefixed_page_field)
    nullable = sort.keys.index(sort.nullable) if sort.nullable else None
    after = cursor_decode(request.GET.get("after", ""), alias, engine.fields, nullable) if request.GET.get("after") else None
    before = cursor_decode(request.GET.get("before", ""), alias, engine.fields, nullable) if request.GET.get("before") else None
    records, has_previous = [], False
    if before is not None:
        earlier = engine.fetch(before, per_page + 1, reverse=True)
        if len(earlier) > per_page:
            records, has_previous = list(reversed(earlier[:per_page])), True
            has_next = True
        else:
            number, before = 1, None  # reached the start: the first page
    if before is None:
        if after is None and number and number > 1:
            # A typed ?page=N: the keys of the row just before it, then the same as a cursor;
            # deeper than TYPED_PAGE_MAX_ROWS rows, the first page (no read of every earlier row).
            skip = (number - 1) * per_page
            skipped = engine.fetch(None, skip, values_only=True) if skip <= TYPED_PAGE_MAX_ROWS else []
            after = list(skipped[-1]) if skipped and len(skipped) == skip else None
            if after is None:
                number = 1
        rows = engine.fetch(after, per_page + 1)
        if after is not None and not rows:
            rows, after, number = engine.fetch(None, per_page + 1), None, 1  # a stale cursor: the first page
        records, has_next = rows[:per_page], len(rows) > per_page
        has_previous = after is not None
        if number is None:
            number = None if after is not None else 1
    if after is None and before is None and number is None:
        number = 1
    next_cursor = cursor_encode(alias, engine.values_of(records[-1])) if has_next and records else None
    previous_cursor = (cursor_encode(alias, engine.values_of(records[0]))
                       if has_previous and records and not (number == 2) else None)
    page = KeysetPage(table, records, number=number, has_next=has_next, has_previous=has_previous,
                      next_cursor=next_cursor, previous_cursor=previous_cursor, total=total, noun=table.count_noun,
                      per_page=per_page)
    table.page = page
