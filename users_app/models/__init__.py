"""The directory (Entra ID / Microsoft 365 side) and the people in each environment.

Column names follow Microsoft Graph on the directory side and the Dataverse systemuser table
on the environment side, so the APIs map one to one. Models stay thin: the rules live in
users_app/provisioning/rules/. One module per concept: directory, environment_users, sync,
audit; every model is importable from users_app.models.
"""
from .audit import AuditEntry, AuditEntryQuerySet
from .directory import (
    AdminRoleAssignment,
    AppRegistration,
    DirectoryGroup,
    DirectoryUser,
    GroupMembership,
    GroupOwner,
    LicenceAssignment,
    Sku,
    Tenant,
)
from .environment_users import Account, SystemUser, SystemUserRole, Team, TeamMembership
from .preferences import ListColumnChoice
from .sync import DecisionLog, SyncRun

__all__ = [
    "Account", "AdminRoleAssignment", "AppRegistration", "AuditEntry", "AuditEntryQuerySet",
    "DecisionLog", "DirectoryGroup", "DirectoryUser", "GroupMembership", "GroupOwner", "LicenceAssignment",
    "ListColumnChoice", "Sku",
    "SyncRun", "SystemUser", "SystemUserRole", "Team", "TeamMembership", "Tenant",
]
