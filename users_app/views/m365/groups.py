"""Active teams & groups (DIR-06): the list, Add a group, and a group's Members and Owners tabs."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import render_page_or_partial
from users_app.choices import GroupType
from users_app.forms.m365 import GroupCreateForm, GroupMembersAddForm, UsersPickForm
from users_app.models import DirectoryGroup
from users_app.permissions import m365_required
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.tables.m365 import GroupTable
from users_app.services import directory

from users_app.views.common import form_action

from .common import T, add_errors, crumbs, missing, relation_action, user_name

MEMBERS = (T + "group_detail.html", "group-members")
OWNERS = (T + "group_owners.html", "group-owners")


def _groups_crumbs(*trail):
    return crumbs(("Teams & groups", reverse("m365:group_list")), *trail)


@require_GET
@m365_required()
def group_list(request: HttpRequest) -> HttpResponse:
    table = GroupTable(selectors.group_list(filters=request.GET)).configure(request)
    context = {"table": table, "filter_q": request.GET.get("q", ""), "filter_type": request.GET.get("group_type", ""),
               "group_types": GroupType.choices,
               "title": "Active teams & groups", "breadcrumbs": _groups_crumbs(("Active teams & groups", None))}
    return render_page_or_partial(request, T + "group_list.html", "group-table", context)


@require_http_methods(["GET", "POST"])
@m365_required(Action.GROUPS)
def group_create(request: HttpRequest) -> HttpResponse:
    template, partial = T + "group_create.html", "group-create"
    context = {"title": "Add a group", "breadcrumbs": _groups_crumbs(("Add a group", None))}
    return form_action(request, template=template, partial=partial, make_form=GroupCreateForm,
                       panel_context=lambda form: {**context, "form": form}, keep_form=True, leave=True,
                       change=lambda form: directory.group_create(**form.cleaned_data),
                       done=lambda group: f"The group {group.name} was created.",
                       url=lambda group: reverse("m365:group_detail", args=[group.pk]))


def _group_context(group: DirectoryGroup, tab: str, **extra) -> dict:
    return {"title": group.name, "group": group, "tab": tab,
            "breadcrumbs": _groups_crumbs(("Active teams & groups", reverse("m365:group_list")), (group.name, None)),
            **extra}


def _members_context(group: DirectoryGroup) -> dict:
    members = selectors.group_member_list(group=group)
    user_ids = [m.user_id for m in members if m.user_id]
    group_ids = [m.member_group_id for m in members if m.member_group_id] + [group.pk]
    form = GroupMembersAddForm(user_choices=selectors.user_choices(exclude_ids=user_ids),
                               group_choices=selectors.group_choices(exclude_ids=group_ids))
    return _group_context(group, "members", members=members, form=form)


def _owners_context(group: DirectoryGroup) -> dict:
    owners = selectors.group_owner_list(group=group)
    form = UsersPickForm(user_choices=selectors.user_choices(exclude_ids=[o.pk for o in owners]))
    return _group_context(group, "owners", owners=owners, form=form)


def _tab_action(request, group: DirectoryGroup, change, done, tab, url_name: str, context_for) -> HttpResponse:
    return relation_action(request, change, done, url=reverse(url_name, args=[group.pk]), tab=tab,
                           context_for=context_for, item=group,
                           read_again=lambda: selectors.group_get(group_id=group.pk))


@require_GET
@m365_required()
def group_detail(request: HttpRequest, group_id) -> HttpResponse:
    """The group's Members tab: every direct member, users and nested groups (DIR-06)."""
    group = selectors.group_get(group_id=group_id)
    return render_page_or_partial(request, *MEMBERS, _members_context(group))


@require_POST
@m365_required(write=Action.GROUP_MEMBERS)
def group_member_add(request: HttpRequest, group_id) -> HttpResponse:
    """Add members (users and/or groups), then Save: one atomic write (DIR-06 refuses a cycle)."""
    group = selectors.group_get(group_id=group_id)
    members = selectors.group_member_list(group=group)
    form = GroupMembersAddForm(request.POST, user_choices=selectors.user_choices(),
                               group_choices=selectors.group_choices(exclude_ids=[group.pk]))
    if not form.is_valid():
        return add_errors(request, form.non_field_errors() or form.errors, MEMBERS, _members_context(group))
    users = [m.user for m in members if m.user_id] + selectors.directory_users_by_ids(ids=form.cleaned_data["users"])
    groups = [m.member_group for m in members if m.member_group_id] + selectors.groups_by_ids(
        ids=form.cleaned_data["groups"])
    added = len(form.cleaned_data["users"]) + len(form.cleaned_data["groups"])
    return _tab_action(request, group, lambda: directory.group_members_set(group=group, users=users, groups=groups),
                       f"Added {added} member{'s' if added != 1 else ''} to {group.name}.",
                       MEMBERS, "m365:group_detail", _members_context)


@require_POST
@m365_required(write=Action.GROUP_MEMBERS)
def group_member_remove(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    membership = next((m for m in selectors.group_member_list(group=group)
                       if str(m.pk) == request.POST.get("membership")), None)
    if membership is None:
        return missing(request, "That member is no longer in the group.", url=reverse("m365:group_detail", args=[group.pk]),
                       template=MEMBERS[0], partial=MEMBERS[1], context=_members_context(group))
    if membership.user_id:
        remove = lambda: directory.group_member_remove(group=group, user=membership.user)  # noqa: E731
    else:
        remove = lambda: directory.group_member_remove(group=group, member_group=membership.member_group)  # noqa: E731
    member = membership.user or membership.member_group
    return _tab_action(request, group, remove, f"Removed {member} from {group.name}.",
                       MEMBERS, "m365:group_detail", _members_context)


@require_GET
@m365_required()
def group_owners(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    return render_page_or_partial(request, *OWNERS, _owners_context(group))


@require_POST
@m365_required(write=Action.GROUP_MEMBERS)
def group_owner_add(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    form = UsersPickForm(request.POST, user_choices=selectors.user_choices())
    if not form.is_valid():
        return add_errors(request, form.errors, OWNERS, _owners_context(group))
    users = selectors.group_owner_list(group=group) + selectors.directory_users_by_ids(ids=form.cleaned_data["users"])
    return _tab_action(request, group, lambda: directory.group_owners_set(group=group, users=users),
                       f"Saved the owners of {group.name}.", OWNERS, "m365:group_owners", _owners_context)


@require_POST
@m365_required(write=Action.GROUP_MEMBERS)
def group_owner_remove(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    owner = next((o for o in selectors.group_owner_list(group=group) if str(o.pk) == request.POST.get("user")), None)
    if owner is None:
        return missing(request, "That user is not an owner of the group.", url=reverse("m365:group_owners", args=[group.pk]),
                       template=OWNERS[0], partial=OWNERS[1], context=_owners_context(group))
    return _tab_action(request, group, lambda: directory.group_owner_remove(group=group, user=owner),
                       f"{user_name(owner)} is no longer an owner of {group.name}.",
                       OWNERS, "m365:group_owners", _owners_context)
