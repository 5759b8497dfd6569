"""Sign-in lockout: repeated failures lock a user name from an address, and an
address, for a cool-off; an admin may unlock a user sooner. The counting is django-axes' (its
AccessAttempt table); the limits and the reasons are in portal/settings.py (AXES_*).

    is_locked(username)   is this user name locked out from some address?
    unlock(user)          forget a directory user's failed attempts (audited, DIR-05 rights)

PortalLockoutHandler is axes' database handler with three changes:
- one indexed query (on ip_address) answers "locked?" for both counters, each with its own limit
  (AXES_FAILURE_LIMIT for a name from an address, LOCKOUT_ADDRESS_FAILURE_LIMIT for the address);
- a successful sign-in clears only that name's failures from that address, never the address's
  (axes would clear both, so that one good account resets a password spray's count);
- every failure is logged to "portal.security", and a new lockout goes into the audit log.
"""
from __future__ import annotations

import ipaddress
import logging

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from users_app.auth import USERNAME_MAX, normalise_username
from users_app.models import DirectoryUser
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import audit
from users_app.services.directory import require_right

security_log = logging.getLogger("portal.security")

LOCKED_MESSAGE = ("Your account is temporarily locked to prevent unauthorized use. "
                  "Try again later, or ask an admin to unlock it.")


# --- what axes calls (settings.AXES_*_CALLABLE) ----------------------------------------------

def attempted_username(request, credentials=None) -> str | None:
    """The user name of a sign-in attempt, normalised as the sign-in itself does (users_app/auth.py),
    so that "Alice@…" and " alice@… " count as one name."""
    value = (credentials or {}).get("username") if credentials else None
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get("username")
    value = normalise_username(value)
    return value.replace("\x00", "")[:USERNAME_MAX] if value else None


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind the TLS proxy the last X-Forwarded-For entry
    (the one the proxy appended; anything a client sends itself stands further left)."""
    remote = request.META.get("REMOTE_ADDR")
    if getattr(settings, "LOCKOUT_ADDRESS_FROM_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            remote = forwarded
    try:
        return str(ipaddress.ip_address(remote)) if remote else None
    except ValueError:
        return None


def _address_limit() -> int:
    return getattr(settings, "LOCKOUT_ADDRESS_FAILURE_LIMIT", settings.AXES_FAILURE_LIMIT)


class PortalLockoutHandler(AxesDatabaseHandler):
    """See the module docstring."""

    def get_failures(self, request, credentials=None) -> int:
        """The failures that count, on the scale of AXES_FAILURE_LIMIT: a name's failures from this
        address as they are, the address's scaled so that reaching its own limit reaches axes' one
        (floor(n * limit / address_limit) >= limit exactly when n >= address_limit)."""
        username = get_client_username(request, credentials)
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        sums = attempts.aggregate(
            address=Sum("failures_since_start"),
            account=Sum("failures_since_start", filter=Q(username=username)),
        )
        account, address = sums["account"] or 0, sums["address"] or 0
        request.lockout_account_failures = account
        limit = get_failure_limit(request, credentials)
        scaled = address * limit // _address_limit()
        request.lockout_scope = "address" if scaled >= limit and account < limit else "user name and address"
        return max(account, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in: that name's failures from that address only."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address).delete()
        return count

    def user_logged_in(self, sender, request, user, **kwargs):
        """No access-log row, no clean-up: a sign-in costs the one lockout query, plus a delete
        only when this name had failures from this address."""
        if settings.AXES_RESET_ON_SUCCESS and getattr(request, "lockout_account_failures", 0):
            self.reset_user_attempts(request, {"username": user.get_username()})

    def user_logged_out(self, sender, request, user, **kwargs):
        """Nothing to record (AXES_DISABLE_ACCESS_LOG)."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:  # a sign-in from Python code, not the web (see auth.LockoutBackend)
            return
        was_locked = getattr(request, "lockout_refused", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials)
        address, path = request.axes_ip_address, request.axes_path_info
        if was_locked:
            security_log.warning("Sign-in refused while locked out: user name %r from %s (%s)", username, address, path)
        elif request.axes_locked_out:
            scope = getattr(request, "lockout_scope", "user name and address")
            security_log.warning("Sign-in locked out after repeated failures: user name %r from %s (%s), by %s",
                                 username, address, path, scope)
            audit.record("Sign-in locked", target=username or "(no user name)",
                         changes=[("address", None, address), ("locked by", None, scope), ("path", None, path)])
        else:
            security_log.warning("Sign-in failed: user name %r from %s (%s)", username, address, path)


# --- the admin's side ------------------------------------------------------------------------

def _recent(username: str):
    attempts = AccessAttempt.objects.filter(username=normalise_username(username))
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def is_locked(username: str) -> bool:
    """Is this user name locked out from some address (AXES_FAILURE_LIMIT failures from one address
    within the cool-off)? An address's own lock is not the user's: it ends with the cool-off, or
    the superuser deletes it in /admin/ (Access attempts)."""
    if not username:
        return False
    return (_recent(username).values("ip_address").annotate(failures=Sum("failures_since_start"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT).exists())


def user_is_locked(user: DirectoryUser) -> bool:
    return user.account is not None and is_locked(user.account.get_username())


def unlock(user: DirectoryUser) -> int:
    """Unlock sign-in: forget the failed attempts of the user's sign-in name, from every address.
    Who may: whoever may reset the user's password (DIR-05, Table A; a reset would let the user in
    anyway). Returns how many attempt records went."""
    with audit.action("Unlock sign-in", target=user) as entry:
        require_right(Action.RESET_PASSWORD, user)
        username = user.account.get_username() if user.account is not None else user.user_principal_name
        was_locked = is_locked(username)
        count, _ = AccessAttempt.objects.filter(username=normalise_username(username)).delete()
        entry.change("sign-in locked", was_locked, False)
    security_log.warning("Sign-in unlocked: user name %r by %s", username, audit.current_actor().name)
    return count
