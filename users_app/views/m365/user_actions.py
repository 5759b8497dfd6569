"""The command bar of a user (DIR-01, DIR-04): block and unblock sign-in, reset password, delete,
restore and delete permanently."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from users_app.forms.m365 import ConfirmForm, PasswordResetForm
from users_app.permissions import m365_required
from users_app.provisioning.rules import InvalidInput
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.services import directory

from users_app.views.common import act, form_action, refused

from .common import T, no_store, user_name, user_page_context
from .users import deleted_context


def _summary_action(request, user_id, change, done: str) -> HttpResponse:
    """A command-bar action on a user: answers the user-summary fragment over HTMX, redirects otherwise."""
    user = selectors.directory_user_get(user_id=user_id)
    return act(request, lambda: change(user), done=lambda _: done.format(name=user_name(user)),
               url=reverse("m365:active_user_detail", args=[user.pk]), template=T + "_active_user_summary.html",
               partial="user-summary",
               context=lambda _: user_page_context(request, selectors.directory_user_get(user_id=user.pk), ""),
               refused_context=lambda: user_page_context(request, user, ""))


@require_POST
@m365_required(write=Action.BLOCK)
def active_user_block(request: HttpRequest, user_id) -> HttpResponse:
    """Block sign-in (accountEnabled false)."""
    return _summary_action(request, user_id, lambda u: directory.directory_user_update(user=u, account_enabled=False),
                           "Sign-in is blocked for {name}.")


@require_POST
@m365_required(write=Action.BLOCK)
def active_user_unblock(request: HttpRequest, user_id) -> HttpResponse:
    return _summary_action(request, user_id, lambda u: directory.directory_user_update(user=u, account_enabled=True),
                           "Sign-in is allowed again for {name}.")


def _step_context(request, user, step: str) -> dict:
    """The user page's context for a step of its own (Reset password, Delete user)."""
    context = user_page_context(request, user, "")
    context["breadcrumbs"] = context["breadcrumbs"][:-1] + [
        (user_name(user), reverse("m365:active_user_detail", args=[user.pk])), (step, None)]
    return context


@never_cache
@require_http_methods(["GET", "POST"])
@m365_required(Action.RESET_PASSWORD)
def active_user_password_reset(request: HttpRequest, user_id) -> HttpResponse:
    """Reset password (DIR-01): a new temporary password, shown once in this response."""
    user = selectors.directory_user_get(user_id=user_id)
    template, partial = T + "active_user_password_reset.html", "password-reset"
    context = _step_context(request, user, "Reset password")
    def to(form) -> str | None:
        return form.cleaned_data["email_password_to"] or None

    return no_store(form_action(
        request, template=template, partial=partial, make_form=PasswordResetForm,
        panel_context=lambda form: {**context, "form": form}, keep_form=True, stay=True,
        change=lambda form: directory.directory_user_set_password(user=user, email_password_to=to(form)),
        done=f"The password of {user_name(user)} was reset.",
        url=reverse("m365:active_user_password_reset", args=[user.pk]),
        shown=lambda password, form: {"password": password, "emailed_to": to(form)}))


@require_http_methods(["GET", "POST"])
@m365_required(Action.DELETE)
def active_user_delete(request: HttpRequest, user_id) -> HttpResponse:
    """Delete user (DIR-04, soft: restorable for 30 days), after a confirmation."""
    user = selectors.directory_user_get(user_id=user_id)
    template, partial = T + "active_user_delete.html", "delete-confirm"
    context = _step_context(request, user, "Delete user")
    # Refused, no fragment (refused_context=None): back to the user's page with the message.
    return form_action(
        request, template=template, partial=partial, make_form=ConfirmForm,
        panel_context=lambda form: {**context, "form": form}, refused_context=None,
        change=lambda _: directory.directory_user_delete(user=user),
        done=lambda _: f"{user_name(user)} was deleted. You can restore the user from Deleted users for 30 days (DIR-04).",
        url=reverse("m365:deleted_user_list"), refused_url=reverse("m365:active_user_detail", args=[user.pk]),
        leave=True)


@require_POST
@m365_required(write=Action.DELETE)
def active_user_restore(request: HttpRequest, user_id) -> HttpResponse:
    """Restore a soft-deleted user (DIR-04, DIR-11). From the Deleted users list it answers the table
    fragment over HTMX; from the user page (return=detail) it redirects to the user."""
    user = selectors.directory_user_get(user_id=user_id)
    restore = lambda: directory.directory_user_restore(user=user)  # noqa: E731
    done = lambda _: f"{user.user_principal_name} was restored with their licenses, groups and roles."  # noqa: E731
    if request.POST.get("return") == "detail":
        return act(request, restore, done=done, url=reverse("m365:active_user_detail", args=[user.pk]), leave=True)
    return act(request, restore, done=done, url=reverse("m365:deleted_user_list"),
               template=T + "deleted_user_list.html", partial="deleted-user-table",
               context=lambda _: deleted_context(request))


@require_POST
@m365_required(write=Action.PURGE)
def active_user_purge(request: HttpRequest, user_id) -> HttpResponse:
    """Delete permanently from Deleted users (DIR-04): the user is gone for good; in each
    environment its record stays disabled and Delete becomes possible there (LIFE-05)."""
    user = selectors.directory_user_get(user_id=user_id)
    list_url = reverse("m365:deleted_user_list")
    template, partial = T + "deleted_user_list.html", "deleted-user-table"
    if request.POST.get("confirm") != "1":
        unconfirmed = InvalidInput("confirm", "Tick the confirmation: a permanently deleted user can never be restored.")
        return refused(request, unconfirmed, redirect_to=list_url, template=template, partial=partial,
                       context=deleted_context(request), status=400)
    return act(request, lambda: directory.directory_user_purge(user=user),
               done=lambda _: f"{user.login_name} is permanently deleted (DIR-04); environments can now delete "
                            "its disabled records (LIFE-05).",
               url=list_url, template=template, partial=partial, context=lambda _: deleted_context(request))
