"""Deployment hardening: no start without a secret key outside DEBUG, `check --deploy` clean with
the documented production variables, a Content-Security-Policy without 'unsafe-inline', HSTS and
secure cookies behind the TLS proxy, sessions that end, a cap on request bodies, and the portal's
own 404 and 500 pages."""
import json
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import get_commands, load_command_class
from django.test import RequestFactory, override_settings
from django.urls import path, reverse

from portal.middleware import SessionTimeoutMiddleware
from tests.conftest import PORTAL_PASSWORD, portal_upn

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"


def _env(tmp_path, **extra) -> dict:
    """A process environment with none of the portal's variables but those given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env.pop("DATABASE_URL", None)
    env.pop("HUEY_REDIS_URL", None)
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "HUEY_FILE": str(tmp_path / "huey.sqlite3"),
                "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", **extra})
    return env


def _run(env, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def production_env(tmp_path, **extra) -> dict:
    """The production variables the README documents."""
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o700)
    return _env(tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(60), DJANGO_BEHIND_TLS_PROXY="1",
                DJANGO_ALLOWED_HOSTS="portal.contoso.com", DJANGO_CSRF_TRUSTED_ORIGINS="https://portal.contoso.com",
                EMAIL_FILE_PATH=str(outbox), **extra)


SHOW_SETTINGS = ("import json, django; from django.conf import settings; django.setup(); print(json.dumps({k: "
                 "getattr(settings, k, None) for k in ('SECRET_KEY', 'DEBUG', 'SECURE_HSTS_SECONDS', "
                 "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
                 "'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER')}))")


# --- Finding 4: the secret key -----------------------------------------------------------------


def test_without_a_secret_key_and_debug_off_the_portal_refuses_to_start(tmp_path):
    for extra in ({}, {"DJANGO_ALLOW_DEV_KEY": "1"}, {"DJANGO_DEBUG": "0"}):
        done = _run(_env(tmp_path, **extra), "manage.py", "check")
        assert done.returncode != 0, extra
        assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in done.stderr, done.stderr
        assert "insecure-dev-key-change-me" not in done.stdout + done.stderr


def test_debug_on_may_use_the_development_key_and_a_given_key_is_used(tmp_path):
    shown = json.loads(_run(_env(tmp_path, DJANGO_DEBUG="1"), "-c", SHOW_SETTINGS).stdout)
    assert shown["DEBUG"] is True and shown["SECRET_KEY"].startswith("django-insecure-")
    key = secrets.token_urlsafe(60)
    shown = json.loads(_run(_env(tmp_path, DJANGO_SECRET_KEY=key), "-c", SHOW_SETTINGS).stdout)
    assert shown["DEBUG"] is False and shown["SECRET_KEY"] == key


# --- Findings 10 and 11: check --deploy, HSTS, secure cookies ------------------------------------------


def test_check_deploy_is_clean_with_the_documented_production_variables(tmp_path):
    done = _run(production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr and "ERRORS" not in done.stdout + done.stderr


def test_check_deploy_still_catches_a_development_mail_backend_and_an_open_outbox(tmp_path):
    """The outbox passes because it is checked, not because checks were silenced."""
    dev_mail = production_env(tmp_path, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    done = _run(dev_mail, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0 and "mail.E001" in done.stderr
    other = tmp_path / "open"
    other.mkdir()
    env = production_env(other)
    outbox = Path(env["EMAIL_FILE_PATH"])
    outbox.chmod(0o755)
    done = _run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0 and "portal.W001" in done.stderr


def test_behind_the_tls_proxy_hsts_redirect_and_secure_cookies(tmp_path):
    shown = json.loads(_run(production_env(tmp_path), "-c", SHOW_SETTINGS).stdout)
    assert shown["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SESSION_COOKIE_SECURE"] is True and shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.django_db
def test_hsts_header_over_https_from_the_proxy(client):
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_SSL_REDIRECT=True,
                           SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
        plain = client.get(reverse("signin"))
        assert plain.status_code == 301 and plain["Location"].startswith("https://")
        secure = client.get(reverse("signin"), HTTP_X_FORWARDED_PROTO="https")
        assert secure.status_code == 200
        assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_outbox_writes_messages_only_its_owner_can_read(tmp_path):
    from django.core.mail import EmailMessage

    from portal.mail import OutboxBackend

    backend = OutboxBackend(file_path=str(tmp_path / "outbox"), alias="default")
    assert backend.send_messages([EmailMessage("Temporary password", "Xy-123", "a@b.c", ["d@e.f"])]) == 1
    (message,) = (tmp_path / "outbox").iterdir()
    assert "Xy-123" in message.read_text()
    assert stat.S_IMODE(message.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) & 0o077 == 0


# --- Content-Security-Policy ------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client):
    response = client.get(reverse("signin"))
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy == {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
                      "img-src": "'self' data:", "frame-ancestors": "'none'", "form-action": "'self'",
                      "base-uri": "'none'", "object-src": "'none'"}
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in response.content.decode()


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I)


def test_no_template_or_script_holds_inline_script_style_or_handler():
    """What the policy would block: an inline <script>, a <style> element or style="" attribute,
    an on...= handler, a javascript: URL. (Django's own admin templates use nonces and no
    inline handler.)"""
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if INLINE.search(line):
                found.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()}")
    for script in sorted((ROOT / "static" / "js").rglob("*.js")):
        text = script.read_text()
        if re.search(r"\.setAttribute\(\s*['\"]style|innerHTML\s*=.*<(script|style)|\beval\(|new Function\(", text):
            found.append(str(script.relative_to(ROOT)))
    assert found == []


# --- Sessions ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_gives_a_session_of_eight_hours(portal_tenant, client):
    response = client.post(reverse("signin"), {"username": portal_upn("global"), "password": PORTAL_PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 60 * 60
    assert client.get(reverse("environments:environment_list")).status_code == 200


def _age_session(client, *, started=0, seen=0):
    session = client.session
    session[SessionTimeoutMiddleware.STARTED] -= started
    session[SessionTimeoutMiddleware.SEEN] -= seen
    session.save()


@pytest.mark.django_db
def test_thirty_minutes_without_a_request_end_the_session(portal_tenant, sign_in):
    client = sign_in("global")
    url = reverse("environments:environment_list")
    assert client.get(url).status_code == 200
    _age_session(client, seen=29 * 60)  # 29 minutes idle: still signed in, and the clock restarts
    assert client.get(url).status_code == 200
    assert client.session[SessionTimeoutMiddleware.SEEN] > client.session[SessionTimeoutMiddleware.STARTED] - 1
    _age_session(client, seen=31 * 60)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("signin"))
    assert "_auth_user_id" not in client.session
    assert client.get(url).status_code == 302  # and it stays ended


@pytest.mark.django_db
def test_eight_hours_after_sign_in_the_session_ends_even_when_active(portal_tenant, sign_in):
    client = sign_in("global")
    url = reverse("environments:environment_list")
    assert client.get(url).status_code == 200
    _age_session(client, started=8 * 60 * 60 - 60)
    assert client.get(url).status_code == 200
    _age_session(client, started=120)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("signin"))


# --- Request bodies (finding 14) ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_body_over_the_cap_is_refused_before_it_is_read(client):
    """The declared length alone decides: the body here is one byte, and reading past it would
    fail the test client's payload (it refuses reads beyond the data it holds)."""
    response = client.generic("POST", reverse("signin"), b"x", content_type="application/octet-stream",
                              CONTENT_LENGTH=str(60 * 1024 * 1024))
    assert response.status_code == 413
    assert b"at most 8 MB" in response.content


@pytest.mark.django_db
def test_an_anonymous_large_multipart_post_gets_413_not_a_parse(client):
    big = SimpleUploadedFile("big.csv", b"a" * (9 * 1024 * 1024), content_type="text/csv")
    assert client.post(reverse("signin"), {"file": big}).status_code == 413
    small = SimpleUploadedFile("small.csv", b"a" * (7 * 1024 * 1024), content_type="text/csv")
    assert client.post(reverse("signin"), {"file": small}).status_code == 200  # the sign-in form again


def _five_mb_csv(last_row: str) -> tuple[str, int]:
    """A CSV just under the import's 5 MB limit, short rows (the most line ends per byte) in CR LF
    line ends, as a browser posts a textarea back; its last row is `last_row`."""
    from users_app.forms.imports import MAX_UPLOAD_BYTES

    lines, size, number = ["name,owner"], len("name,owner"), 0
    while size < MAX_UPLOAD_BYTES - 200:
        number += 1
        line = f"A{number},{portal_upn('plain')}"
        lines.append(line)
        size += len(line) + 2
    lines.append(last_row)
    return "\r\n".join(lines) + "\r\n", len(lines)


@pytest.mark.django_db
def test_a_five_mb_csv_passes_the_limits_for_preview_and_import(portal_tenant, sign_in):
    """A 2.5-5 MB file previewed, then refused (400) when posted back to import.
    Both steps now get through the request limits, to the CSV's own check: the last row is bad, so
    each answers the row's refusal (and imports nothing), not a 400 for the body's size."""
    from users_app.models import Account

    client = sign_in("global")
    env_id = portal_tenant["sales"].environment_id
    text, rows = _five_mb_csv("no owner here")
    upload = SimpleUploadedFile("accounts.csv", text.encode(), content_type="text/csv")
    preview = client.post(reverse("imports:data_import_preview", args=[env_id]), {"file": upload}, follow=True)
    assert preview.status_code == 200 and f"row {rows}" in preview.content.decode()
    # The preview page posts the text back as multipart (no percent-encoding to grow it).
    good = SimpleUploadedFile("accounts.csv", "name,owner\r\nAcme,{}\r\n".format(portal_upn("plain")).encode())
    shown = client.post(reverse("imports:data_import_preview", args=[env_id]), {"file": good}).content.decode()
    assert re.search(r'<form id="import-confirm-form"[^>]*enctype="multipart/form-data"[^>]*'
                     r'hx-encoding="multipart/form-data"', shown)
    imported = client.post(reverse("imports:data_import", args=[env_id]), {"csv_text": text}, follow=True)
    assert imported.status_code == 200 and f"row {rows}" in imported.content.decode()
    assert not Account.objects.filter(name="A1").exists()


# --- 404, 500 and static paths (finding 10) ---------------------------------------------------------------


@login_not_required
def _boom(request):
    raise RuntimeError("boom")


class BoomUrls:
    urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_an_unknown_url_answers_the_portals_404_page_listing_nothing(client):
    response = client.get("/nope-anon/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "We couldn't find that page" in body and 'class="topbar"' in body
    assert "/nope-anon/" in body
    assert "URLconf" not in body and "signin/" not in body and "environments/" not in body


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_404_when_signed_in_keeps_the_rail(portal_tenant, sign_in):
    response = sign_in("global").get("/environments/00000000-0000-0000-0000-000000000000/users/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We couldn't find that page" in body and 'class="rail"' in body


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF=BoomUrls)
def test_a_view_that_raises_answers_the_portals_500_page(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body and 'class="topbar"' in body
    assert "boom" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_a_static_path_climbing_out_of_static_is_404_under_debug():
    """`GET /static/../my/environments/` answered 500 under runserver with DEBUG on: Django's
    static handler, which runserver puts in front of the portal, raised SuspiciousFileOperation.
    runserver now leaves static files to WhiteNoise. Driven through the handler runserver builds
    (its options parsed as `manage.py runserver` parses them)."""
    with override_settings(DEBUG=True):
        command = load_command_class(get_commands()["runserver"], "runserver")
        options = vars(command.create_parser("manage.py", "runserver").parse_args([]))
        handler = command.get_handler(**options)
        environ = RequestFactory()._base_environ(PATH_INFO="/static/../my/environments/", REQUEST_METHOD="GET")
        statuses = []
        body = b"".join(handler(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses and statuses[0].split()[0] in ("404", "400"), (statuses, body[:200])
    css = RequestFactory()._base_environ(PATH_INFO="/static/css/portal.css", REQUEST_METHOD="GET")
    with override_settings(DEBUG=True):
        statuses.clear()
        b"".join(handler(css, lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses[0].startswith("200")  # static files are still served under DEBUG
