"""The Microsoft 365 admin center screens: active users, groups, licences, roles, app registrations
and the service information page.

Views parse the request, call one selector or service, and render; the rules (DIR-01..DIR-11) are
in users_app.services.directory, whose RuleViolation is shown as a message naming the rule."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import action_response, is_fragment_request, refuse, render_page_or_partial
from users_app.selectors import m365 as selectors
from users_app.forms.m365 import (
    ActiveUserCreateForm,
    AdminRolesForm,
    AppRegistrationCreateForm,
    ConfirmForm,
    DirectoryUserAccountForm,
    GroupCreateForm,
    GroupMembersAddForm,
    LicencesForm,
    PasswordResetForm,
    RoleHolderAddForm,
    UsersPickForm,
)
from users_app.models import DirectoryGroup, DirectoryUser
from users_app.permissions import admin_roles_of, directory_user_of, directory_user_required, m365_required, m365_rights
from users_app.provisioning import portal_access
from users_app.provisioning.rules.admin_roles import Action
from users_app.provisioning.rules import RuleViolation
from users_app.services import directory, lockout
from users_app.tables.m365 import (
    AdminRoleTable,
    AppRegistrationTable,
    DeletedUserTable,
    DirectoryUserTable,
    GroupTable,
    LicenceUserTable,
    SkuTable,
)

T = "users_app/m365/"
# The Account tab saves any of these; the service checks each changed field's own right.
PROFILE_WRITES = (Action.EDIT_PROFILE, Action.EDIT_USER_NAME, Action.EDIT_SENSITIVE, Action.USAGE_LOCATION)
HOME = "Microsoft 365 admin center"


def _crumbs(*trail) -> list[tuple[str, str | None]]:
    return [(HOME, reverse("m365:service_information")), *trail]


def _users_crumbs(*trail):
    active = reverse("m365:active_user_list")
    return _crumbs(("Users", active), *trail)


def _user_name(user: DirectoryUser) -> str:
    return user.display_name or user.login_name


def _user_page_context(request, user: DirectoryUser, tab: str, **extra) -> dict:
    return {
        "title": _user_name(user),
        "person": user,
        "tab": tab,
        "can": m365_rights(request, user),
        "sign_in_locked": lockout.user_is_locked(user),
        "clear_text_warning": directory.CLEAR_TEXT_WARNING,
        "breadcrumbs": _users_crumbs(("Active users", reverse("m365:active_user_list")), (_user_name(user), None)),
        **extra,
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    """A response showing a secret (temporary password, client secret) once: never cached."""
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0"
    return response


# --- active users ------------------------------------------------------------------------------


@require_GET
@m365_required()
def active_user_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.active_user_list(filters=request.GET)
    table = DirectoryUserTable(queryset).configure(request)
    context = {"table": table, "filter_q": request.GET.get("q", ""), "title": "Active users",
               "breadcrumbs": _users_crumbs(("Active users", None))}
    return render_page_or_partial(request, T + "active_user_list.html", "user-table", context)


def _deleted_context(request) -> dict:
    table = DeletedUserTable(selectors.deleted_user_list(filters=request.GET)).configure(request)
    return {"table": table, "filter_q": request.GET.get("q", ""), "title": "Deleted users",
            "breadcrumbs": _users_crumbs(("Deleted users", None))}


@require_GET
@m365_required()
def deleted_user_list(request: HttpRequest) -> HttpResponse:
    return render_page_or_partial(request, T + "deleted_user_list.html", "deleted-user-table", _deleted_context(request))


def _create_form(request, data=None) -> ActiveUserCreateForm:
    return ActiveUserCreateForm(data, domains=selectors.tenant_domains(), licence_choices=selectors.licence_choices())


@never_cache
@require_http_methods(["GET", "POST"])
@m365_required(Action.CREATE_USER)
def active_user_create(request: HttpRequest) -> HttpResponse:
    """Add a user (DIR-01). On success the temporary password is in this response only."""
    template = T + "active_user_create.html"
    context = {"title": "Add a user", "clear_text_warning": directory.CLEAR_TEXT_WARNING,
               "breadcrumbs": _users_crumbs(("Active users", reverse("m365:active_user_list")), ("Add a user", None))}
    if request.method == "GET":
        context["form"] = _create_form(request)
        return render_page_or_partial(request, template, "user-create", context)
    form = _create_form(request, request.POST)
    context.update(form=form, oob_messages=is_fragment_request(request))
    if not form.is_valid():
        return render_page_or_partial(request, template, "user-create", context, status=400)
    arguments = form.service_arguments()
    try:
        user, password = directory.directory_user_create(**arguments)
    except RuleViolation as violation:
        messages.error(request, f"{violation.rule}: {violation.message}", extra_tags=violation.rule)
        return render_page_or_partial(request, template, "user-create", context, status=409)
    messages.success(request, f"{user.user_principal_name} was added.")
    context.update(created=user, password=password, emailed_to=arguments["email_password_to"])
    return _no_store(render_page_or_partial(request, template, "user-create", context))


def _editable_fields(request, user: DirectoryUser) -> set[str]:
    """The Account tab's fields this admin may change on this user: each field's right is the one
    the directory service checks (directory.FIELD_ACTIONS, DIR-05)."""
    can = m365_rights(request, user)
    return {name for name in DirectoryUserAccountForm.FIELDS
            if can[directory.FIELD_ACTIONS.get(name, Action.EDIT_PROFILE).name.lower()]}


@require_http_methods(["GET", "POST"])
@m365_required(write=PROFILE_WRITES)
def active_user_detail(request: HttpRequest, user_id) -> HttpResponse:
    """The Account tab: the directory's profile fields (DIR-03); custom attributes read-only (FIELD-05)."""
    user = selectors.directory_user_get(user_id=user_id)
    template, partial = T + "active_user_detail.html", "account-form"
    url = reverse("m365:active_user_detail", args=[user.pk])
    if request.method == "GET":
        form = DirectoryUserAccountForm(user=user, editable=_editable_fields(request, user))
        return render_page_or_partial(request, template, partial, _user_page_context(request, user, "account", form=form))
    form = DirectoryUserAccountForm(request.POST, user=user, editable=_editable_fields(request, user))
    if not form.is_valid():
        context = _user_page_context(request, user, "account", form=form, oob_messages=is_fragment_request(request))
        return render_page_or_partial(request, template, partial, context, status=400)
    try:
        directory.directory_user_update(user=user, **form.service_arguments())
    except RuleViolation as violation:
        context = _user_page_context(request, user, "account", form=form)
        return refuse(request, violation, redirect_to=url, template=template, partial=partial, context=context,
                      status=409)
    messages.success(request, f"Saved the account of {_user_name(user)}.")
    user = selectors.directory_user_get(user_id=user.pk)
    context = _user_page_context(request, user, "account",
                                 form=DirectoryUserAccountForm(user=user, editable=_editable_fields(request, user)))
    return action_response(request, redirect_to=url, template=template, partial=partial, context=context)


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.LICENCES)
def active_user_licences(request: HttpRequest, user_id) -> HttpResponse:
    """Licenses and apps: tick / untick, Save changes (DIR-02 seats, DIR-10 usage location)."""
    user = selectors.directory_user_get(user_id=user_id)
    template, partial = T + "active_user_licences.html", "licence-form"
    url = reverse("m365:active_user_licences", args=[user.pk])

    def context_for(form_user, data=None):
        held = [a.sku.sku_part_number for a in form_user.licence_assignments.all()]
        form = LicencesForm(data, initial={"skus": held}, licence_choices=selectors.licence_choices())
        return _user_page_context(request, form_user, "licences", form=form)

    if request.method == "GET":
        return render_page_or_partial(request, template, partial, context_for(user))
    form = LicencesForm(request.POST, licence_choices=selectors.licence_choices())
    if not form.is_valid():
        context = _user_page_context(request, user, "licences", form=form, oob_messages=is_fragment_request(request))
        return render_page_or_partial(request, template, partial, context, status=400)
    try:
        directory.licences_set(user=user, skus=form.cleaned_data["skus"])
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=url, template=template, partial=partial,
                      context=context_for(user), status=409)
    messages.success(request, f"Saved the licenses of {_user_name(user)}.")
    user = selectors.directory_user_get(user_id=user.pk)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=context_for(user))


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.ADMIN_ROLES)
def active_user_roles(request: HttpRequest, user_id) -> HttpResponse:
    """Roles: the user's admin roles (DIR-05)."""
    user = selectors.directory_user_get(user_id=user_id)
    template, partial = T + "active_user_roles.html", "role-form"
    url = reverse("m365:active_user_roles", args=[user.pk])

    def context_for(form_user):
        form = AdminRolesForm(initial={"roles": [a.role for a in form_user.admin_roles.all()]})
        return _user_page_context(request, form_user, "roles", form=form)

    if request.method == "GET":
        return render_page_or_partial(request, template, partial, context_for(user))
    form = AdminRolesForm(request.POST)
    if not form.is_valid():
        context = _user_page_context(request, user, "roles", form=form, oob_messages=is_fragment_request(request))
        return render_page_or_partial(request, template, partial, context, status=400)
    try:
        directory.admin_roles_set(user=user, roles=form.cleaned_data["roles"])
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=url, template=template, partial=partial,
                      context=context_for(user), status=409)
    messages.success(request, f"Saved the admin roles of {_user_name(user)}.")
    user = selectors.directory_user_get(user_id=user.pk)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=context_for(user))


@require_GET
@m365_required()
def active_user_groups(request: HttpRequest, user_id) -> HttpResponse:
    user = selectors.directory_user_get(user_id=user_id)
    context = _user_page_context(request, user, "groups", **selectors.directory_user_groups(user=user))
    return render_page_or_partial(request, T + "active_user_groups.html", "user-groups", context)


def _summary_action(request, user_id, change, done: str) -> HttpResponse:
    """A command-bar action on a user: answers the user-summary fragment over HTMX, redirects otherwise."""
    user = selectors.directory_user_get(user_id=user_id)
    url = reverse("m365:active_user_detail", args=[user.pk])
    template, partial = T + "_active_user_summary.html", "user-summary"
    try:
        change(user)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=url, template=template, partial=partial,
                      context=_user_page_context(request, user, ""), status=409)
    messages.success(request, done.format(name=_user_name(user)))
    user = selectors.directory_user_get(user_id=user.pk)
    return action_response(request, redirect_to=url, template=template, partial=partial,
                           context=_user_page_context(request, user, ""))


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


@never_cache
@require_http_methods(["GET", "POST"])
@m365_required(Action.RESET_PASSWORD)
def active_user_password_reset(request: HttpRequest, user_id) -> HttpResponse:
    """Reset password (DIR-01): a new temporary password, shown once in this response."""
    user = selectors.directory_user_get(user_id=user_id)
    template, partial = T + "active_user_password_reset.html", "password-reset"
    context = _user_page_context(request, user, "")
    context["breadcrumbs"] = context["breadcrumbs"][:-1] + [
        (_user_name(user), reverse("m365:active_user_detail", args=[user.pk])), ("Reset password", None)]
    if request.method == "GET":
        context["form"] = PasswordResetForm()
        return render_page_or_partial(request, template, partial, context)
    form = PasswordResetForm(request.POST)
    context.update(form=form, oob_messages=is_fragment_request(request))
    if not form.is_valid():
        return render_page_or_partial(request, template, partial, context, status=400)
    to = form.cleaned_data["email_password_to"] or None
    try:
        password = directory.directory_user_set_password(user=user, email_password_to=to)
    except RuleViolation as violation:
        messages.error(request, f"{violation.rule}: {violation.message}", extra_tags=violation.rule)
        return render_page_or_partial(request, template, partial, context, status=409)
    messages.success(request, f"The password of {_user_name(user)} was reset.")
    context.update(password=password, emailed_to=to)
    return _no_store(render_page_or_partial(request, template, partial, context))


@require_http_methods(["GET", "POST"])
@m365_required(Action.DELETE)
def active_user_delete(request: HttpRequest, user_id) -> HttpResponse:
    """Delete user (DIR-04, soft: restorable for 30 days), after a confirmation."""
    user = selectors.directory_user_get(user_id=user_id)
    template, partial = T + "active_user_delete.html", "delete-confirm"
    context = _user_page_context(request, user, "")
    context["breadcrumbs"] = context["breadcrumbs"][:-1] + [
        (_user_name(user), reverse("m365:active_user_detail", args=[user.pk])), ("Delete user", None)]
    if request.method == "GET":
        context["form"] = ConfirmForm()
        return render_page_or_partial(request, template, partial, context)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        context.update(form=form, oob_messages=is_fragment_request(request))
        return render_page_or_partial(request, template, partial, context, status=400)
    try:
        directory.directory_user_delete(user=user)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=reverse("m365:active_user_detail", args=[user.pk]))
    messages.success(request, f"{_user_name(user)} was deleted. You can restore the user from Deleted users "
                              "for 30 days (DIR-04).")
    return action_response(request, redirect_to=reverse("m365:deleted_user_list"))


@require_POST
@m365_required(write=Action.DELETE)
def active_user_restore(request: HttpRequest, user_id) -> HttpResponse:
    """Restore a soft-deleted user (DIR-04, DIR-11). From the Deleted users list it answers the table
    fragment over HTMX; from the user page (return=detail) it redirects to the user."""
    user = selectors.directory_user_get(user_id=user_id)
    from_detail = request.POST.get("return") == "detail"
    detail_url = reverse("m365:active_user_detail", args=[user.pk])
    list_url = reverse("m365:deleted_user_list")
    redirect_to = detail_url if from_detail else list_url
    template, partial = T + "deleted_user_list.html", "deleted-user-table"
    try:
        directory.directory_user_restore(user=user)
    except RuleViolation as violation:
        if from_detail:
            return refuse(request, violation, redirect_to=redirect_to)
        return refuse(request, violation, redirect_to=redirect_to, template=template, partial=partial,
                      context=_deleted_context(request), status=409)
    messages.success(request, f"{user.user_principal_name} was restored with their licenses, groups and roles.")
    if from_detail:
        return action_response(request, redirect_to=redirect_to)
    return action_response(request, redirect_to=redirect_to, template=template, partial=partial,
                           context=_deleted_context(request))


@require_POST
@m365_required(write=Action.PURGE)
def active_user_purge(request: HttpRequest, user_id) -> HttpResponse:
    """Delete permanently from Deleted users (DIR-04): the user is gone for good; in each
    environment its record stays disabled and Delete becomes possible there (LIFE-05)."""
    user = selectors.directory_user_get(user_id=user_id)
    list_url = reverse("m365:deleted_user_list")
    template, partial = T + "deleted_user_list.html", "deleted-user-table"
    if request.POST.get("confirm") != "1":
        violation = RuleViolation("confirm", "Tick the confirmation: a permanently deleted user can never be restored.")
        return refuse(request, violation, redirect_to=list_url, template=template, partial=partial,
                      context=_deleted_context(request), status=400)
    try:
        directory.directory_user_purge(user=user)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=list_url, template=template, partial=partial,
                      context=_deleted_context(request), status=409)
    messages.success(request, f"{user.login_name} is permanently deleted (DIR-04); environments can now delete "
                              "its disabled records (LIFE-05).")
    return action_response(request, redirect_to=list_url, template=template, partial=partial,
                           context=_deleted_context(request))


# --- groups (DIR-06) -----------------------------------------------------------------------------


def _groups_crumbs(*trail):
    return _crumbs(("Teams & groups", reverse("m365:group_list")), *trail)


@require_GET
@m365_required()
def group_list(request: HttpRequest) -> HttpResponse:
    table = GroupTable(selectors.group_list(filters=request.GET)).configure(request)
    context = {"table": table, "filter_q": request.GET.get("q", ""), "filter_type": request.GET.get("group_type", ""),
               "group_types": DirectoryGroup._meta.get_field("group_type").choices,
               "title": "Active teams & groups", "breadcrumbs": _groups_crumbs(("Active teams & groups", None))}
    return render_page_or_partial(request, T + "group_list.html", "group-table", context)


@require_http_methods(["GET", "POST"])
@m365_required(Action.GROUPS)
def group_create(request: HttpRequest) -> HttpResponse:
    template, partial = T + "group_create.html", "group-create"
    context = {"title": "Add a group", "breadcrumbs": _groups_crumbs(("Add a group", None))}
    if request.method == "GET":
        context["form"] = GroupCreateForm()
        return render_page_or_partial(request, template, partial, context)
    form = GroupCreateForm(request.POST)
    context.update(form=form, oob_messages=is_fragment_request(request))
    if not form.is_valid():
        return render_page_or_partial(request, template, partial, context, status=400)
    try:
        group = directory.group_create(**form.cleaned_data)
    except RuleViolation as violation:
        messages.error(request, f"{violation.rule}: {violation.message}", extra_tags=violation.rule)
        return render_page_or_partial(request, template, partial, context, status=409)
    messages.success(request, f"The group {group.name} was created.")
    return action_response(request, redirect_to=reverse("m365:group_detail", args=[group.pk]))


def _group_context(group: DirectoryGroup, tab: str, **extra) -> dict:
    return {"title": group.name, "group": group, "tab": tab,
            "breadcrumbs": _groups_crumbs(("Active teams & groups", reverse("m365:group_list")), (group.name, None)),
            **extra}


def _members_context(group: DirectoryGroup, form=None) -> dict:
    members = selectors.group_member_list(group=group)
    user_ids = [m.user_id for m in members if m.user_id]
    group_ids = [m.member_group_id for m in members if m.member_group_id] + [group.pk]
    form = form or GroupMembersAddForm(user_choices=selectors.user_choices(exclude_ids=user_ids),
                                       group_choices=selectors.group_choices(exclude_ids=group_ids))
    return _group_context(group, "members", members=members, form=form)


@require_GET
@m365_required()
def group_detail(request: HttpRequest, group_id) -> HttpResponse:
    """The group's Members tab: every direct member, users and nested groups (DIR-06)."""
    group = selectors.group_get(group_id=group_id)
    return render_page_or_partial(request, T + "group_detail.html", "group-members", _members_context(group))


@require_POST
@m365_required(write=Action.GROUP_MEMBERS)
def group_member_add(request: HttpRequest, group_id) -> HttpResponse:
    """Add members (users and/or groups), then Save: one atomic write (DIR-06 refuses a cycle)."""
    group = selectors.group_get(group_id=group_id)
    template, partial = T + "group_detail.html", "group-members"
    url = reverse("m365:group_detail", args=[group.pk])
    members = selectors.group_member_list(group=group)
    form = GroupMembersAddForm(request.POST, user_choices=selectors.user_choices(),
                               group_choices=selectors.group_choices(exclude_ids=[group.pk]))
    if not form.is_valid():
        context = _members_context(group)
        context.update(add_errors=form.non_field_errors() or form.errors, oob_messages=is_fragment_request(request))
        return render_page_or_partial(request, template, partial, context, status=400)
    users = [m.user for m in members if m.user_id] + selectors.directory_users_by_ids(
        ids=form.cleaned_data["users"])
    groups = [m.member_group for m in members if m.member_group_id] + selectors.groups_by_ids(
        ids=form.cleaned_data["groups"])
    try:
        directory.group_members_set(group=group, users=users, groups=groups)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=url, template=template, partial=partial,
                      context=_members_context(group), status=409)
    added = len(form.cleaned_data["users"]) + len(form.cleaned_data["groups"])
    messages.success(request, f"Added {added} member{'s' if added != 1 else ''} to {group.name}.")
    group = selectors.group_get(group_id=group.pk)
    return action_response(request, redirect_to=url, template=template, partial=partial,
                           context=_members_context(group))


@require_POST
@m365_required(write=Action.GROUP_MEMBERS)
def group_member_remove(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    template, partial = T + "group_detail.html", "group-members"
    url = reverse("m365:group_detail", args=[group.pk])
    membership = next((m for m in selectors.group_member_list(group=group)
                       if str(m.pk) == request.POST.get("membership")), None)
    if membership is None:
        messages.error(request, "That member is no longer in the group.")
        return action_response(request, redirect_to=url, template=template, partial=partial,
                               context=_members_context(group), status=404)
    member = membership.user or membership.member_group
    if membership.user_id:
        directory.group_member_remove(group=group, user=membership.user)
    else:
        directory.group_member_remove(group=group, member_group=membership.member_group)
    messages.success(request, f"Removed {member} from {group.name}.")
    group = selectors.group_get(group_id=group.pk)
    return action_response(request, redirect_to=url, template=template, partial=partial,
                           context=_members_context(group))


def _owners_context(group: DirectoryGroup) -> dict:
    owners = selectors.group_owner_list(group=group)
    form = UsersPickForm(user_choices=selectors.user_choices(exclude_ids=[o.pk for o in owners]))
    return _group_context(group, "owners", owners=owners, form=form)


@require_GET
@m365_required()
def group_owners(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    return render_page_or_partial(request, T + "group_owners.html", "group-owners", _owners_context(group))


@require_POST
@m365_required(write=Action.GROUP_MEMBERS)
def group_owner_add(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    template, partial = T + "group_owners.html", "group-owners"
    url = reverse("m365:group_owners", args=[group.pk])
    form = UsersPickForm(request.POST, user_choices=selectors.user_choices())
    if not form.is_valid():
        context = _owners_context(group)
        context.update(add_errors=form.errors, oob_messages=is_fragment_request(request))
        return render_page_or_partial(request, template, partial, context, status=400)
    users = selectors.group_owner_list(group=group) + selectors.directory_users_by_ids(
        ids=form.cleaned_data["users"])
    try:
        directory.group_owners_set(group=group, users=users)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=url, template=template, partial=partial,
                      context=_owners_context(group), status=409)
    messages.success(request, f"Saved the owners of {group.name}.")
    group = selectors.group_get(group_id=group.pk)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=_owners_context(group))


@require_POST
@m365_required(write=Action.GROUP_MEMBERS)
def group_owner_remove(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    template, partial = T + "group_owners.html", "group-owners"
    url = reverse("m365:group_owners", args=[group.pk])
    owner = next((o for o in selectors.group_owner_list(group=group) if str(o.pk) == request.POST.get("user")), None)
    if owner is None:
        messages.error(request, "That user is not an owner of the group.")
        return action_response(request, redirect_to=url, template=template, partial=partial,
                               context=_owners_context(group), status=404)
    directory.group_owner_remove(group=group, user=owner)
    messages.success(request, f"{_user_name(owner)} is no longer an owner of {group.name}.")
    group = selectors.group_get(group_id=group.pk)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=_owners_context(group))


# --- licences -------------------------------------------------------------------------------------


def _licences_crumbs(*trail):
    return _crumbs(("Billing", None), ("Licenses", reverse("m365:licence_list")), *trail)


@require_GET
@m365_required()
def licence_list(request: HttpRequest) -> HttpResponse:
    """Licences with seats used / total / available (DIR-02), one query for the rows."""
    table = SkuTable(selectors.sku_list(filters=request.GET)).configure(request)
    return render_page_or_partial(request, T + "licence_list.html", "licence-table", _licence_list_context(request, table))


def _licence_list_context(request, table=None) -> dict:
    table = table or SkuTable(selectors.sku_list(filters=request.GET)).configure(request)
    return {"table": table, "filter_q": request.GET.get("q", ""), "title": "Licenses",
            "tenant": directory.tenant_get(),
            "breadcrumbs": _crumbs(("Billing", None), ("Licenses", None))}


@require_POST
@m365_required(write=Action.TENANT_LICENCES)
def tenant_licence_update(request: HttpRequest) -> HttpResponse:
    """The tenant-level Marketing licence (ELIG-03 c): with it, users need no licence of their own
    when added on demand."""
    held = request.POST.get("marketing_licence") == "1"
    directory.tenant_update(marketing_licence=held)
    messages.success(request, "The tenant holds a Marketing licence." if held else "The tenant holds no Marketing licence.")
    return action_response(request, redirect_to=reverse("m365:licence_list"), template=T + "licence_list.html",
                           partial="tenant-licences", context=_licence_list_context(request))


@require_GET
@m365_required()
def licence_detail(request: HttpRequest, sku_id) -> HttpResponse:
    sku = selectors.sku_get(sku_id=sku_id)
    link_users = portal_access.missing_m365_role(admin_roles_of(request)) is None
    table = LicenceUserTable(selectors.sku_user_list(sku=sku), link_users=link_users).configure(request)
    context = {"sku": sku, "table": table, "title": sku.name, "breadcrumbs": _licences_crumbs((sku.name, None))}
    return render_page_or_partial(request, T + "licence_detail.html", "licence-user-table", context)


# --- admin roles (DIR-05) ---------------------------------------------------------------------------


def _roles_crumbs(*trail):
    return _crumbs(("Roles", reverse("m365:role_list")), *trail)


@require_GET
@m365_required()
def role_list(request: HttpRequest) -> HttpResponse:
    table = AdminRoleTable(selectors.admin_role_list()).configure(request)
    context = {"table": table, "title": "Role assignments", "breadcrumbs": _roles_crumbs(("Role assignments", None))}
    return render_page_or_partial(request, T + "role_list.html", "role-table", context)


def _role_context(row) -> dict:
    form = RoleHolderAddForm(user_choices=selectors.user_choices(exclude_ids=[u.pk for u in row.holders]))
    return {"role": row, "form": form, "title": row.name,
            "breadcrumbs": _roles_crumbs(("Role assignments", reverse("m365:role_list")), (row.name, None))}


@require_GET
@m365_required()
def role_detail(request: HttpRequest, role_id) -> HttpResponse:
    row = selectors.admin_role_get(template_id=role_id)
    return render_page_or_partial(request, T + "role_detail.html", "role-holders", _role_context(row))


@require_POST
@m365_required(write=Action.ADMIN_ROLES)
def role_holder_add(request: HttpRequest, role_id) -> HttpResponse:
    row = selectors.admin_role_get(template_id=role_id)
    template, partial = T + "role_detail.html", "role-holders"
    url = reverse("m365:role_detail", args=[row.template_id])
    form = RoleHolderAddForm(request.POST, user_choices=selectors.user_choices())
    if not form.is_valid():
        context = _role_context(row)
        context.update(add_errors=form.errors, oob_messages=is_fragment_request(request))
        return render_page_or_partial(request, template, partial, context, status=400)
    user = selectors.directory_user_get(user_id=form.cleaned_data["user"])
    try:
        directory.admin_role_assign(user=user, role=row.role)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=url, template=template, partial=partial,
                      context=_role_context(row), status=409)
    messages.success(request, f"{_user_name(user)} now holds {row.name}.")
    row = selectors.admin_role_get(template_id=role_id)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=_role_context(row))


@require_POST
@m365_required(write=Action.ADMIN_ROLES)
def role_holder_remove(request: HttpRequest, role_id) -> HttpResponse:
    row = selectors.admin_role_get(template_id=role_id)
    template, partial = T + "role_detail.html", "role-holders"
    url = reverse("m365:role_detail", args=[row.template_id])
    holder = next((u for u in row.holders if str(u.pk) == request.POST.get("user")), None)
    if holder is None:
        messages.error(request, f"That user does not hold {row.name}.")
        return action_response(request, redirect_to=url, template=template, partial=partial,
                               context=_role_context(row), status=404)
    directory.admin_role_remove(user=holder, role=row.role)
    messages.success(request, f"{_user_name(holder)} no longer holds {row.name}.")
    row = selectors.admin_role_get(template_id=role_id)
    return action_response(request, redirect_to=url, template=template, partial=partial, context=_role_context(row))


# --- app registrations (DIR-08) --------------------------------------------------------------------


def _apps_crumbs(*trail):
    return _crumbs(("App registrations", reverse("m365:app_registration_list")), *trail)


@require_GET
@m365_required()
def app_registration_list(request: HttpRequest) -> HttpResponse:
    table = AppRegistrationTable(selectors.app_registration_list(filters=request.GET)).configure(request)
    context = {"table": table, "filter_q": request.GET.get("q", ""), "title": "App registrations",
               "breadcrumbs": _crumbs(("App registrations", None))}
    return render_page_or_partial(request, T + "app_registration_list.html", "app-registration-table", context)


@never_cache
@require_http_methods(["GET", "POST"])
@m365_required(Action.APP_REGISTRATIONS)
def app_registration_create(request: HttpRequest) -> HttpResponse:
    """New registration: the client secret is shown once, in this response (only its hash is kept)."""
    template, partial = T + "app_registration_create.html", "app-registration-create"
    context = {"title": "Register an application", "breadcrumbs": _apps_crumbs(("New registration", None))}
    if request.method == "GET":
        context["form"] = AppRegistrationCreateForm()
        return render_page_or_partial(request, template, partial, context)
    form = AppRegistrationCreateForm(request.POST)
    context.update(form=form, oob_messages=is_fragment_request(request))
    if not form.is_valid():
        return render_page_or_partial(request, template, partial, context, status=400)
    try:
        app, secret = directory.app_registration_create(name=form.cleaned_data["name"])
    except RuleViolation as violation:
        messages.error(request, f"{violation.rule}: {violation.message}", extra_tags=violation.rule)
        return render_page_or_partial(request, template, partial, context, status=409)
    messages.success(request, f"The application {app.name} was registered.")
    context.update(app=app, secret=secret)
    return _no_store(render_page_or_partial(request, template, partial, context))


# --- service information ------------------------------------------------------------------------------


@require_GET
@directory_user_required
def service_information(request: HttpRequest) -> HttpResponse:
    """Read-only, for every signed-in directory user: the tenant, their account, the environments count."""
    context = selectors.service_information(user=directory_user_of(request))
    context.update(title="Service information", breadcrumbs=_crumbs(("Service information", None)))
    return render_page_or_partial(request, T + "service_information.html", "service-information", context)
