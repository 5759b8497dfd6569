"""Who is acting, and the audit log of what they did (AuditEntry).

The acting user travels in a context variable set once per entry point: the portal's
middleware (a directory user, through "portal"), the command line's base command (the
operator, through "cli"), the Django admin (the superuser, through "admin"), later the APIs.
Services read it with `current_actor()`; the admin-role limits (provisioning/rules/admin_roles.py)
are checked against its roles, and every change or refusal is recorded with it.

    with audit.action("Reset password", target=user) as entry:
        ...                       # the change; entry.change("field", before, after)

A RuleViolation raised inside is recorded as refused and raised again. The refusal must
outlive the rollback of every transaction around the action (a service's own, a command's),
so inside one it waits, and `acting_as` writes it when its block ends (the end of the request
or of the command). Nested actions record only the outermost one, with the changes of all.
"""
from __future__ import annotations

import contextvars
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

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
# Only ever current inside audit.rehearsing(), whose transaction is rolled back (services/previews.py).
REHEARSAL_ACTOR = Actor(SYSTEM, "rehearsal", "preview")
OPERATOR_ACTOR = Actor(OPERATOR, "operator", "cli")

_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("portal_actor", default=SYSTEM_ACTOR)
_open: contextvars.ContextVar["_Entry | None"] = contextvars.ContextVar("portal_audit_entry", default=None)
# Refusals waiting for the transactions around them to end (see the module docstring).
_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("portal_audit_pending", default=None)
# Inside an impact preview (services/previews.py) nothing is recorded: the change is rehearsed, not made.
_rehearsing: contextvars.ContextVar[bool] = contextvars.ContextVar("portal_audit_rehearsing", default=False)


def current_actor() -> Actor:
    return _current.get()


def rehearsing_now() -> bool:
    return _rehearsing.get()


@contextmanager
def rehearsing(*, as_actor: Actor | None = None) -> Iterator[None]:
    """A rehearsal (an impact preview): no entry and no refusal is recorded inside the block.
    `as_actor` acts as another actor for the block (a Global reader's preview is rehearsed by
    REHEARSAL_ACTOR, as whoever may make the change would make it)."""
    token = _rehearsing.set(True)
    actor_token = _current.set(as_actor) if as_actor is not None else None
    try:
        yield
    finally:
        if actor_token is not None:
            _current.reset(actor_token)
        _rehearsing.reset(token)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Act as `actor` inside the block; refusals recorded inside are written when it ends."""
    token = _current.set(actor)
    pending_token = _pending.set([])
    try:
        yield actor
    finally:
        waiting = _pending.get()
        _pending.reset(pending_token)
        try:
            for entry, kwargs in waiting:
                _write(entry, actor, **kwargs)
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

    refusal: tuple[str, str] | None = None  # (rule, message): the action ran but a rule refused it

    def change(self, name: str, before, after) -> None:
        """A field changed twice in one action shows its first before and its last after."""
        before, after = _text(before), _text(after)
        for item in self.changes:
            if item[0] == name:
                item[2] = after
                if item[1] == item[2]:
                    self.changes.remove(item)
                return
        if before != after:
            self.changes.append([name, before, after])

    def refuse(self, rule: str, message: str) -> None:
        """Record the action as refused by `rule` (for a service that answers a refusal instead
        of raising one, e.g. an on-demand add that the eligibility rules turn down)."""
        self.refusal = (rule, message)

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


def _write(entry: _Entry, actor: Actor, *, outcome: str, rule: str = "", message: str = "") -> AuditEntry | None:
    if _rehearsing.get():
        return None
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
            if entry.refusal is None:
                if entry.changes:  # an action that changed nothing leaves no entry
                    _write(entry, current_actor(), outcome=AuditEntry.Outcome.DONE)
            else:
                _write(entry, current_actor(), outcome=AuditEntry.Outcome.REFUSED, rule=entry.refusal[0],
                       message=entry.refusal[1])
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
    """A refused action: written now outside any transaction, else when `acting_as` ends."""
    violation.audit_recorded = True  # the command line's base records only the refusals nobody did
    if _rehearsing.get():
        return
    entry = entry or _Entry(name)
    if entry.target == "" and target is not None:
        entry.describe(target=target, environment=environment)
    kwargs = {"outcome": AuditEntry.Outcome.REFUSED, "rule": violation.rule, "message": violation.message}
    waiting = _pending.get()
    if connection.in_atomic_block and waiting is not None:
        waiting.append((entry, kwargs))
    else:
        _write(entry, current_actor(), **kwargs)


def record(name: str, *, target=None, environment=None, changes=()) -> None:
    """A single change already made (for callers that have no `with` block around it)."""
    with action(name, target=target, environment=environment) as entry:
        for change in changes:
            entry.change(*change)


def recorded(violation: RuleViolation) -> bool:
    """Whether an audited action already recorded this refusal (see record_refusal)."""
    return bool(getattr(violation, "audit_recorded", False))


# --- Services declare what they change -------------------------------------------------------


def _fresh(obj):
    """The object as the database has it now (None once deleted)."""
    if obj is None or not hasattr(obj, "_meta"):
        return obj
    if obj.pk is None:  # Model.delete() clears the instance's primary key
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).first()


def audited(name, *, target=None, environment=None, state=None, creates: bool = False, summary=None,
            refusal=None, atomic: bool = True):
    """Decorate a keyword-only service so that each call is one audited action.

    name: the action in the admin centers' words, or a function of the call's keyword arguments.
    target: the keyword argument naming the target object, or a function of the keyword arguments
      (creates=True: the object the service answers is the target).
    environment: a function of (kwargs, target) answering the environment; by default the
      target's `environment` attribute, or the target itself when it is an Environment.
    state: a function of (object, kwargs) answering {readable field: value}; it is read from the
      database before and after the call, and every field that differs is recorded before -> after
      (a created object's fields go from None; a deleted object's to None).
    summary: a function of (result, kwargs) answering more (field, before, after) changes.
    refusal: a function of the result answering (rule, message) when the service answered a
      refusal instead of raising one.
    atomic=False: the service manages its own transactions (a sync run's record must survive a
      failed run); the entry is written after it, a refusal as usual.

    A call nested in another audited action adds nothing of its own: the outer action's state
    covers what it changes (Manage security roles assigns each role through Assign security role)."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if _open.get() is not None:
                return func(*args, **kwargs)
            label = name(kwargs) if callable(name) else name
            obj = None if creates else (target(kwargs) if callable(target) else kwargs.get(target) if target else None)
            env = _environment_of(environment, kwargs, obj)
            before = _state_of(state, obj, kwargs)
            if not atomic:
                try:
                    result = func(*args, **kwargs)
                except RuleViolation as violation:
                    record_refusal(label, violation, target=obj, environment=env)
                    raise
                with action(label, target=obj, environment=env) as entry:
                    _finish(entry, result, obj, before, kwargs, state, summary, refusal, creates, environment)
                return result
            with action(label, target=obj, environment=env) as entry:
                result = func(*args, **kwargs)
                _finish(entry, result, obj, before, kwargs, state, summary, refusal, creates, environment)
            return result
        wrapper.audited = True
        return wrapper
    return decorate


def _environment_of(environment, kwargs, obj):
    if environment is not None:
        return environment(kwargs, obj)
    if obj is None:
        return kwargs.get("environment")
    if getattr(getattr(obj, "_meta", None), "model_name", "") == "environment":
        return obj
    return getattr(obj, "environment", None) or kwargs.get("environment")


def _state_of(state, obj, kwargs) -> dict:
    if state is None or obj is None:
        return {}
    fresh = _fresh(obj)
    return {} if fresh is None else state(fresh, kwargs)


_EMPTY = (None, "", [], {})


def _finish(entry, result, obj, before, kwargs, state, summary, refusal, creates, environment) -> None:
    if creates and result is not None:
        obj = result[0] if isinstance(result, tuple) else result
        entry.describe(target=obj, environment=_environment_of(environment, kwargs, obj))
    after = _state_of(state, obj, kwargs)
    for key in dict.fromkeys([*before, *after]):
        if (key not in before and after[key] in _EMPTY) or (key not in after and before[key] in _EMPTY):
            continue  # a created (deleted) object's empty fields say nothing
        entry.change(key, before.get(key), after.get(key))
    if summary is not None:
        for change in summary(result, kwargs):
            entry.change(*change)
    if refusal is not None:
        refused = refusal(result)
        if refused:
            entry.refuse(*refused)
