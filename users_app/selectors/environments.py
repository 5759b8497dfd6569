"""Read queries of the environments list and the environment page.

Directory objects are stored on the environment by object id (the real service stores the
group's id); their names are resolved here, inside the list's one query, never per row."""
from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from environments_app.models import BusinessUnit, Environment, SecurityRole
from users_app.choices import GroupType, UserType
from users_app.filters.environments import EnvironmentFilterSet
from users_app.models import DirectoryGroup, DirectoryUser, SyncRun, SystemUser, Team


def _group_name(field: str) -> Subquery:
    return Subquery(DirectoryGroup.objects.filter(id=OuterRef(field)).values("name")[:1])


def environment_list(*, filters=None) -> QuerySet[Environment]:
    """Every environment with `security_group_name` resolved in the same query."""
    queryset = Environment.objects.annotate(security_group_name=_group_name("security_group_object_id")).order_by("name")
    return EnvironmentFilterSet(filters or {}, queryset=queryset).qs


def environment_directory_names(*, environment: Environment) -> dict:
    """The security group, Teams group and creator of an environment, by name (two queries at most)."""
    group_ids = [i for i in (environment.security_group_object_id, environment.teams_group_object_id) if i]
    groups = dict(DirectoryGroup.objects.filter(id__in=group_ids).values_list("id", "name")) if group_ids else {}
    creator = None
    if environment.created_by_object_id:
        creator = DirectoryUser.objects.filter(id=environment.created_by_object_id).values_list(
            "user_principal_name", flat=True).first()
    return {
        "security_group": groups.get(environment.security_group_object_id),
        "teams_group": groups.get(environment.teams_group_object_id),
        "created_by": creator,
    }


def environment_summary(*, environment: Environment) -> dict:
    """Counts shown beside the links of the environment page, and its latest sync run."""
    users = SystemUser.objects.filter(environment=environment)
    return {
        "users": users.exclude(user_type__in=(UserType.APPLICATION, UserType.DELEGATED_ADMIN, UserType.SUPPORT)).count(),
        "application_users": users.filter(user_type=UserType.APPLICATION).count(),
        "teams": Team.objects.filter(environment=environment).count(),
        "security_roles": SecurityRole.objects.filter(environment=environment).count(),
        "business_units": BusinessUnit.objects.filter(environment=environment).count(),
        "latest_run": SyncRun.objects.filter(environment=environment).defer("decisions").first(),
    }


def security_group_choices() -> QuerySet[DirectoryGroup]:
    return DirectoryGroup.objects.filter(group_type=GroupType.SECURITY).order_by("name")


def teams_group_choices() -> QuerySet[DirectoryGroup]:
    return DirectoryGroup.objects.filter(group_type=GroupType.M365).order_by("name")


def creator_choices() -> QuerySet[DirectoryUser]:
    return DirectoryUser.objects.filter(deleted_state="").order_by("user_principal_name")
