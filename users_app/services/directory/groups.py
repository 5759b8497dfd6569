"""Groups (DIR-06): security and Microsoft 365 groups, their members (users and nested groups,
never a cycle) and their owners."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from users_app.choices import GroupType
from users_app.models import DirectoryGroup, DirectoryUser, GroupMembership, GroupOwner
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import audit
from users_app.services.names import name_taken

from .fields import check_texts, refuse_hard_deleted
from .rights import require_right


def _check_group_name_free(name: str, *, exclude: DirectoryGroup | None = None) -> None:
    if name_taken(DirectoryGroup.objects.all(), name, exclude=exclude):
        raise InvalidInput("name", f"A group named {name} already exists.")


def _check_group_type(group_type: str) -> str:
    if group_type not in GroupType.values:
        raise InvalidInput("group_type", f"Group type must be security or m365, not {group_type!r}.")
    return group_type


@transaction.atomic
def _group_create(*, name: str, group_type: str = GroupType.SECURITY) -> DirectoryGroup:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("name", "A group needs a name.")
    check_texts(DirectoryGroup, {"name": name})
    _check_group_type(group_type)
    _check_group_name_free(name)
    return DirectoryGroup.objects.create(name=name, group_type=group_type)


@transaction.atomic
def _group_update(*, group: DirectoryGroup, name: str | None = None, group_type: str | None = None) -> DirectoryGroup:
    changed = []
    if name is not None and name != group.name:
        check_texts(DirectoryGroup, {"name": name})
        _check_group_name_free(name, exclude=group)
        group.name = name
        changed.append("name")
    if group_type is not None and group_type != group.group_type:
        group.group_type = _check_group_type(group_type)
        changed.append("group_type")
    if changed:
        group.save(update_fields=changed)
    return group


def _nesting(group: DirectoryGroup, adding: Iterable[DirectoryGroup]) -> dict:
    """The graph of nested groups (group id -> ids of the groups it holds) with `adding` put in
    `group`; `group` first, so a cycle reads from it."""
    edges: dict = {group.pk: {g.pk for g in adding}}
    rows = GroupMembership.objects.filter(member_group__isnull=False).values_list("group_id", "member_group_id")
    for parent, child in rows:
        edges.setdefault(parent, set()).add(child)
    return edges


def check_no_cycle(group: DirectoryGroup, *member_groups: DirectoryGroup) -> None:
    """DIR-06: `group` may take `member_groups` in only when no group then holds itself."""
    edges = _nesting(group, member_groups)
    known = {g.pk: g.name for g in (group, *member_groups)}

    def name(pk) -> str:
        if pk not in known:
            known[pk] = DirectoryGroup.objects.filter(pk=pk).values_list("name", flat=True).first() or str(pk)
        return known[pk]

    rules.check_no_group_cycle(edges, name)


@transaction.atomic
def _group_member_add(*, group: DirectoryGroup, user: DirectoryUser | None = None,
                     member_group: DirectoryGroup | None = None) -> GroupMembership:
    if (user is None) == (member_group is None):
        raise TypeError("group_member_add() takes exactly one of user and member_group")
    if user is not None:
        refuse_hard_deleted(user)
        membership, _ = GroupMembership.objects.get_or_create(group=group, user=user)
        return membership
    existing = GroupMembership.objects.filter(group=group, member_group=member_group).first()
    if existing is not None:
        return existing
    check_no_cycle(group, member_group)
    return GroupMembership.objects.create(group=group, member_group=member_group)


@transaction.atomic
def _group_member_remove(*, group: DirectoryGroup, user: DirectoryUser | None = None,
                        member_group: DirectoryGroup | None = None) -> None:
    if (user is None) == (member_group is None):
        raise TypeError("group_member_remove() takes exactly one of user and member_group")
    if user is not None:
        GroupMembership.objects.filter(group=group, user=user).delete()
    else:
        GroupMembership.objects.filter(group=group, member_group=member_group).delete()


@transaction.atomic
def _group_members_set(*, group: DirectoryGroup, users: Iterable[DirectoryUser] = (),
                      groups: Iterable[DirectoryGroup] = ()) -> None:
    """Replace the group's direct members (users and nested groups), removals first."""
    want_users = {u.pk: u for u in users}
    want_groups = {g.pk: g for g in groups}
    current_users = set(GroupMembership.objects.filter(group=group, user__isnull=False).values_list("user_id", flat=True))
    current_groups = set(GroupMembership.objects.filter(group=group, member_group__isnull=False)
                         .values_list("member_group_id", flat=True))
    if current_users - set(want_users):
        GroupMembership.objects.filter(group=group, user_id__in=current_users - set(want_users)).delete()
    if current_groups - set(want_groups):
        GroupMembership.objects.filter(group=group, member_group_id__in=current_groups - set(want_groups)).delete()
    for pk, user in want_users.items():
        if pk not in current_users:
            refuse_hard_deleted(user)
            GroupMembership.objects.create(group=group, user=user)
    adding = [member_group for pk, member_group in want_groups.items() if pk not in current_groups]
    if adding:
        check_no_cycle(group, *adding)
    for member_group in adding:
        GroupMembership.objects.create(group=group, member_group=member_group)


@transaction.atomic
def _group_owner_add(*, group: DirectoryGroup, user: DirectoryUser) -> GroupOwner:
    refuse_hard_deleted(user)
    owner, _ = GroupOwner.objects.get_or_create(group=group, user=user)
    return owner


@transaction.atomic
def _group_owner_remove(*, group: DirectoryGroup, user: DirectoryUser) -> None:
    GroupOwner.objects.filter(group=group, user=user).delete()


@transaction.atomic
def _group_owners_set(*, group: DirectoryGroup, users: Iterable[DirectoryUser]) -> None:
    want = {u.pk: u for u in users}
    current = set(GroupOwner.objects.filter(group=group).values_list("user_id", flat=True))
    if current - set(want):
        GroupOwner.objects.filter(group=group, user_id__in=current - set(want)).delete()
    for pk, user in want.items():
        if pk not in current:
            refuse_hard_deleted(user)
            GroupOwner.objects.create(group=group, user=user)


def group_create(*, name: str, group_type: str = GroupType.SECURITY) -> DirectoryGroup:
    with audit.action("Add group", target=name) as entry:
        require_right(Action.GROUPS)
        group = _group_create(name=name, group_type=group_type)
        entry.describe(target=group)
        entry.change("name", None, group.name)
        entry.change("group_type", None, group.group_type)
    return group


def group_update(*, group: DirectoryGroup, name: str | None = None, group_type: str | None = None) -> DirectoryGroup:
    with audit.action("Edit group", target=group) as entry:
        require_right(Action.GROUPS)
        before = (group.name, group.group_type)
        _group_update(group=group, name=name, group_type=group_type)
        entry.change("name", before[0], group.name)
        entry.change("group_type", before[1], group.group_type)
    return group


def _members_of(group: DirectoryGroup) -> list[str]:
    rows = GroupMembership.objects.filter(group=group).values_list("user__user_principal_name", "member_group__name")
    return sorted(upn or f"group {name}" for upn, name in rows)


def _owners_of(group: DirectoryGroup) -> list[str]:
    return sorted(GroupOwner.objects.filter(group=group).values_list("user__user_principal_name", flat=True))


def _group_change(name: str, group: DirectoryGroup, field: str, read, change):
    with audit.action(name, target=group) as entry:
        require_right(Action.GROUP_MEMBERS)
        before = read(group)
        result = change()
        entry.change(field, before, read(group))
    return result


def group_member_add(*, group: DirectoryGroup, user: DirectoryUser | None = None,
                     member_group: DirectoryGroup | None = None) -> GroupMembership:
    return _group_change("Add group member", group, "members", _members_of,
                         lambda: _group_member_add(group=group, user=user, member_group=member_group))


def group_member_remove(*, group: DirectoryGroup, user: DirectoryUser | None = None,
                        member_group: DirectoryGroup | None = None) -> None:
    return _group_change("Remove group member", group, "members", _members_of,
                         lambda: _group_member_remove(group=group, user=user, member_group=member_group))


def group_members_set(*, group: DirectoryGroup, users: Iterable[DirectoryUser] = (),
                      groups: Iterable[DirectoryGroup] = ()) -> None:
    return _group_change("Update group members", group, "members", _members_of,
                         lambda: _group_members_set(group=group, users=users, groups=groups))


def group_owner_add(*, group: DirectoryGroup, user: DirectoryUser) -> GroupOwner:
    return _group_change("Add group owner", group, "owners", _owners_of,
                         lambda: _group_owner_add(group=group, user=user))


def group_owner_remove(*, group: DirectoryGroup, user: DirectoryUser) -> None:
    return _group_change("Remove group owner", group, "owners", _owners_of,
                         lambda: _group_owner_remove(group=group, user=user))


def group_owners_set(*, group: DirectoryGroup, users: Iterable[DirectoryUser]) -> None:
    return _group_change("Update group owners", group, "owners", _owners_of,
                         lambda: _group_owners_set(group=group, users=users))

