"""Admin roles (DIR-05): who holds which Microsoft Entra role; only Global and Privileged Role
administrators change them (provisioning/rules/admin_roles.py)."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from users_app.changes import change_number_next
from users_app.models import AdminRoleAssignment, DirectoryUser
from users_app.provisioning.rules.admin_roles import check_known_role
from users_app.services import audit

from .fields import refuse_hard_deleted
from .rights import require_role_change, roles_of


@transaction.atomic
def _admin_role_assign(*, user: DirectoryUser, role: str) -> AdminRoleAssignment:
    check_known_role(role)
    refuse_hard_deleted(user)
    assignment, _ = AdminRoleAssignment.objects.get_or_create(user=user, role=role)
    return assignment


@transaction.atomic
def _admin_role_remove(*, user: DirectoryUser, role: str) -> None:
    AdminRoleAssignment.objects.filter(user=user, role=role).delete()


@transaction.atomic
def _admin_roles_set(*, user: DirectoryUser, roles: Iterable[str]) -> None:
    want = list(dict.fromkeys(check_known_role(r) for r in roles))
    current = set(AdminRoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if current - set(want):
        AdminRoleAssignment.objects.filter(user=user, role__in=current - set(want)).delete()
    missing = [r for r in want if r not in current]
    if missing:
        refuse_hard_deleted(user)
        number = change_number_next()
        AdminRoleAssignment.objects.bulk_create([AdminRoleAssignment(user=user, role=r, change_number=number) for r in missing])


def admin_role_assign(*, user: DirectoryUser, role: str) -> AdminRoleAssignment:
    with audit.action("Assign admin role", target=user) as entry:
        before = roles_of(user)
        require_role_change(user, added={role} - before, removed=set())
        assignment = _admin_role_assign(user=user, role=role)
        entry.change("admin_roles", before, roles_of(user))
    return assignment


def admin_role_remove(*, user: DirectoryUser, role: str) -> None:
    with audit.action("Remove admin role", target=user) as entry:
        before = roles_of(user)
        require_role_change(user, added=set(), removed={role} & before)
        _admin_role_remove(user=user, role=role)
        entry.change("admin_roles", before, roles_of(user))


def admin_roles_set(*, user: DirectoryUser, roles: Iterable[str]) -> None:
    roles = list(roles)
    with audit.action("Update admin roles", target=user) as entry:
        before = roles_of(user)
        require_role_change(user, added=set(roles) - before, removed=before - set(roles))
        _admin_roles_set(user=user, roles=roles)
        entry.change("admin_roles", before, roles_of(user))

