"""What the Microsoft 365 admin center screens share: templates, breadcrumbs, the user page's
context, and the relation tabs (group members, group owners, role holders): Add and Remove run through
users_app.views.common.act, a Remove whose row is gone answers 404, a bad pick 400."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from portal.htmx import action_response
from users_app.models import DirectoryUser
from users_app.permissions import m365_rights
from users_app.services import directory, lockout
from users_app.views.common import act

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


def missing(request: HttpRequest, message: str, *, url: str, template: str, partial: str, context: dict) -> HttpResponse:
    """A Remove whose row is gone already: 404 with the fragment as it is now."""
    messages.error(request, message)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=context, status=404)


def relation_action(request: HttpRequest, change, done: str, *, url: str, tab: tuple[str, str], context_for,
                    item, read_again, preview=None) -> HttpResponse:
    """Add or Remove on a relation tab: `tab` is (template, partial); refused, the tab of `item` as it
    was; done, the tab of `read_again()`, read after the write. `preview`: the impact preview first
    (users_app/views/previews.py)."""
    return act(request, change, done=done, url=url, template=tab[0], partial=tab[1],
               context=lambda _: context_for(read_again()), refused_context=lambda: context_for(item), preview=preview)
