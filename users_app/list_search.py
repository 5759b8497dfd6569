"""The trigram search index of the two long lists: the environment's users (SystemUser) and the
directory's active users (DirectoryUser).

A search of 3 characters or more first asks a trigram index for candidates, then keeps the
candidates the list's own `icontains` search keeps: the answer is by construction exactly what
`icontains` alone answers, the index only spares reading every row. Under 3 characters a
trigram index has nothing to look up: the plain `icontains` filter runs alone.

The index holds one text per row: the searched columns joined by U+001F (a column that equals
another ignoring case, or that the display name already contains, is left out: it could not
add a match). SQLite: an FTS5 table with the trigram tokenizer. PostgreSQL: a side table of
upper(text), the form Django's `icontains` compares, with a GIN `gin_trgm_ops` index (pg_trgm).

The index is brought up to date in bulk by `search_index_refresh()`, not row by row: a trigger
that writes the FTS5 index for each inserted row made 100,000 inserts about 3x slower on SQLite,
and maintaining a GIN index row by row about doubled them on PostgreSQL (migration 0004). Until
a refresh, the rows it has not seen yet are "pending", and every search reads them with the
plain filter, so results never depend on when the refresh ran:
- SystemUser on SQLite: rows with an id above the last refresh's highest id (SQLite writes one
  transaction at a time and never reuses an AUTOINCREMENT id), plus the ids an UPDATE of a
  searched column or a DELETE put in the `_dirty` table (by triggers that a sync's INSERTs never fire);
- otherwise (DirectoryUser; SystemUser on PostgreSQL, whose sequence does not commit in order):
  the ids that row triggers on INSERT, UPDATE of a searched column and DELETE put in `_dirty`.

Call `search_index_refresh()` after a bulk write (the sync, load_tenant), in its own transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

MIN_TRIGRAM_QUERY = 3
DENSE = 5000  # more candidates than this: the plain filter over the list's own order is faster
ANALYZE_AFTER = 1000  # a refresh that indexed this many rows also refreshes the planner's statistics
REBUILD_AT = 10_000  # PostgreSQL: a refresh of this many rows builds the GIN index again
SEPARATOR = "\x1f"
MARK_TABLE = "users_app_list_search_mark"


@dataclass(frozen=True)
class SearchIndex:
    """One model's search index: its tables and the SQL of the indexed text."""

    name: str  # the model's table
    key: str  # the primary key column
    sqlite_text: str  # over the model's columns, unqualified
    postgresql_text: str
    sqlite_rowid_is_key: bool  # SQLite: the FTS rowid is the row's integer id (else an UNINDEXED user_id column)
    postgresql_key_type: str

    @property
    def search_table(self) -> str:
        return f"{self.name}_search"

    @property
    def dirty_table(self) -> str:
        return f"{self.name}_search_dirty"


SYSTEMUSER = SearchIndex(
    name="users_app_systemuser", key="id", sqlite_rowid_is_key=True, postgresql_key_type="bigint",
    sqlite_text=("fullname || char(31) || domainname || CASE WHEN lower(internalemailaddress) = lower(domainname) "
                 "THEN '' ELSE char(31) || internalemailaddress END"),
    postgresql_text=("fullname::text || chr(31) || domainname::text || CASE WHEN upper(internalemailaddress::text) "
                     "= upper(domainname::text) THEN '' ELSE chr(31) || internalemailaddress::text END"),
)
DIRECTORYUSER = SearchIndex(
    name="users_app_directoryuser", key="id", sqlite_rowid_is_key=False, postgresql_key_type="uuid",
    sqlite_text=("display_name || char(31) || user_principal_name "
                 "|| CASE WHEN lower(mail) = lower(user_principal_name) THEN '' ELSE char(31) || mail END "
                 "|| CASE WHEN instr(lower(display_name), lower(given_name)) > 0 THEN '' ELSE char(31) || given_name END "
                 "|| CASE WHEN instr(lower(display_name), lower(surname)) > 0 THEN '' ELSE char(31) || surname END"),
    postgresql_text=("display_name::text || chr(31) || user_principal_name::text "
                     "|| CASE WHEN upper(mail::text) = upper(user_principal_name::text) THEN '' ELSE chr(31) || mail::text END "
                     "|| CASE WHEN strpos(upper(display_name::text), upper(given_name::text)) > 0 THEN '' "
                     "ELSE chr(31) || given_name::text END "
                     "|| CASE WHEN strpos(upper(display_name::text), upper(surname::text)) > 0 THEN '' "
                     "ELSE chr(31) || surname::text END"),
)
INDEXES = (SYSTEMUSER, DIRECTORYUSER)


def _fts5_query(value: str) -> str:
    """The FTS5 query of a substring: every trigram of it, quoted (an implicit AND). The index is
    built with detail=none (the cheapest to write), which answers trigrams, not phrases: the
    rows it returns hold every trigram, the icontains filter then keeps those holding the string."""
    trigrams = dict.fromkeys(value[i:i + 3] for i in range(len(value) - 2))
    return " ".join('"' + t.replace('"', '""') + '"' for t in trigrams)


def _like_pattern(value: str) -> str:
    return "%" + connection.ops.prep_for_like_query(value) + "%"


def usable(value: str) -> bool:
    """Whether a search of `value` asks the trigram index (3 characters or more)."""
    return len(value) >= MIN_TRIGRAM_QUERY and "\x00" not in value and SEPARATOR not in value


def candidates(index: SearchIndex, value: str) -> Q | None:
    """The rows that may hold `value` in a searched column (a superset of the icontains matches)
    as a list of ids, or None when the index would not help: a string found in more than DENSE
    rows (a domain name, a common syllable) is found faster by reading the list in its order with
    the plain filter. A list of constants, not a subquery: the planner can start from it when it
    is short and probe it (hashed) while reading the list in its order when it is long, and the
    index is asked once per page, not once per query."""
    if connection.vendor == "sqlite":
        query = _fts5_query(value)
        if index.sqlite_rowid_is_key:
            matched = f"SELECT rowid FROM {index.search_table} WHERE {index.search_table} MATCH %s LIMIT %s"
            pending = (f"SELECT id FROM {index.dirty_table} UNION ALL SELECT {index.key} FROM {index.name} WHERE {index.key} > "
                       f"(SELECT coalesce(max(last_id), 0) FROM {MARK_TABLE} WHERE name = '{index.name}') LIMIT %s")
        else:
            matched = f"SELECT user_id FROM {index.search_table} WHERE {index.search_table} MATCH %s LIMIT %s"
            pending = f"SELECT id FROM {index.dirty_table} LIMIT %s"
    elif connection.vendor == "postgresql":
        query = _like_pattern(value)
        matched = f"SELECT {index.key} FROM {index.search_table} WHERE text LIKE upper(%s) LIMIT %s"
        pending = f"SELECT DISTINCT {index.key} FROM {index.dirty_table} LIMIT %s"
    else:
        return None  # another engine: no index, the icontains filter alone
    with connection.cursor() as cursor:
        cursor.execute(matched, [query, DENSE + 1])
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) > DENSE:
            return None
        # The rows the index has not seen yet are candidates too (normally none: see the docstring).
        cursor.execute(pending, [DENSE + 1 - len(ids)])
        ids += [row[0] for row in cursor.fetchall()]
    if len(ids) > DENSE:
        return None
    if connection.vendor == "postgresql":
        # One array parameter, written here: not a list of literals to parse and plan one by one,
        # nor a list psycopg adapts element by element (12 ms for 3,000 ids, measured).
        column = f'"{index.name}"."{index.key}"'
        array = "{" + ",".join(str(key) for key in ids) + "}"
        return Q(RawSQL(f"{column} = ANY(%s::{index.postgresql_key_type}[])", [array], output_field=BooleanField()))
    return Q(pk__in=ids)


def search_index_refresh() -> dict[str, int]:
    """Bring both search indexes up to date; answers how many rows each (re)indexed. One
    transaction; cheap when little changed (it reads only the pending rows)."""
    done = {}
    with transaction.atomic():
        if not search_index_installed():
            # A trigger is missing (SQLite drops a table's triggers when a migration remakes the
            # table): put it back and index every row again, since changes may have gone unmarked.
            search_index_install(fill=True)
        for index in INDEXES:
            if connection.vendor == "sqlite":
                done[index.name] = _refresh_sqlite(index)
            elif connection.vendor == "postgresql":
                done[index.name] = _refresh_postgresql(index)
            else:
                continue
            if done[index.name] >= ANALYZE_AFTER or not _has_statistics(index.name):
                _analyze(index)
    return done


def _has_statistics(table: str) -> bool:
    """SQLite: whether ANALYZE ever ran over the table (PostgreSQL's autovacuum sees to it)."""
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return bool(cursor.fetchone()[0])


def _analyze(index: SearchIndex) -> None:
    """The planner's statistics after a bulk change: which index of a list's filter is selective
    (SQLite has no statistics at all until ANALYZE; PostgreSQL's autovacuum analyzes late)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {index.name}")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {index.search_table}")


def _refresh_sqlite(index: SearchIndex) -> int:
    with connection.cursor() as cursor:
        if index.sqlite_rowid_is_key:
            cursor.execute(f"SELECT coalesce(max(last_id), 0) FROM {MARK_TABLE} WHERE name = %s", [index.name])
            mark = cursor.fetchone()[0]
            cursor.execute(f"SELECT coalesce(max({index.key}), 0) FROM {index.name}")
            top = cursor.fetchone()[0]
            cursor.execute(f"DELETE FROM {index.search_table} WHERE rowid IN (SELECT id FROM {index.dirty_table})")
            cursor.execute(f"INSERT INTO {index.search_table} (rowid, text) SELECT {index.key}, {index.sqlite_text} "
                           f"FROM {index.name} WHERE {index.key} > %s OR {index.key} IN (SELECT id FROM {index.dirty_table})",
                           [mark])
            count = cursor.rowcount
            cursor.execute(f"DELETE FROM {index.dirty_table}")
            cursor.execute(f"INSERT INTO {MARK_TABLE} (name, last_id) VALUES (%s, %s) "
                           "ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id", [index.name, top])
            return count
        cursor.execute(f"SELECT count(*) FROM {index.dirty_table}")
        if not cursor.fetchone()[0]:
            return 0
        # The FTS rows of the dirty users (FTS5 filters an UNINDEXED column by reading its rows).
        cursor.execute(f"SELECT rowid FROM {index.search_table} WHERE user_id IN (SELECT id FROM {index.dirty_table})")
        stale = [row[0] for row in cursor.fetchall()]
        cursor.executemany(f"DELETE FROM {index.search_table} WHERE rowid = %s", [(r,) for r in stale])
        cursor.execute(f"INSERT INTO {index.search_table} (text, user_id) SELECT {index.sqlite_text}, {index.key} "
                       f"FROM {index.name} WHERE {index.key} IN (SELECT id FROM {index.dirty_table})")
        count = cursor.rowcount
        cursor.execute(f"DELETE FROM {index.dirty_table}")
        return count


def _refresh_postgresql(index: SearchIndex) -> int:
    with connection.cursor() as cursor:
        # Take the dirty ids committed so far; ids that concurrent transactions add later stay for
        # the next refresh (the dirty table is a log, not a set, so that no change is ever lost).
        cursor.execute(f"DELETE FROM {index.dirty_table} RETURNING {index.key}")
        keys = list({row[0] for row in cursor.fetchall()})
        if not keys:
            return 0
        array = "{" + ",".join(str(key) for key in keys) + "}"
        # Many rows (a first sync, a tenant load): writing a GIN index row by row costs ~4x building it
        # (100,000 rows: 15 s against 4 s, measured), so the index is dropped and built again.
        # Searches wait for the few seconds until the commit (the DROP locks the search table).
        rebuild = len(keys) >= REBUILD_AT
        if rebuild:
            cursor.execute(f"DROP INDEX IF EXISTS {index.search_table}_trgm")
        cursor.execute(f"DELETE FROM {index.search_table} WHERE {index.key} = ANY(%s::{index.postgresql_key_type}[])", [array])
        cursor.execute(f"INSERT INTO {index.search_table} ({index.key}, text) SELECT {index.key}, upper({index.postgresql_text}) "
                       f"FROM {index.name} WHERE {index.key} = ANY(%s::{index.postgresql_key_type}[]) "
                       f"ON CONFLICT ({index.key}) DO UPDATE SET text = excluded.text", [array])
        count = cursor.rowcount
        if rebuild:
            cursor.execute(_postgresql_trigram_index(index))
        return count


def search_index_pending() -> dict[str, int]:
    """How many rows each index has not seen yet (read with the plain filter by every search)."""
    pending = {}
    with connection.cursor() as cursor:
        for index in INDEXES:
            if connection.vendor not in ("sqlite", "postgresql"):
                pending[index.name] = 0
                continue
            cursor.execute(f"SELECT count(*) FROM {index.dirty_table}")
            count = cursor.fetchone()[0]
            if connection.vendor == "sqlite" and index.sqlite_rowid_is_key:
                cursor.execute(f"SELECT count(*) FROM {index.name} WHERE {index.key} > "
                               f"(SELECT coalesce(max(last_id), 0) FROM {MARK_TABLE} WHERE name = %s)", [index.name])
                count += cursor.fetchone()[0]
            pending[index.name] = count
    return pending


# --- Installing: tables, triggers, first fill (migration 0004; idempotent) ----------------------------

_SYSTEMUSER_COLUMNS = ("fullname", "domainname", "internalemailaddress")
_DIRECTORYUSER_COLUMNS = ("display_name", "user_principal_name", "mail", "given_name", "surname")


def _changed(columns, old="old", new="new", distinct="IS NOT") -> str:
    return " OR ".join(f"{old}.{c} {distinct} {new}.{c}" for c in columns)


def _sqlite_ddl() -> list[str]:
    su, du = SYSTEMUSER, DIRECTORYUSER
    return [
        f"CREATE TABLE IF NOT EXISTS {MARK_TABLE} (name TEXT PRIMARY KEY, last_id INTEGER NOT NULL)",
        # SystemUser: no INSERT trigger (new rows are those above the mark); UPDATE and DELETE mark the id.
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {su.search_table} USING fts5(text, tokenize='trigram', detail=none, columnsize=0)",
        f"CREATE TABLE IF NOT EXISTS {su.dirty_table} (id INTEGER PRIMARY KEY)",
        f"CREATE TRIGGER IF NOT EXISTS {su.name}_search_au AFTER UPDATE OF {', '.join(_SYSTEMUSER_COLUMNS)} ON {su.name} "
        f"WHEN {_changed(_SYSTEMUSER_COLUMNS)} BEGIN INSERT OR IGNORE INTO {su.dirty_table} (id) VALUES (new.id); END",
        f"CREATE TRIGGER IF NOT EXISTS {su.name}_search_ad AFTER DELETE ON {su.name} "
        f"BEGIN INSERT OR IGNORE INTO {su.dirty_table} (id) VALUES (old.id); END",
        # DirectoryUser (a UUID key): every change marks the id.
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {du.search_table} USING fts5(text, user_id UNINDEXED, tokenize='trigram', "
        "detail=none, columnsize=0)",
        f"CREATE TABLE IF NOT EXISTS {du.dirty_table} (id TEXT PRIMARY KEY)",
        f"CREATE TRIGGER IF NOT EXISTS {du.name}_search_ai AFTER INSERT ON {du.name} "
        f"BEGIN INSERT OR IGNORE INTO {du.dirty_table} (id) VALUES (new.id); END",
        f"CREATE TRIGGER IF NOT EXISTS {du.name}_search_au AFTER UPDATE OF {', '.join(_DIRECTORYUSER_COLUMNS)} ON {du.name} "
        f"WHEN {_changed(_DIRECTORYUSER_COLUMNS)} BEGIN INSERT OR IGNORE INTO {du.dirty_table} (id) VALUES (new.id); END",
        f"CREATE TRIGGER IF NOT EXISTS {du.name}_search_ad AFTER DELETE ON {du.name} "
        f"BEGIN INSERT OR IGNORE INTO {du.dirty_table} (id) VALUES (old.id); END",
    ]


def _postgresql_trigram_index(index: SearchIndex) -> str:
    return f"CREATE INDEX IF NOT EXISTS {index.search_table}_trgm ON {index.search_table} USING gin (text gin_trgm_ops)"


def _postgresql_ddl() -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    for index, columns in ((SYSTEMUSER, _SYSTEMUSER_COLUMNS), (DIRECTORYUSER, _DIRECTORYUSER_COLUMNS)):
        key_type = index.postgresql_key_type
        function = f"{index.name}_search_mark"
        statements += [
            f"CREATE TABLE IF NOT EXISTS {index.search_table} (id {key_type} PRIMARY KEY, text text NOT NULL)",
            _postgresql_trigram_index(index),
            # A log, not a set: a refresh takes the entries committed before it, later ones stay.
            f"CREATE TABLE IF NOT EXISTS {index.dirty_table} (id {key_type} NOT NULL)",
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN INSERT INTO {index.dirty_table} (id) VALUES (OLD.id); "
            f"ELSE INSERT INTO {index.dirty_table} (id) VALUES (NEW.id); END IF; RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {index.name}_search_ai ON {index.name}",
            f"CREATE TRIGGER {index.name}_search_ai AFTER INSERT ON {index.name} FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"DROP TRIGGER IF EXISTS {index.name}_search_au ON {index.name}",
            f"CREATE TRIGGER {index.name}_search_au AFTER UPDATE OF {', '.join(columns)} ON {index.name} FOR EACH ROW "
            f"WHEN ({_changed(columns, 'OLD', 'NEW', 'IS DISTINCT FROM')}) EXECUTE FUNCTION {function}()",
            f"DROP TRIGGER IF EXISTS {index.name}_search_ad ON {index.name}",
            f"CREATE TRIGGER {index.name}_search_ad AFTER DELETE ON {index.name} FOR EACH ROW EXECUTE FUNCTION {function}()",
        ]
    return statements


def _expected_triggers(vendor: str) -> set[str]:
    names = {f"{DIRECTORYUSER.name}_search_{s}" for s in ("ai", "au", "ad")}
    names |= {f"{SYSTEMUSER.name}_search_{s}" for s in (("au", "ad") if vendor == "sqlite" else ("ai", "au", "ad"))}
    return names


def search_index_installed() -> bool:
    """Whether every search trigger is in place."""
    if connection.vendor == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s"
    elif connection.vendor == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s"
    else:
        return True
    with connection.cursor() as cursor:
        cursor.execute(sql, ["users_app_%_search_%"])
        present = {row[0] for row in cursor.fetchall()}
    return _expected_triggers(connection.vendor) <= present


def search_index_install(schema_editor=None, *, fill: bool = False) -> None:
    """Create the search tables and triggers where missing (idempotent). SQLite drops a table's
    triggers when Django remakes the table in a migration, so a migration that changes a searched
    table calls it once its change is made (0005, 0010); `fill=True` marks every row pending for the
    next refresh."""
    conn = schema_editor.connection if schema_editor is not None else connection
    if conn.vendor == "sqlite":
        statements = _sqlite_ddl()
    elif conn.vendor == "postgresql":
        statements = _postgresql_ddl()
    else:
        return
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        if fill:
            # Everything pending: the first refresh indexes every row.
            for index in INDEXES:
                cursor.execute(f"DELETE FROM {index.search_table}")
            if conn.vendor == "sqlite":
                cursor.execute(f"DELETE FROM {MARK_TABLE} WHERE name = %s", [SYSTEMUSER.name])
                cursor.execute(f"INSERT OR IGNORE INTO {DIRECTORYUSER.dirty_table} (id) SELECT id FROM {DIRECTORYUSER.name}")
            else:
                for index in INDEXES:
                    cursor.execute(f"INSERT INTO {index.dirty_table} (id) SELECT id FROM {index.name}")


def search_index_uninstall(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor is not None else connection
    with conn.cursor() as cursor:
        for index in INDEXES:
            if conn.vendor == "sqlite":
                for suffix in ("ai", "au", "ad"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {index.name}_search_{suffix}")
            elif conn.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {index.name}_search_mark() CASCADE")
            else:
                return
            cursor.execute(f"DROP TABLE IF EXISTS {index.search_table}")
            cursor.execute(f"DROP TABLE IF EXISTS {index.dirty_table}")
        if conn.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {MARK_TABLE}")
