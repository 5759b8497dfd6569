"""The directory's field checks and the helpers every directory write shares: text, user
principal name, user type, usage location (DIR-10), permanently deleted users (DIR-04) and the
DIR-11 alteration of a deleted user's names."""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from users_app.choices import DeletedState, DirectoryUserType
from users_app.models import DirectoryUser
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput
from users_app.provisioning.rules.text import check_text
from users_app.services.names import name_taken

RESTORE_WINDOW: timedelta = rules.RESTORE_WINDOW  # DIR-04
USERNAME_MAX = 150  # django.contrib.auth User.username

# DIR-01: the screens and the mail say this.
CLEAR_TEXT_WARNING = (
    "This e-mail is sent in clear text: anyone who can read it can sign in with this password. "
    "Where you can, give the password through a secure channel instead (in person, by phone, "
    "or through a password manager)."
)

PROFILE_FIELDS = (
    "display_name", "given_name", "surname", "job_title", "department", "office_location", "mail",
    "business_phone", "mobile_phone", "street_address", "city", "state", "postal_code", "country",
)
UPDATABLE_FIELDS = frozenset(
    PROFILE_FIELDS
    + ("user_principal_name", "usage_location", "account_enabled", "user_type", "custom_attributes", "home_tenant_licences")
)
TEXT_FIELDS = PROFILE_FIELDS + ("user_principal_name",)


def normalise_usage_location(value: str | None) -> str | None:
    """DIR-10: None or "" means none; otherwise two upper-case letters."""
    return rules.check_usage_location_code(value)


def check_texts(model, values: dict) -> None:
    """Names and profile fields: within their column, no control characters (rules/text.py)."""
    for name, value in values.items():
        if isinstance(value, str):
            check_text(name, value, max_length=model._meta.get_field(name).max_length)


def check_upn(upn: str) -> str:
    if not isinstance(upn, str) or not upn.strip() or "@" not in upn or upn != upn.strip() or " " in upn:
        raise InvalidInput("user_principal_name", f"{upn!r} is not a valid user name (name@domain).")
    return upn


def username_for(upn: str) -> str:
    return upn.lower()[:USERNAME_MAX]


def check_sign_in_free(username: str, *, account_id=None) -> None:
    """A portal sign-in name held by no other account (a superuser's included)."""
    accounts = get_user_model().objects.filter(username=username)
    if account_id is not None:
        accounts = accounts.exclude(pk=account_id)
    if accounts.exists():
        raise InvalidInput("user_principal_name", f"The sign-in name {username} is already taken.")


def check_upn_free(upn: str, *, exclude: DirectoryUser | None = None) -> None:
    """A UPN is free when no other directory user holds it and no other portal sign-in (a Django
    superuser included) has it as its user name: a sign-in is never adopted by another user."""
    if name_taken(DirectoryUser.objects.all(), upn, field="user_principal_name", exclude=exclude):
        raise InvalidInput("user_principal_name", f"The user name {upn} is already in use in the directory.")
    check_sign_in_free(username_for(upn), account_id=exclude.account_id if exclude is not None else None)


def check_user_type(value: str) -> str:
    if value not in DirectoryUserType.values:
        raise InvalidInput("user_type", f"User type must be Member or Guest, not {value!r}.")
    return value


def altered(value: str, user: DirectoryUser) -> str:
    """DIR-11: the object id without dashes put in front."""
    return f"{user.id.hex}{value}" if value else value


def refuse_hard_deleted(user: DirectoryUser) -> None:
    """DIR-04: nothing about a permanently deleted user changes."""
    rules.check_not_purged(purged=user.deleted_state == DeletedState.HARD, user_name=user.login_name)
