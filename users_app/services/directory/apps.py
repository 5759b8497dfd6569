"""App registrations (DIR-08): a service principal with an application (client) id, an object id
and a client secret shown once (only its hash is kept)."""
from __future__ import annotations

import secrets
import uuid

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from users_app.models import AppRegistration
from users_app.provisioning.rules import InvalidInput
from users_app.provisioning.rules.admin_roles import APPLICATION_PERMISSIONS, Action
from users_app.services import audit

from .fields import check_texts
from .rights import require_right


@transaction.atomic
def _app_registration_create(*, name: str, app_id: uuid.UUID | str | None = None) -> tuple[AppRegistration, str]:
    """A service principal with an application (client) id and an object id. The client
    secret is returned once; only its hash is stored."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("name", "An app registration needs a name.")
    check_texts(AppRegistration, {"name": name})
    try:
        app_uuid = uuid.UUID(str(app_id)) if app_id is not None else uuid.uuid4()
    except ValueError:
        raise InvalidInput("app_id", f"{app_id!r} is not a GUID.") from None
    if AppRegistration.objects.filter(app_id=app_uuid).exists():
        raise InvalidInput("app_id", f"An app registration with application id {app_uuid} already exists.")
    secret = secrets.token_urlsafe(32)
    app = AppRegistration.objects.create(name=name, app_id=app_uuid, secret_hash=make_password(secret))
    return app, secret


@transaction.atomic
def _app_registration_update(*, app: AppRegistration, name: str) -> AppRegistration:
    if name != app.name:
        app.name = name
        app.save(update_fields=["name"])
    return app


@transaction.atomic
def _app_registration_new_secret(*, app: AppRegistration) -> str:
    secret = secrets.token_urlsafe(32)
    app.secret_hash = make_password(secret)
    app.secret_created_on = timezone.now()
    app.save(update_fields=["secret_hash", "secret_created_on"])
    return secret


@transaction.atomic
def _app_registration_set_permissions(*, app: AppRegistration, permissions) -> AppRegistration:
    chosen = sorted(set(permissions))
    unknown = [p for p in chosen if p not in APPLICATION_PERMISSIONS]
    if unknown:
        raise InvalidInput("application_permissions", f"{unknown[0]!r} is not an application permission this "
                           f"tenant offers ({', '.join(APPLICATION_PERMISSIONS)}).")
    if chosen != sorted(app.application_permissions or []):
        app.application_permissions = chosen
        app.save(update_fields=["application_permissions"])
    return app


def app_registration_create(*, name: str, app_id: uuid.UUID | str | None = None) -> tuple[AppRegistration, str]:
    with audit.action("Register application", target=name) as entry:
        require_right(Action.APP_REGISTRATIONS)
        app, secret = _app_registration_create(name=name, app_id=app_id)
        entry.describe(target=app)
        entry.change("app_id", None, str(app.app_id))
    return app, secret


def app_registration_update(*, app: AppRegistration, name: str) -> AppRegistration:
    with audit.action("Edit application", target=app) as entry:
        require_right(Action.APP_REGISTRATIONS)
        before = app.name
        _app_registration_update(app=app, name=name)
        entry.change("name", before, app.name)
    return app


def app_registration_new_secret(*, app: AppRegistration) -> str:
    with audit.action("Add client secret", target=app) as entry:
        require_right(Action.APP_REGISTRATIONS)
        secret = _app_registration_new_secret(app=app)
        entry.change("client_secret", None, "new secret")
    return secret


def app_registration_set_permissions(*, app: AppRegistration, permissions) -> AppRegistration:
    """Grant (admin consent) exactly these Microsoft Graph application permissions to the app: what
    its client-credentials tokens may do in the directory (DIR-05 through the roles they stand for)."""
    with audit.action("Grant admin consent", target=app) as entry:
        require_right(Action.GRANT_CONSENT)
        before = list(app.application_permissions or [])
        _app_registration_set_permissions(app=app, permissions=permissions)
        entry.change("application_permissions", ", ".join(before), ", ".join(app.application_permissions))
    return app
