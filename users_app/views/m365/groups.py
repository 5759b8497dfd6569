"""Active teams & groups (DIR-06): the list, Add a group, and a group's Members and Owners tabs."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.utils.http import urlencode

from portal.forms import SearchSelectForm
from portal.htmx import is_fragment_request, render_page_or_partial
from users_app.choices import GroupType
from users_app.forms.m365 import GroupCreateForm, GroupMembersAddForm, UsersPickForm
from users_app.models import DirectoryGroup
from users_app.permissions import m365_required, m365_rights
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.selectors import relations as rows
from users_app.tables.m365 import GroupTable
from users_app.services import directory

from users_app.views.common import form_action
from users_app.views.previews import Preview

from users_app.views.relations import Relation, RelationRow, relation_context

from .common import T, crumbs, missing, relation_action, user_name

MEMBERS = (T + "group_detail.html", "group-members")
OWNERS = (T + "group_owners.html", "group-owners")
MEMBERS_CONFIRM = (T + "group_detail.html", "confirm-panel")
OWNERS_CONFIRM = (T + "group_owners.html", "confirm-panel")


def _groups_crumbs(*trail):
    return crumbs(("Teams & groups", reverse("m365:group_list")), *trail)


@require_GET
@m365_required()
def group_list(request: HttpRequest) -> HttpResponse:
    table = GroupTable(selectors.group_list(filters=request.GET)).configure(request)
    context = {"table": table, "search_form": SearchSelectForm(request.GET, label="Search groups", placeholder="Group name", name="group_type",
                                               select_label="Type", empty_label="All group types", choices=GroupType.choices),
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


def _remove_url(name: str, group: DirectoryGroup, **key) -> str:
    return f"{reverse(name, args=[group.pk])}?{urlencode(key)}"


def _member_row(group: DirectoryGroup):
    return lambda membership: _member_row_of(group, membership)


def _member_row_of(group: DirectoryGroup, membership) -> RelationRow:
    if membership.user_id:
        user = membership.user
        return RelationRow(str(membership.pk), user_name(user), reverse("m365:active_user_detail", args=[user.pk]),
                           user.login_name, "User", "Deleted" if user.is_deleted else "",
                           _remove_url("m365:group_member_remove", group, membership=membership.pk))
    nested = membership.member_group
    return RelationRow(str(membership.pk), nested.name, reverse("m365:group_detail", args=[nested.pk]), "—", "Group",
                       remove_url=_remove_url("m365:group_member_remove", group, membership=membership.pk))


def _members_context(request, group: DirectoryGroup, form=None, **extra) -> dict:
    if form is None:
        form = GroupMembersAddForm()
    form.fields["users"].narrowing = {"not_member_of": group.pk}
    form.fields["groups"].narrowing = {"not_member_of": group.pk}
    relation = Relation(
        id="group-members", title="Members", noun="member", url=reverse("m365:group_detail", args=[group.pk]),
        total=group.member_count, count_id="group-member-count", show_kind=True,
        description="Direct members: users and nested groups. A group may contain groups, never itself through nesting (DIR-06).",
        can_edit=m365_rights(request)["group_members"], add_form=form,
        add_url=reverse("m365:group_member_add", args=[group.pk]), add_title="Add members", add_button="Add members")
    relation_context(request, relation, rows.group_members(group), search=rows.MEMBER_SEARCH, row=_member_row(group))
    return _group_context(group, "members", relation=relation, **extra)


def _owner_row(group: DirectoryGroup):
    def make(owner) -> RelationRow:
        user = owner.user
        return RelationRow(str(user.pk), user_name(user), reverse("m365:active_user_detail", args=[user.pk]),
                           user.login_name, remove_url=_remove_url("m365:group_owner_remove", group, user=user.pk))
    return make


def _owners_context(request, group: DirectoryGroup, form=None, **extra) -> dict:
    form = form if form is not None else UsersPickForm()
    form.fields["users"].narrowing = {"not_owner_of": group.pk}
    relation = Relation(
        id="group-owners", title="Owners", noun="owner", url=reverse("m365:group_owners", args=[group.pk]),
        total=group.owner_count, count_id="group-owner-count",
        description="Owners manage the group; they are not members unless added on the Members tab (DIR-06).",
        can_edit=m365_rights(request)["group_members"], add_form=form,
        add_url=reverse("m365:group_owner_add", args=[group.pk]), add_title="Add owners", add_button="Add owners")
    relation_context(request, relation, rows.group_owners(group), search=rows.USER_SEARCH, row=_owner_row(group))
    return _group_context(group, "owners", relation=relation, **extra)


def _tab_action(request, group: DirectoryGroup, change, done, tab, url_name: str, context_for, *,
                title: str, text: str, button: str, danger: bool = False) -> HttpResponse:
    """Add or Remove on the Members or Owners tab, its impact previewed first: Confirm answers the tab."""
    url = reverse(url_name, args=[group.pk])
    preview = Preview(title=title, cancel=url, text=text, button=button, danger=danger,
                      icon="person_delete" if danger else "person_add", target=f"#{tab[1]}", swap="outerHTML")
    return relation_action(request, change, done, url=url, tab=tab,
                           context_for=lambda item: context_for(request, item), item=group,
                           read_again=lambda: selectors.group_get(group_id=group.pk), preview=preview)


# What a change of members or owners does to the environments (the previews' sentence).
MEMBERS_EFFECT = ("The background sync follows in the environments whose security group is {group}: a direct "
                  "member is let in, a removed one is disabled (ELIG-04). Members of nested groups count on demand "
                  "only: the background sync ignores them (ENV-03).")
OWNERS_EFFECT = ("Owners count on demand only (ELIG-04), and in a Dataverse for Teams environment at first access "
                 "(ENV-07): the background sync does not read them.")


def _bad_pick(request, tab, context: dict) -> HttpResponse:
    """Add with a name that matches nobody (or too many): the tab again (400), the field saying which."""
    return render_page_or_partial(request, *tab, {**context, "oob_messages": is_fragment_request(request)}, status=400)


@require_GET
@m365_required()
def group_detail(request: HttpRequest, group_id) -> HttpResponse:
    """The group's Members tab: direct members, users and nested groups (DIR-06), searched and paged."""
    group = selectors.group_get(group_id=group_id)
    return render_page_or_partial(request, *MEMBERS, _members_context(request, group))


@require_POST
@m365_required(write=Action.GROUP_MEMBERS, preview=True)
def group_member_add(request: HttpRequest, group_id) -> HttpResponse:
    """Add members (users and/or groups) chosen with the picker: one atomic write (DIR-06 refuses a cycle)."""
    group = selectors.group_get(group_id=group_id)
    form = GroupMembersAddForm(request.POST)
    if not form.is_valid():
        return _bad_pick(request, MEMBERS, _members_context(request, group, form))
    members = selectors.group_member_list(group=group)
    users = [m.user for m in members if m.user_id] + form.cleaned_data["users"]
    groups = [m.member_group for m in members if m.member_group_id] + form.cleaned_data["groups"]
    added = len(form.cleaned_data["users"]) + len(form.cleaned_data["groups"])
    names = [user_name(u) for u in form.cleaned_data["users"]] + [g.name for g in form.cleaned_data["groups"]]
    noun = f"member{'s' if added != 1 else ''}"
    return _tab_action(request, group, lambda: directory.group_members_set(group=group, users=users, groups=groups),
                       f"Added {added} {noun} to {group.name}.", MEMBERS, "m365:group_detail", _members_context,
                       title=f"Add {added} {noun} to {group.name}?", button="Add members",
                       text=f"{', '.join(names)} become{'s' if added == 1 else ''} direct members of {group.name}. "
                            + MEMBERS_EFFECT.format(group=group.name))


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.GROUP_MEMBERS, preview=True)
def group_member_remove(request: HttpRequest, group_id) -> HttpResponse:
    """Remove a member: GET the confirmation (what the member loses), POST removes (B14)."""
    group = selectors.group_get(group_id=group_id)
    key = request.POST.get("membership") if request.method == "POST" else request.GET.get("membership")
    membership = rows.group_membership_get(group, key)
    page = reverse("m365:group_detail", args=[group.pk])
    if request.method == "GET":
        if membership is None or not m365_rights(request)["group_members"]:  # nothing to confirm: the tab
            return render_page_or_partial(request, *MEMBERS, _members_context(request, group))
        member = membership.user or membership.member_group
        name = user_name(member) if membership.user_id else member.name
        confirm = {"title": f"Remove {name} from {group.name}?", "action": request.path, "cancel": page,
                   "text": (f"{name} stops being a direct member of {group.name}. Environments whose security group "
                            f"it is remove the access it gave at their next sync."),
                   "rules": "DIR-06 ELIG-04", "button": "Remove", "icon": "person_delete",
                   "hidden": {"membership": membership.pk}, "target": "#group-members"}
        return render_page_or_partial(request, *MEMBERS_CONFIRM, _members_context(request, group, confirm=confirm))
    if membership is None:
        return missing(request, "That member is no longer in the group.", url=page,
                       template=MEMBERS[0], partial=MEMBERS[1], context=_members_context(request, group))
    if membership.user_id:
        remove = lambda: directory.group_member_remove(group=group, user=membership.user)  # noqa: E731
    else:
        remove = lambda: directory.group_member_remove(group=group, member_group=membership.member_group)  # noqa: E731
    member = membership.user or membership.member_group
    name = user_name(member) if membership.user_id else member.name
    return _tab_action(request, group, remove, f"Removed {member} from {group.name}.",
                       MEMBERS, "m365:group_detail", _members_context, title=f"Remove {name} from {group.name}?",
                       button="Remove", danger=True,
                       text=f"{name} stops being a direct member of {group.name}. " + MEMBERS_EFFECT.format(group=group.name))


@require_GET
@m365_required()
def group_owners(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    return render_page_or_partial(request, *OWNERS, _owners_context(request, group))


@require_POST
@m365_required(write=Action.GROUP_MEMBERS, preview=True)
def group_owner_add(request: HttpRequest, group_id) -> HttpResponse:
    group = selectors.group_get(group_id=group_id)
    form = UsersPickForm(request.POST)
    if not form.is_valid():
        return _bad_pick(request, OWNERS, _owners_context(request, group, form))
    users = selectors.group_owner_list(group=group) + form.cleaned_data["users"]
    added = len(form.cleaned_data["users"])
    noun = f"owner{'s' if added != 1 else ''}"
    names = ", ".join(user_name(u) for u in form.cleaned_data["users"])
    return _tab_action(request, group, lambda: directory.group_owners_set(group=group, users=users),
                       f"Added {added} {noun} to {group.name}.", OWNERS, "m365:group_owners", _owners_context,
                       title=f"Add {added} {noun} to {group.name}?", button="Add owners",
                       text=f"{names} {'manages' if added == 1 else 'manage'} {group.name}. {OWNERS_EFFECT}")


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.GROUP_MEMBERS, preview=True)
def group_owner_remove(request: HttpRequest, group_id) -> HttpResponse:
    """Remove an owner: GET the confirmation, POST removes (B14)."""
    group = selectors.group_get(group_id=group_id)
    owner = rows.group_owner_get(group, request.POST.get("user") if request.method == "POST" else request.GET.get("user"))
    page = reverse("m365:group_owners", args=[group.pk])
    if request.method == "GET":
        if owner is None or not m365_rights(request)["group_members"]:
            return render_page_or_partial(request, *OWNERS, _owners_context(request, group))
        name = user_name(owner.user)
        confirm = {"title": f"Remove {name} as an owner of {group.name}?", "action": request.path, "cancel": page,
                   "text": f"{name} can no longer manage {group.name}; their own membership does not change.",
                   "rules": "DIR-06", "button": "Remove", "icon": "person_delete",
                   "hidden": {"user": owner.user_id}, "target": "#group-owners"}
        return render_page_or_partial(request, *OWNERS_CONFIRM, _owners_context(request, group, confirm=confirm))
    if owner is None:
        return missing(request, "That user is not an owner of the group.", url=page,
                       template=OWNERS[0], partial=OWNERS[1], context=_owners_context(request, group))
    name = user_name(owner.user)
    return _tab_action(request, group, lambda: directory.group_owner_remove(group=group, user=owner.user),
                       f"{name} is no longer an owner of {group.name}.", OWNERS, "m365:group_owners", _owners_context,
                       title=f"Remove {name} as an owner of {group.name}?", button="Remove", danger=True,
                       text=f"{name} can no longer manage {group.name}. {OWNERS_EFFECT}")
