"""Reads of the data grid (an environment's Users, Active users): the selected users, a row's
quick look, what the bulk panels offer. Each in a fixed number of queries."""
from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from environments_app.models import Environment, SecurityRole
from users_app.choices import DeletedState
from users_app.models import DirectoryUser, LicenceAssignment, SystemUser
from users_app.selectors.environment_users import directory_user_for, environment_user_get, licence_summary

SHOWN_IN_PANEL = 200  # a bulk panel names at most this many of the selected users


def selected_systemusers(environment: Environment, ids: list[str]) -> list[SystemUser]:
    """The selected records of the environment, by name (ids of another environment are ignored)."""
    if not ids:
        return []
    return list(SystemUser.objects.filter(environment=environment, systemuserid__in=ids)
                .select_related("businessunit", "environment").order_by("fullname", "domainname"))


def selected_directory_users(ids: list[str]) -> list[DirectoryUser]:
    """The selected live directory users, with their licences, by name."""
    if not ids:
        return []
    return list(DirectoryUser.objects.filter(deleted_state=DeletedState.NONE, id__in=ids)
                .prefetch_related(Prefetch("licence_assignments", queryset=LicenceAssignment.objects.select_related("sku")))
                .order_by("display_name", "user_principal_name"))


def role_names(environment: Environment) -> list[str]:
    """The security role names of the environment (each user gets the role of its own business unit)."""
    return list(SecurityRole.objects.filter(environment=environment).order_by("name")
                .values_list("name", flat=True).distinct())


def systemuser_quick_look(environment: Environment, systemuserid) -> dict:
    """A row's details pane: the record with its roles and teams, and its directory user's licences."""
    user = environment_user_get(environment=environment, systemuserid=systemuserid)
    directory_user = directory_user_for(user)
    return {"record": user, "licences": licence_summary(directory_user), "roles": list(user.roles.all()),
            "teams": list(user.teams.all())}


def directory_user_quick_look(user_id) -> DirectoryUser:
    """An Active users row's details pane: the user, its licences and how many groups it is in."""
    queryset = (DirectoryUser.objects.filter(deleted_state=DeletedState.NONE)
                .prefetch_related(Prefetch("licence_assignments", queryset=LicenceAssignment.objects.select_related("sku")
                                           .order_by("sku__name")))
                .annotate(group_count=Count("group_memberships", filter=Q(group_memberships__group__isnull=False),
                                            distinct=True)))
    return get_object_or_404(queryset, pk=user_id)
