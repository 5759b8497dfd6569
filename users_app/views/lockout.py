"""Unlock sign-in (issue 9, finding 6): an admin ends a user's sign-in lockout before its cool-off.

Who may: whoever may reset the user's password (DIR-05, Table A of provisioning/rules/admin_roles.py):
Global and User administrators, Helpdesk and Password administrators for the users they may reset.
Without the right at all: 403 naming the roles; on a target the role may not touch: the rule's
message (users_app.services.lockout.unlock refuses with DIR-05, recorded in the audit log)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from users_app.selectors import m365 as selectors
from users_app.permissions import m365_required
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import lockout
from users_app.views.common import act


@require_POST
@m365_required(write=Action.RESET_PASSWORD)
def active_user_unlock(request: HttpRequest, user_id) -> HttpResponse:
    """Unlock sign-in, then back to the user's page (over HTMX: the page reloads with the message)."""
    user = selectors.directory_user_get(user_id=user_id)
    return act(request, lambda: lockout.unlock(user),
               done=f"Sign-in is unlocked for {user.display_name or user.user_principal_name}.",
               url=reverse("m365:active_user_detail", args=[user.pk]), leave=True)
