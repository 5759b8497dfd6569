"""Test settings: fast hasher, plain static storage, in-memory outbox.

The database comes from DATABASE_URL when set (CI runs the suite on
PostgreSQL too), else a SQLite file in a temporary directory.
"""
import os
import tempfile
from pathlib import Path

# portal.settings refuses to start without a secret key when DEBUG is off (as the tests run): the
# tests sign with this one. Set in the environment, so that the `manage.py` subprocesses some
# tests start (with portal.settings) get it too; a key given from outside wins.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "never-used-outside-the-test-suite-0123456789")

from .settings import *  # noqa: E402,F401,F403
from .settings import database_from_url  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
_tmp = Path(tempfile.mkdtemp(prefix="portal-test-"))
DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"), _tmp / "test.sqlite3")}
DATABASES["default"]["TEST"] = {"NAME": str(_tmp / "test-db.sqlite3")} if "sqlite" in DATABASES["default"]["ENGINE"] else {}
STATIC_ROOT = _tmp / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True

# Tasks run at once in tests (the real huey consumer has its own test, tests/users_app/test_tasks.py).
from huey import MemoryHuey  # noqa: E402

HUEY = MemoryHuey("portal-test", immediate=True)
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
