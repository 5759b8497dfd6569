"""Who a valid bearer token is, and the audit actor its calls act as.

An app registration's token (client credentials) acts as the app: in the directory with the
rights of the admin roles its application permissions stand for (rules/admin_roles.py
APPLICATION_PERMISSIONS), in an environment as its application user (APP-04, checked by the
Dataverse API). A directory user's token acts as that user, with its admin roles, exactly as the
portal's screens do (users_app/permissions.py). Either way DIR-05 and the audit log apply to every
write unchanged, because the services read the actor (users_app/services/audit.py).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from users_app.models import AppRegistration, DirectoryUser
from users_app.provisioning.rules.admin_roles import roles_for_permissions
from users_app.services import audit
from users_app.services.directory.rights import roles_of

from . import tokens


@dataclass(frozen=True)
class Caller:
    kind: str  # tokens.APP or tokens.USER
    actor: audit.Actor
    app: AppRegistration | None = None
    user: DirectoryUser | None = None
    permissions: frozenset[str] = frozenset()

    @property
    def is_app(self) -> bool:
        return self.kind == tokens.APP

    @property
    def roles(self) -> frozenset[str]:
        """The admin roles whose rights this caller has in the directory."""
        return self.actor.roles


class UnknownCaller(Exception):
    """The token is valid but its app or user is gone, blocked or deleted."""


def app_actor(app: AppRegistration, via: str) -> audit.Actor:
    return audit.Actor(audit.APP, app.name, via, roles_for_permissions(app.application_permissions))


def caller_for(claims: dict, *, via: str) -> Caller:
    """The caller a verified token's claims name, read afresh (a revoked permission, a blocked or
    deleted user takes effect at once, not when the token expires)."""
    try:
        object_id = uuid.UUID(str(claims.get("oid")))
    except ValueError:
        raise UnknownCaller("The token names no object.") from None
    if claims.get("idtyp") == tokens.APP:
        app = AppRegistration.objects.filter(object_id=object_id).first()
        if app is None:
            raise UnknownCaller("The application of this token no longer exists.")
        return Caller(tokens.APP, app_actor(app, via), app=app,
                      permissions=frozenset(app.application_permissions or ()))
    user = DirectoryUser.objects.filter(pk=object_id).first()
    if user is None or user.is_deleted:
        raise UnknownCaller("The user of this token no longer exists.")
    if not user.account_enabled:
        raise UnknownCaller("The user of this token is blocked from signing in.")
    return Caller(tokens.USER, audit.Actor.for_directory_user(user, roles_of(user), via=via), user=user)
