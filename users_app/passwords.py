"""Password rules: Django's validators (settings.AUTH_PASSWORD_VALIDATORS)
applied to every password a person chooses, with the user they belong to.

The validators compare the password with the user's attributes: the forms hand them the sign-in
account (username = the UPN, first and last name) with the directory user's display name added
(`for_validation`); `password_problems` builds such a user for a password that has no account yet
(the tenant file's)."""
from __future__ import annotations

import re

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError

MIN_NAME_PART = 3  # shorter parts ("al", "jo") would refuse half the dictionary


def for_validation(account, directory_user=None):
    """The sign-in account, with the directory user's display name (and UPN as the user name) for
    the validators. The account object itself: the form sets its password on it."""
    if directory_user is not None:
        account.display_name = directory_user.display_name
        if not account.username:
            account.username = directory_user.user_principal_name.lower()
    return account


def password_problems(password: str, *, upn: str, display_name: str = "") -> list[str]:
    """What Django's validators say about `password` for the user `upn` ([] when it passes)."""
    user = get_user_model()(username=upn.lower())
    user.display_name = display_name
    parts = display_name.split()
    if len(parts) >= 2:
        user.first_name, user.last_name = parts[0], parts[-1]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def _names(user) -> list[str]:
    names = []
    username = user.get_username() if hasattr(user, "get_username") else ""
    if username:
        names.append(username.split("@", 1)[0])
    display_name = getattr(user, "display_name", "") or ""
    if display_name:
        names.append(display_name)
        names.append(re.sub(r"\s+", "", display_name))
    return [name.lower() for name in names if len(name) >= MIN_NAME_PART]


class UserNameInPasswordValidator:
    """The password may not contain the user name (the UPN's part before @) or the whole display
    name, in any case, as Entra ID's own rule. Django's UserAttributeSimilarityValidator catches a
    password that looks like them; this one catches "Mallory2026!!" for mallory@."""

    message = "The password can't contain your user name or your display name."

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        lowered = password.lower()
        if any(name in lowered for name in _names(user)):
            raise ValidationError(self.message, code="password_contains_user_name")

    def get_help_text(self) -> str:
        return "Your password can't contain your user name or your display name."
