"""Settings for the portal: one module, driven by environment variables.

DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS, DJANGO_BEHIND_TLS_PROXY,
DJANGO_CSRF_TRUSTED_ORIGINS, DATABASE_URL (SQLite file by default), HUEY_FILE / HUEY_REDIS_URL,
SYNC_INTERVAL_MINUTES, EMAIL_BACKEND / EMAIL_FILE_PATH for the outbox, PORTAL_TLS_PORT.
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
# No key, no start: with DEBUG off a missing DJANGO_SECRET_KEY stops every process here, rather
# than signing sessions and messages with a string anyone can read in this file. Only DEBUG
# (`make dev`, development) falls back to a fixed key, named so
# that `check --deploy` flags it (security.W009) should it ever be deployed.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the portal needs its own secret key: set "
            "DJANGO_SECRET_KEY to a random string of 50 or more characters, the same for every web process, e.g. "
            "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
            "(`make run` makes one per install in var/secret_key; `make dev` runs with DEBUG on.)"
        )
    SECRET_KEY = "django-insecure-development-key-debug-only"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# Behind a proxy that ends TLS: the proxy's X-Forwarded-Proto tells the original scheme, and the
# public origins are trusted by the CSRF check (e.g. https://portal.contoso.com).
# Behind it, everything is https only: plain http is redirected (SECURE_SSL_REDIRECT), browsers are
# told to use https for a year on this host and its subdomains (HSTS), and cookies are sent over
# https only. HSTS preload is not set: adding a domain to the browsers' preload list is the domain
# owner's decision, made at hstspreload.org for the whole registrable domain, not the portal's
# (hence security.W021 silenced below).
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload: see above
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# The https port of `make run` (gunicorn with the local certificate authority of var/tls/, beside the
# http port): where the APIs are for Microsoft's SDKs (the Dataverse client speaks https only). Only
# named here (the Developers page shows it); gunicorn serving TLS itself sets wsgi.url_scheme to
# https, so request.is_secure() is true there and absolute URLs (nextLinks, OData-EntityId) are
# https without trusting any forwarded header.
PORTAL_TLS_PORT = int(os.environ.get("PORTAL_TLS_PORT", "8443"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver (`make dev`) leaves static files to WhiteNoise, as in production: Django's own
    # static handler answered 500 to /static/../path.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "huey.contrib.djhuey",
    "axes",
    "environments_app",
    "users_app",
    "portal",  # its deploy checks (portal/checks.py)
]

MIDDLEWARE = [
    "portal.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.SessionTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "users_app.middleware.ForcePasswordChangeMiddleware",
    "users_app.middleware.ActorMiddleware",
]

# The lockout check comes first: a locked-out attempt never reaches the password check.
AUTHENTICATION_BACKENDS = ["users_app.auth.LockoutBackend", "users_app.auth.DirectoryUserBackend"]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
            # The screen toolkit's tags ({% icon %}, {% panel %}) and the rule chips, on every template.
            "builtins": ["portal.templatetags.portal_ui", "users_app.templatetags.rules"],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA temp_store=MEMORY;"
        "PRAGMA mmap_size=134217728;"
        "PRAGMA cache_size=-20000;"
    ),
}


def database_from_url(url: str | None, default_sqlite: Path) -> dict:
    """The database from DATABASE_URL, SQLite (WAL, IMMEDIATE, busy timeout) by default."""
    config = dj_database_url.parse(url) if url else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(default_sqlite),
    }
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"), BASE_DIR / "db.sqlite3")}

# Every password a person chooses (the password page, DIR-01's forced change, the tenant file
# through users_app.passwords.password_problems). The forms give the validators a User whose
# username is the UPN and whose display_name is the directory user's.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email", "display_name")}},
    {"NAME": "users_app.passwords.UserNameInPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (django-axes, its database handler: the AccessAttempt table), in the spirit of
# Entra's Smart Lockout. Both /signin/ and /admin/login/ go through it (backend + middleware).
# Counted per user name AND address together (10 failures lock that name from that address, so an
# attacker elsewhere cannot lock a user out) and per address alone (a password spray over many
# names from one address). Axes takes one limit; the address gets a higher one
# (LOCKOUT_ADDRESS_FAILURE_LIMIT), which users_app.services.lockout.PortalLockoutHandler applies in
# the same single indexed query: an office behind one NAT address, where a few people mistype,
# stays well under 50, while one address spraying passwords stops after 50 guesses.
# A lock ends after the cool-off (each refused try while locked restarts it) or when an admin
# unlocks the user (Active users > user > Unlock sign-in); the superuser sees Access attempts in /admin/.
AXES_FAILURE_LIMIT = 10
LOCKOUT_ADDRESS_FAILURE_LIMIT = 50
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True  # a success clears that name's failures from that address, never the address's
AXES_HANDLER = "users_app.services.lockout.PortalLockoutHandler"
AXES_USERNAME_CALLABLE = "users_app.services.lockout.attempted_username"  # stripped, lower-cased, as auth.py
AXES_CLIENT_IP_CALLABLE = "users_app.services.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "users_app.views.signin.locked_out"  # 429, the portal's layout, no name echoed
AXES_DISABLE_ACCESS_LOG = True  # no row per successful sign-in: the sign-in stays one indexed query
AXES_VERBOSE = False
# Behind the TLS proxy every request comes from the proxy's address: the client's is the last
# X-Forwarded-For entry, the one the proxy appended (a client-sent one is further left).
LOCKOUT_ADDRESS_FROM_X_FORWARDED_FOR = env_bool("DJANGO_BEHIND_TLS_PROXY", False)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "signin"

# --- Hardening ----------------------------------
# Content-Security-Policy on every response (Django's CSP middleware): scripts, styles, fetches
# and images from this origin only, no inline script, style or style="" attribute, no plugins,
# not framed, forms posted only here. The templates keep every script and style in static/
# (htmx's own inline indicator style is turned off in base.html's htmx-config).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Browser features no page uses (portal.middleware.PermissionsPolicyMiddleware): all refused.
PERMISSIONS_POLICY = ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
                      "payment", "usb")
# Sessions: a working day at most from sign-in (SESSION_COOKIE_AGE), and 30 minutes without a
# request end one sooner (SESSION_IDLE_TIMEOUT). portal.middleware.SessionTimeoutMiddleware
# enforces both, from two timestamps in the session, because Django's age alone is either
# absolute or idle, never both (see the middleware).
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_IDLE_TIMEOUT = 30 * 60
# Request bodies: the largest thing the portal takes is the data import's CSV, 5 MB
# (users_app.forms.imports.MAX_UPLOAD_BYTES), uploaded for the preview and then posted back as text
# to import it. Both steps must fit the same limit, with room for the form's other fields and
# the browser turning each line end into CR LF: form fields up to 6 MB (Django's own check,
# DATA_UPLOAD_MAX_MEMORY_SIZE), an uploaded file kept in memory up to the same (larger ones spool
# to a temporary file), and the whole body, files included, refused with 413 above 8 MB before it
# is read (portal.middleware.RequestBodyLimitMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
REQUEST_BODY_MAX_BYTES = 8 * 1024 * 1024

# The outbox: temporary passwords and invitations (DIR-01, LIFE-01). By default the portal's
# own outbox, portal.mail.OutboxBackend: one file per message in EMAIL_FILE_PATH, readable by its
# owner only, never a real mail host; this is the production set-up too, so it is a backend of its
# own, checked by `check --deploy` (portal.checks: the folder writable and private) instead of
# being flagged as Django's development file backend (mail.E001). EMAIL_BACKEND names another
# Django backend instead (Django's development ones, console or file, are then flagged as such).
_EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "portal.mail.OutboxBackend")
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": {"file_path": os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "outbox"))}
        if _EMAIL_BACKEND in ("portal.mail.OutboxBackend", "django.core.mail.backends.filebased.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = "no-reply@portal.local"

DJANGO_TABLES2_TEMPLATE = "portal/_table.html"

# The task queue: Django's tasks API run by huey. SqliteHuey in its own file is the embedded
# default (`manage.py run_huey`, which `make run` starts beside the web server); RedisHuey when
# HUEY_REDIS_URL is set. The periodic background sync enqueues one task per environment.
HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL")
if HUEY_REDIS_URL:
    from huey import RedisHuey

    HUEY = RedisHuey("portal", url=HUEY_REDIS_URL, immediate=False)
else:
    from huey import SqliteHuey

    _huey_file = Path(os.environ.get("HUEY_FILE", BASE_DIR / "var" / "huey.sqlite3"))
    _huey_file.parent.mkdir(parents=True, exist_ok=True)
    HUEY = SqliteHuey("portal", filename=str(_huey_file), immediate=False)
TASKS = {"default": {"BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend"}}
SYNC_INTERVAL_MINUTES = int(os.environ.get("SYNC_INTERVAL_MINUTES", "1"))

# Demo seed: the tenant file seed_demo loads.
DEMO_TENANT_FILE = BASE_DIR / "users_app" / "demo" / "contoso.json"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
