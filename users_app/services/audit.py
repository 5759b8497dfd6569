"""Who is acting, and the audit log of what they did (AuditEntry).

The acting user travels in a context variable set once per entry point: the portal's
middleware (a directory user, through "portal"), the command line's base command (the
operator, through "cli"), the Django admin (the superuser, through "admin"), later the APIs.
Services read it with `current_actor()`; the admin-role limits (provisioning/admin_rights.py)
are checked against its roles, and every change or refusal is recorded with it.

    with audit.action("Reset password", target=user) as entry:
        ...                       # the change; entry.change("field", before, after)

A RuleViolation raised inside is recorded as refused (in its own transaction, since the
action's is rolled back) and raised again. Nested actions record only the outermost one,
with the changes of all.
"""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from users_app.models import AuditEntry
from users_app.provisioning.rules import RuleViolation

# Kinds of actor: a directory user (its admin roles limit it), a Django superuser in /admin/,
# the operator at the command line, the system itself (background sync, seed), an app (API).
DIRECTORY, SUPERUSER, OPERATOR, SYSTEM, APP = "directory", "superuser", "operator", "system", "app"
UNRESTRICTED_KINDS = frozenset({SUPERUSER, OPERATOR, SYSTEM})


@dataclass(frozen=True)
class Actor:
    kind: str
    name: str
    via: str
    roles: frozenset[str] = frozenset()
    object_id: object = None  # the directory user's object id (uuid) when kind is DIRECTORY

    @property
    def unrestricted(self) -> bool:
        """The operator, a superuser and the system are not limited by admin roles (they run the
        machine); a directory user is limited by its roles."""
        return self.kind in UNRESTRICTED_KINDS

    @classmethod
    def for_directory_user(cls, user, roles, *, via: str = "portal") -> "Actor":
        return cls(DIRECTORY, user.user_principal_name, via, frozenset(roles), user.pk)


SYSTEM_ACTOR = Actor(SYSTEM, "system", "system")
OPERATOR_ACTOR = Actor(OPERATOR, "operator", "cli")

_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("portal_actor", default=SYSTEM_ACTOR)
_open: contextvars.ContextVar["_Entry | None"] = contextvars.ContextVar("portal_audit_entry", default=None)


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def _text(value) -> object:
    """Before/after values as JSON: plain scalars kept, everything else as its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(str(v) for v in value) if isinstance(value, (set, frozenset)) else [str(v) for v in value]
    return str(value)


@dataclass
class _Entry:
    action: str
    target_type: str = ""
    target_id: str = ""
    target: str = ""
    environment: str = ""
    changes: list = field(default_factory=list)

    def change(self, name: str, before, after) -> None:
        if before != after:
            self.changes.append([name, _text(before), _text(after)])

    def describe(self, *, target=None, environment=None) -> None:
        """Name the target once it is known (e.g. a user the action created)."""
        if target is not None:
            self.target_type, self.target_id, self.target = _target(target)
        if environment is not None:
            self.environment = str(environment)


def _target(obj) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, str):
        return "", "", obj
    kind = obj._meta.model_name if hasattr(obj, "_meta") else type(obj).__name__.lower()
    label = getattr(obj, "user_principal_name", None) or getattr(obj, "domainname", None) or str(obj)
    return kind, str(getattr(obj, "pk", "") or ""), label[:256]


def _write(entry: _Entry, actor: Actor, *, outcome: str, rule: str = "", message: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        actor_kind=actor.kind, actor=actor.name[:256], actor_object_id=actor.object_id, via=actor.via,
        action=entry.action[:80], target_type=entry.target_type, target_id=entry.target_id[:64],
        target=entry.target[:256], environment=entry.environment[:200], changes=entry.changes,
        outcome=outcome, rule=rule[:40], message=message,
    )


@contextmanager
def action(name: str, *, target=None, environment=None) -> Iterator[_Entry]:
    """Record one change (or its refusal) by the current actor. See the module docstring."""
    outer = _open.get()
    if outer is not None:  # nested in another audited action: its changes join the outer entry
        inner = _Entry(name)
        inner.describe(target=target, environment=environment)
        yield _Nested(outer, inner)
        return
    entry = _Entry(name)
    entry.describe(target=target, environment=environment)
    token = _open.set(entry)
    try:
        with transaction.atomic():
            yield entry
            _write(entry, current_actor(), outcome=AuditEntry.Outcome.DONE)
    except RuleViolation as violation:
        _open.reset(token)
        token = None
        record_refusal(name, violation, target=target, environment=environment, entry=entry)
        raise
    finally:
        if token is not None:
            _open.reset(token)


class _Nested:
    """An inner action's view: changes go to the outer entry, prefixed by the inner target."""

    def __init__(self, outer: _Entry, inner: _Entry):
        self._outer, self._inner = outer, inner

    def change(self, name: str, before, after) -> None:
        label = f"{self._inner.target}: {name}" if self._inner.target and self._inner.target != self._outer.target else name
        self._outer.change(label, before, after)

    def describe(self, *, target=None, environment=None) -> None:
        self._inner.describe(target=target, environment=environment)


def record_refusal(name: str, violation: RuleViolation, *, target=None, environment=None,
                   entry: _Entry | None = None) -> None:
    """A refused action, written in its own transaction (the action's own was rolled back).
    Inside an outer transaction that is later rolled back (a CLI command refusing as a
    whole), the outer transaction decides: the command line's base records it again."""
    entry = entry or _Entry(name)
    if entry.target == "" and target is not None:
        entry.describe(target=target, environment=environment)
    _write(entry, current_actor(), outcome=AuditEntry.Outcome.REFUSED, rule=violation.rule,
           message=violation.message)


def record(name: str, *, target=None, environment=None, changes=()) -> None:
    """A single change already made (for callers that have no `with` block around it)."""
    with action(name, target=target, environment=environment) as entry:
        for change in changes:
            entry.change(*change)
