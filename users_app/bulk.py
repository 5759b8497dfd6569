"""Set-based writes in raw SQL, for the loads and syncs that touch thousands of rows at once.

One toolkit for every bulk writer (the tenant file, the background sync):
- `raw(queryset)`: a values_list query's rows as the driver gives them (no per-value conversion);
- `db_id(uuid)` / `hex_id(db_id)`: object ids in the database's own form, as raw reads return them;
- `prep(field)`: how a value of a model field goes to the driver (None: as it is);
- `executemany(sql, rows)`: one statement for many rows (pipelined on PostgreSQL);
- `Writer`: INSERT (COPY on PostgreSQL), UPDATE and DELETE by primary key, every row stamped with
  one change number, the columns a row leaves out filled from the model fields' own defaults.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any

from django.db import connection, connections
from django.utils import timezone

DbId = Any  # an object id in the database's own form (db_id): what raw reads return, what raw writes take

# Columns whose values the drivers take as they are; the others go through the field's own
# preparation for the database (JSON, dates).
PLAIN_TYPES = frozenset({
    "CharField", "TextField", "BooleanField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField", "BigAutoField",
})


def raw(queryset) -> list[tuple]:
    """A values_list query's rows as the driver gives them, without Django's conversion of
    every value: object ids stay in the database's own form (db_id), JSON stays text."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def db_id(value: uuid.UUID | None) -> DbId:
    """An object id in the database's own form, as raw reads return it (SQLite: hex text)."""
    if value is None or connection.features.has_native_uuid_field:
        return value
    return value.hex


db_uuid = db_id  # the name the background sync knows it by


def hex_id(value: DbId) -> str:
    """An object id (either form) as 32 hex digits."""
    return value if isinstance(value, str) else value.hex


def prep(model_field) -> Callable[[Any], Any] | None:
    """How a value goes to the driver: None when as it is (object ids are kept in the database's
    own form throughout, db_id), else the field's own preparation."""
    target = model_field.target_field if model_field.is_relation else model_field
    kind = target.get_internal_type()
    if kind in PLAIN_TYPES or kind == "UUIDField":
        return None
    real = connections[connection.alias]  # not the proxy: one lookup, not one per value
    if kind == "JSONField":  # mostly {} or []: prepared once
        empty = {dict: model_field.get_db_prep_save({}, real), list: model_field.get_db_prep_save([], real)}
        return lambda value: empty[type(value)] if not value and type(value) in empty else model_field.get_db_prep_save(value, real)
    return lambda value: model_field.get_db_prep_save(value, real)


def chunks(items: list, size: int) -> Iterator[list]:
    """`items` in slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def in_chunk_size() -> int:
    """How many ids one `pk IN (...)` may hold on this database."""
    limit = connection.features.max_query_params
    return max(1, min((limit or 10_000) - 10, 10_000))


def executemany(sql: str, rows: list) -> None:
    """One statement for many rows in the current transaction. On PostgreSQL through a cursor
    with server-side binding, which psycopg pipelines (Django's client-side cursor sends one
    row at a time)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        import psycopg  # noqa: PLC0415 - only on PostgreSQL

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, rows)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


class Writer:
    """Set-based writes: one INSERT per call (executemany; COPY on PostgreSQL), UPDATEs grouped
    by the set of changed columns (executemany), DELETEs by primary key in large chunks (no
    signal per row). With `number` (a function giving the change number, called once, at the
    first write that needs it) every row written carries it; `now` fills auto dates."""

    def __init__(self, *, number: Callable[[], int] | None = None, now=None) -> None:
        self._next_number = number
        self._number: int | None = None
        self.now = now if now is not None else timezone.now()
        self.in_chunk = in_chunk_size()

    @property
    def number(self) -> int | None:
        """The change number of the writes (taken at the first call), or None without one."""
        if self._number is None and self._next_number is not None:
            self._number = self._next_number()
        return self._number

    def default(self, model_field):
        """The value an INSERT gives a column the rows leave out: the change number, now for an
        auto date, else the field's own default ("" for text without one, else None)."""
        if model_field.attname == "change_number" and self._next_number is not None:
            return self.number
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            return self.now
        return model_field.get_default()

    def insert(self, model, rows: list[dict], *, defaults: dict | None = None) -> None:
        """INSERT rows given as {attname: value} (every row with the same keys, values in the
        database's form); the other columns take `defaults` ({attname: value}) or the model's
        own (default). An auto-increment primary key left out is left to the database."""
        if not rows:
            return
        given = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
        filled = [f for f in model._meta.concrete_fields if f.attname not in rows[0] and not f.primary_key]
        constants = []
        for f in filled:
            value = defaults[f.attname] if defaults and f.attname in defaults else self.default(f)
            to_db = prep(f)
            constants.append(to_db(value) if to_db is not None and value is not None else value)
        constants = tuple(constants)
        getter = itemgetter(*(f.attname for f in given))
        preps = [(i, to_db) for i, to_db in enumerate(prep(f) for f in given) if to_db is not None]
        if len(given) == 1:
            data = [(getter(row), *constants) for row in rows]
        elif not preps:  # ids, numbers and text: the values as they are (C speed)
            data = [getter(row) + constants for row in rows]
        else:
            data = []
            for row in rows:
                values = list(getter(row))
                for i, to_db in preps:
                    if values[i] is not None:
                        values[i] = to_db(values[i])
                data.append((*values, *constants))
        fields = given + filled
        qn = connection.ops.quote_name
        table = f"{qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: no statement to compose per row (psycopg's executemany and multi-row VALUES
                # quote every value in Python under Django's client-side binding).
                with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(fields))})", data)

    def update(self, model, changes: Iterable[tuple], *, extra: dict | None = None) -> None:
        """UPDATE rows given as (pk, {attname: value}), one executemany per set of changed columns;
        the change number, auto_now dates and `extra` ({attname: value}) set on every row too."""
        changes = list(changes)
        if not changes:
            return
        meta = model._meta
        also: dict = {}
        if self._next_number is not None and any(f.attname == "change_number" for f in meta.concrete_fields):
            also["change_number"] = self.number
        also.update({f.attname: self.now for f in meta.concrete_fields if getattr(f, "auto_now", False)})
        also.update(extra or {})
        by_columns: dict[tuple, list] = defaultdict(list)
        for pk, values in changes:
            by_columns[tuple(sorted(values))].append((pk, {**values, **also}))
        qn = connection.ops.quote_name
        pk_prep = prep(meta.pk)
        with connection.cursor() as cursor:
            for names, rows in by_columns.items():
                fields = [meta.get_field(n) for n in dict.fromkeys((*names, *also))]
                preps = [prep(f) for f in fields]
                sql = (f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in fields)} "
                       f"WHERE {qn(meta.pk.column)} = %s")
                data = []
                for pk, values in rows:
                    row = [(to_db(values[f.attname]) if to_db is not None and values[f.attname] is not None
                            else values[f.attname]) for f, to_db in zip(fields, preps)]
                    row.append(pk_prep(pk) if pk_prep is not None else pk)
                    data.append(row)
                cursor.executemany(sql, data)

    def delete(self, model, pks: Iterable) -> None:
        """DELETE rows by primary key, in chunks, without a signal per row."""
        pks = list(pks)
        for chunk in chunks(pks, self.in_chunk):
            model.objects.filter(pk__in=chunk)._raw_delete(connection.alias)
