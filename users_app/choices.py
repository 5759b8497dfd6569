from django.db import models


class AdminRole(models.TextChoices):
    """Directory admin roles (DIR-05), by their Microsoft Entra names as the tenant file names them.
    What each may do, and to whom: users_app/provisioning/rules/admin_roles.py."""

    GLOBAL = "Global Administrator", "Global administrator"
    GLOBAL_READER = "Global Reader", "Global reader"
    PRIVILEGED_ROLE = "Privileged Role Administrator", "Privileged role administrator"
    USER = "User Administrator", "User administrator"
    HELPDESK = "Helpdesk Administrator", "Helpdesk administrator"
    PASSWORD = "Password Administrator", "Password administrator"
    LICENCE = "License Administrator", "License administrator"
    GROUPS = "Groups Administrator", "Groups administrator"
    POWER_PLATFORM = "Power Platform Administrator", "Power Platform administrator"
    DYNAMICS_365 = "Dynamics 365 Administrator", "Dynamics 365 service administrator"
    APPLICATION = "Application Administrator", "Application administrator"


ADMIN_ROLE_TEMPLATE_IDS = {
    AdminRole.GLOBAL: "62e90394-69f5-4237-9190-012177145e10",
    AdminRole.GLOBAL_READER: "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    AdminRole.PRIVILEGED_ROLE: "e8611ab8-c189-46e8-94e1-60213ab1f814",
    AdminRole.USER: "fe930be7-5e62-47db-91af-98c3a49a38b1",
    AdminRole.HELPDESK: "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    AdminRole.PASSWORD: "966707d0-3269-4727-9be2-8c3a10f19b9d",
    AdminRole.LICENCE: "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    AdminRole.GROUPS: "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    AdminRole.POWER_PLATFORM: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
    AdminRole.DYNAMICS_365: "44367163-eba1-44c3-98af-f5787879f96a",
    AdminRole.APPLICATION: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
}


class SkuKind(models.TextChoices):
    DATAVERSE = "dataverse", "Power Apps / Dynamics 365"
    M365 = "m365", "Microsoft 365 (free Dataverse plan)"
    OFFICE = "office", "Office only"


class DirectoryUserType(models.TextChoices):
    MEMBER = "Member", "Member"
    GUEST = "Guest", "Guest"


class DeletedState(models.TextChoices):
    NONE = "", "Not deleted"
    SOFT = "soft", "Soft-deleted (restorable)"
    HARD = "hard", "Permanently deleted"


class GroupType(models.TextChoices):
    SECURITY = "security", "Security"
    M365 = "m365", "Microsoft 365"


class AccessMode(models.IntegerChoices):
    """systemuser.accessmode (MODE-01)."""

    READ_WRITE = 0, "Read-Write"
    ADMINISTRATIVE = 1, "Administrative"
    READ = 2, "Read"
    SUPPORT_USER = 3, "Support User"
    NON_INTERACTIVE = 4, "Non-interactive"
    DELEGATED_ADMIN = 5, "Delegated Admin"


class UserType(models.TextChoices):
    REGULAR = "regular", "Regular"
    SETUP = "setup", "Setup user"
    NON_INTERACTIVE = "non_interactive", "Non-interactive"
    APPLICATION = "application", "Application"
    STUB = "stub", "Stub"
    DELEGATED_ADMIN = "delegated_admin", "Delegated admin"
    SUPPORT = "support", "Support"


class InviteStatus(models.IntegerChoices):
    NOT_SENT = 0, "Invitation Not Sent"
    INVITED = 1, "Invited"
    ACCEPTED = 4, "Invitation Accepted"


class TeamType(models.IntegerChoices):
    OWNER = 0, "Owner"
    ACCESS = 1, "Access"
    SECURITY_GROUP = 2, "Security Group"
    OFFICE_GROUP = 3, "Office Group"


class MembershipType(models.IntegerChoices):
    MEMBERS_AND_GUESTS = 0, "Members and guests"
    MEMBERS = 1, "Members"
    OWNERS = 2, "Owners"
    GUESTS = 3, "Guests"


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Background sync"
    SIGN_IN = "sign_in", "First access (sign-in)"
    ADMIN = "admin", "Admin add"
    REFRESH = "refresh", "Refresh user"
    DIAGNOSE = "diagnose", "Run diagnostics"
    IMPORT = "import", "Data import"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


# The placeholder users of every Dataverse environment (MODE-05, MODE-07): no screen lists them as people.
PLACEHOLDER_USER_TYPES = (UserType.DELEGATED_ADMIN, UserType.SUPPORT)
PLACEHOLDER_DELEGATED_ADMIN_UPN = "crmoln2@microsoft.com"
PLACEHOLDER_SUPPORT_UPN = "crmoln@microsoft.com"
MAX_NON_INTERACTIVE_USERS = 7
