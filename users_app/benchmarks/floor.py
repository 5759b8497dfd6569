"""The floor: what writing N SystemUser rows costs the database itself.

The N rows the sync wrote (every column, as the driver returns them; not timed) go into an
empty copy of users_app_systemuser with its indexes and constraints, by one `executemany`
of one INSERT in one transaction, through the driver directly (the sqlite3 or psycopg
connection under Django's). Only that transaction is timed; the copy is dropped after."""
from __future__ import annotations

import re
import time

from django.db import connection

from environments_app.models import Environment
from users_app.models import SystemUser

COPY = "bench_floor_systemuser"


def _written_rows(environment: Environment) -> tuple[list[str], list[tuple]]:
    """The environment's records of directory users (what a sync writes), every column."""
    table = connection.ops.quote_name(SystemUser._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE environment_id = %s AND azureactivedirectoryobjectid IS NOT NULL",
                       [environment.pk])
        columns = [d[0] for d in cursor.description]
        return columns, cursor.fetchall()


def _create_copy() -> None:
    table = SystemUser._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The table and its indexes (constraints are in the table's SQL); no trigger: one that
            # maintains another table (a search index) would write into the real one's.
            cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                           "AND type IN ('table', 'index') ORDER BY type = 'index'", [table])
            for kind, name, sql in cursor.fetchall():
                if kind == "index":  # index names are global: the copy's get a prefix
                    sql = sql.replace(f'"{name}"', f'"{COPY}__{name}"', 1)
                cursor.execute(re.sub(rf'"{table}"', f'"{COPY}"', sql))
        elif connection.vendor == "postgresql":
            cursor.execute(f'CREATE TABLE "{COPY}" (LIKE "{table}" INCLUDING ALL)')
        else:  # pragma: no cover - the portal runs on SQLite and PostgreSQL
            raise NotImplementedError(f"no floor for {connection.vendor}")


def _drop_copy() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{COPY}"')


def floor_measure(environment: Environment) -> tuple[float, int]:
    """(seconds of the one executemany transaction, rows written)."""
    columns, rows = _written_rows(environment)
    _drop_copy()
    _create_copy()
    try:
        connection.ensure_connection()
        raw = connection.connection  # the driver's own connection
        placeholder = "?" if connection.vendor == "sqlite" else "%s"
        sql = (f'INSERT INTO "{COPY}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
               f'VALUES ({", ".join([placeholder] * len(columns))})')
        if connection.vendor == "sqlite":
            cursor = raw.cursor()
            start = time.perf_counter()
            cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(sql, rows)
            cursor.execute("COMMIT")
            seconds = time.perf_counter() - start
            cursor.close()
        else:
            import psycopg

            # psycopg's own cursor (server-side binding: one prepared INSERT, pipelined), not
            # Django's client-side-binding cursor class.
            start = time.perf_counter()
            with raw.transaction(), psycopg.Cursor(raw) as cursor:
                cursor.executemany(sql, rows)
            seconds = time.perf_counter() - start
        with connection.cursor() as check:
            check.execute(f'SELECT COUNT(*) FROM "{COPY}"')
            if check.fetchone()[0] != len(rows):
                raise RuntimeError("the floor's copy does not hold the rows written")
    finally:
        _drop_copy()
    return seconds, len(rows)
