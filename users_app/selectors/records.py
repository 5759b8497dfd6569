"""Read-only queries over the environments' user records, in a fixed number of queries."""
from __future__ import annotations

from django.db.models import Count, Prefetch

from environments_app.choices import StandardRole
from environments_app.models import Environment, SecurityRole
from users_app.models import SystemUser, Team

EXPORT_COLUMNS = (
    "firstname", "lastname", "fullname", "internalemailaddress", "jobtitle", "address1_telephone1", "mobilephone",
    "homephone", "address1_line1", "address1_city", "address1_stateorprovince", "address1_postalcode",
    "address1_country",
)


def _guid(value) -> str | None:
    return str(value).lower() if value is not None else None


def environment_user_export(*, environment: Environment) -> list[dict]:
    """Every SystemUser of the environment (placeholders, application, stub and on-premises
    users included), sorted by domainname, with the keys of cli.md's `export_users`.
    Three queries whatever the number of users: the records with their business unit and
    owned-record counts, their direct roles, their teams."""
    records = (
        SystemUser.objects.filter(environment=environment)
        .select_related("businessunit")
        .annotate(owned_records=Count("owned_accounts", distinct=True))
        .prefetch_related(
            Prefetch("roles", queryset=SecurityRole.objects.only("id", "name")),
            Prefetch("teams", queryset=Team.objects.only("id", "name")),
        )
        .order_by("domainname", "id")
    )
    rows = []
    for record in records:
        row = {
            "systemuserid": _guid(record.systemuserid),
            "domainname": record.domainname,
            "azureactivedirectoryobjectid": _guid(record.azureactivedirectoryobjectid),
            "applicationid": _guid(record.applicationid),
            "isdisabled": record.isdisabled,
            "accessmode": int(record.accessmode),
            "user_type": str(record.user_type),
            "deletedstate": int(record.deletedstate),
        }
        row.update({column: getattr(record, column) for column in EXPORT_COLUMNS})
        row.update(
            businessunit=record.businessunit.name,
            roles=sorted(role.name for role in record.roles.all()),
            teams=sorted(team.name for team in record.teams.all()),
            owned_records=record.owned_records,
        )
        rows.append(row)
    rows.sort(key=lambda r: (r["domainname"], r["systemuserid"]))
    return rows


def holds_system_administrator(*, systemuser: SystemUser | None = None, environment: Environment | None = None,
                               directory_user_id=None) -> bool:
    """"System Administrator of this environment", one definition for every caller (the page gate,
    MODE-04's access-mode check, Membership > Add me): an enabled record that holds the System
    Administrator role directly or through one of its teams (ROLE-01; diagnostics count team roles
    too). Give the record, or the environment and the directory user's object id."""
    records = SystemUser.objects.filter(isdisabled=False)
    if systemuser is not None:
        records = records.filter(pk=systemuser.pk)
    elif environment is not None and directory_user_id is not None:
        records = records.filter(environment=environment, azureactivedirectoryobjectid=directory_user_id)
    else:
        return False
    role = StandardRole.SYSTEM_ADMINISTRATOR
    return (records.filter(roles__name=role).exists()
            or records.filter(teams__roles__name=role).exists())
