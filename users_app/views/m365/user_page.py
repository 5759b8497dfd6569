"""A directory user's page in the Microsoft 365 admin center, with its tabs (Account, Licenses and
apps, Groups, Roles). Add a user is the wizard of add_user_wizard.py."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portal.htmx import render_page_or_partial
from users_app.forms.m365 import AdminRolesForm, DirectoryUserAccountForm, LicencesForm
from users_app.models import DirectoryUser
from users_app.permissions import m365_required, m365_rights
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.services import directory
from users_app.views.common import act
from users_app.views.previews import Preview

from .common import T, user_name, user_page_context

# The Account tab saves any of these; the service checks each changed field's own right.
PROFILE_WRITES = (Action.EDIT_PROFILE, Action.EDIT_USER_NAME, Action.EDIT_SENSITIVE, Action.USAGE_LOCATION)
SHEET = "user-sheet"  # the partial a tab link swaps: the header, the tabs and the tab


def _editable_fields(request, user: DirectoryUser) -> set[str]:
    """The Account tab's fields this admin may change on this user: each field's right is the one
    the directory service checks (directory.FIELD_ACTIONS, DIR-05)."""
    can = m365_rights(request, user)
    return {name for name in DirectoryUserAccountForm.FIELDS
            if can[directory.FIELD_ACTIONS.get(name, Action.EDIT_PROFILE).name.lower()]}


def _saved_tab(request, user: DirectoryUser, tab: str, template: str, partial: str, url_name: str, *, blank, bound,
               save, what: str, refused_keeps_form: bool = False, extra=None, preview=None) -> HttpResponse:
    """A tab of the user page that saves one form: GET shows `blank(user)` (over htmx the whole sheet,
    header and tabs, swapped in place); POST validates `bound()`, runs `save(form)` and answers the
    tab's form read again after the write. `preview`: a Preview, shown before the save (issue 12)."""
    def context_for(form_user, form=None):
        return user_page_context(request, form_user, tab, form=form or blank(form_user), **(extra or {}))

    if request.method == "GET":
        return render_page_or_partial(request, template, SHEET, context_for(user))
    form = bound()
    return act(request, lambda: save(form), done=lambda _: f"Saved the {what} of {user_name(user)}.", form=form,
               invalid_context=lambda: context_for(user, form), url=reverse(url_name, args=[user.pk]),
               template=template, partial=partial,
               context=lambda _: context_for(selectors.directory_user_get(user_id=user.pk)),
               refused_context=lambda: context_for(user, form if refused_keeps_form else None), preview=preview)


@require_http_methods(["GET", "POST"])
@m365_required(write=PROFILE_WRITES)
def active_user_detail(request: HttpRequest, user_id) -> HttpResponse:
    """The Account tab: the directory's profile fields (DIR-03); custom attributes read-only (FIELD-05)."""
    user = selectors.directory_user_get(user_id=user_id)
    return _saved_tab(
        request, user, "account", T + "active_user_detail.html", "account-form", "m365:active_user_detail",
        blank=lambda form_user: DirectoryUserAccountForm(user=form_user, editable=_editable_fields(request, form_user)),
        bound=lambda: DirectoryUserAccountForm(request.POST, user=user, editable=_editable_fields(request, user)),
        save=lambda form: directory.directory_user_update(user=user, **form.service_arguments()),
        what="account", refused_keeps_form=True)


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.LICENCES, preview=True)
def active_user_licences(request: HttpRequest, user_id) -> HttpResponse:
    """Licenses and apps: tick / untick, Save changes (DIR-02 seats, DIR-10 usage location), after
    the preview of what it does in every environment (ELIG-03)."""
    user = selectors.directory_user_get(user_id=user_id)
    url = reverse("m365:active_user_licences", args=[user.pk])
    return _saved_tab(
        request, user, "licences", T + "active_user_licences.html", "licence-form", "m365:active_user_licences",
        blank=lambda form_user: LicencesForm(initial={"skus": [a.sku.sku_part_number
                                                               for a in form_user.licence_assignments.all()]},
                                             licence_choices=selectors.licence_choices()),
        bound=lambda: LicencesForm(request.POST, licence_choices=selectors.licence_choices()),
        save=lambda form: directory.licences_set(user=user, skus=form.cleaned_data["skus"]), what="licenses",
        extra={"licence_skus": list(selectors.sku_list())},
        preview=Preview(title=f"Save the licenses of {user_name(user)}?", cancel=url, button="Save changes",
                        text=f"The licenses of {user_name(user)} become the ones ticked.", target="#licence-form",
                        swap="outerHTML"))


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.ADMIN_ROLES, preview=True)
def active_user_roles(request: HttpRequest, user_id) -> HttpResponse:
    """Roles: the user's admin roles (DIR-05), after the preview of what they change in every
    environment (ELIG-04, MODE-02)."""
    user = selectors.directory_user_get(user_id=user_id)
    url = reverse("m365:active_user_roles", args=[user.pk])
    return _saved_tab(
        request, user, "roles", T + "active_user_roles.html", "role-form", "m365:active_user_roles",
        blank=lambda form_user: AdminRolesForm(initial={"roles": [a.role for a in form_user.admin_roles.all()]}),
        bound=lambda: AdminRolesForm(request.POST),
        save=lambda form: directory.admin_roles_set(user=user, roles=form.cleaned_data["roles"]), what="admin roles",
        preview=Preview(title=f"Save the admin roles of {user_name(user)}?", cancel=url, button="Save changes",
                        text=(f"The admin roles of {user_name(user)} become the ones ticked (DIR-05). Global and Power "
                              f"Platform administrators pass a security group (ELIG-04); an unlicensed admin of the Power "
                              f"Platform gets administrative access (MODE-02)."),
                        target="#role-form", swap="outerHTML"))


@require_GET
@m365_required()
def active_user_groups(request: HttpRequest, user_id) -> HttpResponse:
    user = selectors.directory_user_get(user_id=user_id)
    context = user_page_context(request, user, "groups", **selectors.directory_user_groups(user=user))
    return render_page_or_partial(request, T + "active_user_groups.html", SHEET, context)
