"""A scratch database of the configured engine for `bench`: created and migrated empty,
used through Django's default connection, destroyed at the end.

SQLite: a file in a temporary directory (with the settings' OPTIONS: WAL, IMMEDIATE...).
PostgreSQL: a database `<NAME>_bench_<pid>` on the same server (the role needs CREATEDB).
Built with Django's own test-database machinery (`create_test_db` / `destroy_test_db`),
so that the migrations run exactly as for the tests."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.db import connection


def scratch_name(settings_dict: dict, directory: Path) -> str:
    if connection.vendor == "sqlite":
        return str(directory / "bench.sqlite3")
    return f"{settings_dict['NAME']}_bench_{os.getpid()}"  # never another run's (it would be dropped)


@contextlib.contextmanager
def scratch_database(*, keep: bool = False) -> Iterator[str]:
    """Point the default connection at a new, migrated, empty database for the block; yield its
    name. `keep`: leave it in place afterwards (for debugging) instead of destroying it."""
    settings_dict = connection.settings_dict
    old_name = settings_dict["NAME"]
    old_test = dict(settings_dict.get("TEST") or {})
    directory = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    settings_dict.setdefault("TEST", {})["NAME"] = scratch_name(settings_dict, directory)
    try:
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    except BaseException:
        settings_dict["TEST"] = old_test
        shutil.rmtree(directory, ignore_errors=True)
        raise
    try:
        yield name
    finally:
        connection.close()
        if keep:
            from django.conf import settings

            settings_dict["NAME"] = settings.DATABASES[connection.alias]["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
            shutil.rmtree(directory, ignore_errors=True)
        settings_dict["TEST"] = old_test
