"""The command bar of a user (DIR-01, DIR-04): block and unblock sign-in, reset password and delete,
each in a side panel (the one confirmation for Block and Delete), restore and delete permanently."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.htmx import action_response, render_page_or_partial
from users_app.forms.m365 import PasswordResetForm
from users_app.forms.m365_wizard import SignInForm
from users_app.permissions import m365_required
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.services import directory

from users_app.views.common import act, form_action
from users_app.views.previews import Preview

from .common import T, no_store, user_name, user_page_context
from .users import deleted_context


PANEL_TEMPLATE, PANEL = T + "active_user_panel.html", "user-panel"


def _panel(request, user, **extra) -> HttpResponse:
    """A command's side panel: over htmx the panel alone, otherwise the page with the panel shown."""
    return render_page_or_partial(request, PANEL_TEMPLATE, PANEL, {**user_page_context(request, user, ""), **extra})


def _sign_in_panel(request, user_id, *, blocking: bool) -> HttpResponse:
    """Block sign-in / Unblock sign-in as the real panel: one box, "Block this user from signing in",
    and Save. The box says what sign-in should be; Save changes it only if it differs."""
    user = selectors.directory_user_get(user_id=user_id)
    page, name = reverse("m365:active_user_detail", args=[user.pk]), user_name(user)
    confirm = dict(
        id="sign-in-panel", action=request.path, cancel=page, button="Save", icon="save",
        form=SignInForm(initial={"blocked": blocking}),
        title="Block this user?" if blocking else "Unblock this user?",
        text=(f"Blocked, {name} can't sign in to the portal or any environment, and their session ends at "
              "their next request. You can unblock them later." if blocking else
              f"Clear the box and save to let {name} sign in again."))
    if request.method == "GET":
        return _panel(request, user, confirm=confirm)
    form = SignInForm(request.POST)
    form.is_valid()
    blocked = bool(form.cleaned_data.get("blocked"))
    if blocked != user.account_enabled:  # nothing to change (nothing written, so a preview's reader too)
        state = "blocked" if blocked else "allowed"
        messages.info(request, f"Sign-in stays {state} for {user_name(user)}.")
        return action_response(request, redirect_to=page)
    done = "Sign-in is blocked for {name}." if blocked else "Sign-in is allowed again for {name}."
    preview = Preview(title=f"Block sign-in for {name}?" if blocked else f"Unblock sign-in for {name}?", cancel=page,
                      text=(f"{name} can no longer sign in." if blocked else f"{name} can sign in again."),
                      button="Block sign-in" if blocked else "Unblock sign-in", danger=blocked,
                      icon="person_prohibited" if blocked else "person_available")
    return act(request, lambda: directory.directory_user_update(user=user, account_enabled=not blocked),
               done=done.format(name=name), url=page, leave=True, preview=preview,
               **_refused_in_panel(request, user, confirm))


def _refused_in_panel(request, user, confirm) -> dict:
    """act()'s arguments for a refusal shown in the panel itself (409, the message naming the rule)."""
    return {"template": PANEL_TEMPLATE, "partial": PANEL,
            "refused_context": lambda: {**user_page_context(request, user, ""), "confirm": confirm}}


@require_http_methods(["GET", "POST"])
@m365_required(Action.BLOCK, preview=True)
def active_user_block(request: HttpRequest, user_id) -> HttpResponse:
    """Block sign-in (accountEnabled false), through its panel."""
    return _sign_in_panel(request, user_id, blocking=True)


@require_http_methods(["GET", "POST"])
@m365_required(Action.BLOCK, preview=True)
def active_user_unblock(request: HttpRequest, user_id) -> HttpResponse:
    """Unblock sign-in, through the same panel (the box cleared)."""
    return _sign_in_panel(request, user_id, blocking=False)


@never_cache
@require_http_methods(["GET", "POST"])
@m365_required(Action.RESET_PASSWORD)
def active_user_password_reset(request: HttpRequest, user_id) -> HttpResponse:
    """Reset password (DIR-01) in a side panel: a new temporary password, shown once in this response."""
    user = selectors.directory_user_get(user_id=user_id)
    context = user_page_context(request, user, "")

    def to(form) -> str | None:
        return form.cleaned_data["email_password_to"] or None

    return no_store(form_action(
        request, template=PANEL_TEMPLATE, partial=PANEL, make_form=PasswordResetForm,
        panel_context=lambda form: {**context, "form": form}, keep_form=True, stay=True,
        change=lambda form: directory.directory_user_set_password(user=user, email_password_to=to(form)),
        done=f"The password of {user_name(user)} was reset.",
        url=reverse("m365:active_user_password_reset", args=[user.pk]),
        shown=lambda password, form: {"password": password, "emailed_to": to(form)}))


@require_http_methods(["GET", "POST"])
@m365_required(Action.DELETE, preview=True)
def active_user_delete(request: HttpRequest, user_id) -> HttpResponse:
    """Delete user (DIR-04, soft: restorable for 30 days), after the one confirmation panel."""
    user = selectors.directory_user_get(user_id=user_id)
    page, name = reverse("m365:active_user_detail", args=[user.pk]), user_name(user)
    confirm = dict(
        id="delete-confirm", action=request.path, cancel=page, button="Delete user", icon="person_delete",
        title=f"Delete {name}?", rules="DIR-04 DIR-11",
        text=f"{name} can no longer sign in, their license seats are freed and every environment counts them "
             "as deleted.",
        items=["Their user name and mail are altered while deleted.",
               "You can restore them, with the same licenses, groups and roles, from Deleted users for 30 days; "
               "after that they are gone for good."])
    if request.method == "GET":
        return _panel(request, user, confirm=confirm)
    # Refused: the panel again over htmx, else back to the user's page; the message names the rule.
    preview = Preview(title=f"Delete {name}?", cancel=page, danger=True, button="Delete user", icon="person_delete",
                      text=f"{name} is deleted (restorable for 30 days, DIR-04).")
    return act(request, lambda: directory.directory_user_delete(user=user),
               done=f"{name} was deleted. You can restore the user from Deleted users for 30 days.",
               url=reverse("m365:deleted_user_list"), refused_url=page, leave=True, preview=preview,
               **_refused_in_panel(request, user, confirm))


@require_POST
@m365_required(write=Action.DELETE, preview=True)
def active_user_restore(request: HttpRequest, user_id) -> HttpResponse:
    """Restore a soft-deleted user (DIR-04, DIR-11). From the Deleted users list it answers the table
    fragment over HTMX; from the user page (return=detail) it redirects to the user."""
    user = selectors.directory_user_get(user_id=user_id)
    restore = lambda: directory.directory_user_restore(user=user)  # noqa: E731
    done = lambda _: f"{user.user_principal_name} was restored with their licenses, groups and roles."  # noqa: E731
    name = user.login_name
    preview = dict(title=f"Restore {name}?", button="Restore user", icon="arrow_undo",
                   text=f"{name} is restored with their licenses, groups and roles (DIR-04, DIR-11).")
    if request.POST.get("return") == "detail":
        page = reverse("m365:active_user_detail", args=[user.pk])
        return act(request, restore, done=done, url=page, leave=True, preview=Preview(cancel=page, **preview))
    # The list as it was shown, with the same search and sort, so the box and the rows agree (B11).
    query = QueryDict(request.POST.get("query", ""))
    request.GET = query
    list_url = reverse("m365:deleted_user_list") + (f"?{query.urlencode()}" if query else "")
    return act(request, restore, done=done, url=list_url,
               template=T + "deleted_user_list.html", partial="deleted-user-table",
               context=lambda _: deleted_context(request),
               preview=Preview(cancel=list_url, target="#deleted-user-table", swap="outerHTML", **preview))


@require_http_methods(["GET", "POST"])
@m365_required(Action.PURGE)
def active_user_purge(request: HttpRequest, user_id) -> HttpResponse:
    """Delete permanently from Deleted users (DIR-04), after the one confirmation panel: the user is
    gone for good; in each environment its record stays disabled and Delete becomes possible there
    (LIFE-05). The list behind the panel, and after it, keeps its search (`query`)."""
    user = selectors.directory_user_get(user_id=user_id)
    query = QueryDict(request.GET.urlencode() if request.method == "GET" else request.POST.get("query", ""))
    request.GET = query
    list_url = reverse("m365:deleted_user_list") + (f"?{query.urlencode()}" if query else "")
    template, partial = T + "deleted_user_list.html", "confirm-panel"
    confirm = dict(
        id="purge-confirm", action=reverse("m365:active_user_purge", args=[user.pk]), cancel=list_url,
        title=f"Delete {user.login_name} permanently?", button="Delete permanently", rules="DIR-04 LIFE-05",
        hidden={"query": query.urlencode()},
        text=f"{user.login_name} is gone for good: it can never be restored. Its licenses, groups and roles go "
             "with it; in each environment its record stays disabled and can then be deleted there.")
    context = lambda: {**deleted_context(request), "confirm": confirm}  # noqa: E731
    if request.method == "GET":
        return render_page_or_partial(request, template, partial, context())
    return act(request, lambda: directory.directory_user_purge(user=user),
               done=lambda _: f"{user.login_name} is permanently deleted; environments can now delete its disabled "
                            "records.",
               url=list_url, leave=True, template=template, partial=partial, refused_context=context)
