"""What the Microsoft 365 admin center screens share: templates, breadcrumbs, the user page's
context, and one way to run a write and answer it (refused: 409 with the fragment; done: the
success message and the fragment read again)."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from portal.htmx import action_response, refuse, render_page_or_partial
from users_app.models import DirectoryUser
from users_app.permissions import m365_rights
from users_app.provisioning.rules import RuleViolation
from users_app.services import directory, lockout

T = "users_app/m365/"
HOME = "Microsoft 365 admin center"


def crumbs(*trail) -> list[tuple[str, str | None]]:
    return [(HOME, reverse("m365:service_information")), *trail]


def users_crumbs(*trail):
    active = reverse("m365:active_user_list")
    return crumbs(("Users", active), *trail)


def user_name(user: DirectoryUser) -> str:
    return user.display_name or user.login_name


def user_page_context(request, user: DirectoryUser, tab: str, **extra) -> dict:
    return {
        "title": user_name(user),
        "person": user,
        "tab": tab,
        "can": m365_rights(request, user),
        "sign_in_locked": lockout.user_is_locked(user),
        "clear_text_warning": directory.CLEAR_TEXT_WARNING,
        "breadcrumbs": users_crumbs(("Active users", reverse("m365:active_user_list")), (user_name(user), None)),
        **extra,
    }


def no_store(response: HttpResponse) -> HttpResponse:
    """A response showing a secret (temporary password, client secret) once: never cached."""
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0"
    return response


def act(request: HttpRequest, change: Callable[[], object], *, done: Callable[[], str] | str, url: str, template: str,
        partial: str, context: Callable[[], dict], refused_context: Callable[[], dict] | None = None) -> HttpResponse:
    """Run one service write. Refused: the refusal (409) with the fragment (`refused_context`, else
    `context`). Done: the success message and the fragment, its context built after the write."""
    try:
        change()
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=url, template=template, partial=partial,
                      context=(refused_context or context)(), status=409)
    messages.success(request, done() if callable(done) else done)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=context())


def refused_in_page(request: HttpRequest, violation: RuleViolation, template: str, partial: str,
                    context: dict) -> HttpResponse:
    """A refused create or reset: the page again (409), the message naming the rule."""
    messages.error(request, f"{violation.rule}: {violation.message}", extra_tags=violation.rule)
    return render_page_or_partial(request, template, partial, context, status=409)


def missing(request: HttpRequest, message: str, *, url: str, template: str, partial: str, context: dict) -> HttpResponse:
    """A Remove whose row is gone already: 404 with the fragment as it is now."""
    messages.error(request, message)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=context, status=404)
