"""What each rule decides, in a sentence or two: the text of the rules reference.

Pure data: the rules reference (docs/rules.md, written by `manage.py rules_reference`) and the
portal's /rules/ pages read it. Every ID of ids.ALL_RULE_IDS has one entry (a test holds it).
"""
from __future__ import annotations

from typing import NamedTuple


class Family(NamedTuple):
    prefix: str
    name: str
    about: str


class Entry(NamedTuple):
    rule_id: str
    family: str
    title: str
    decides: str


# In the order the reference lists them: the directory first, then what is built on it.
FAMILIES = (
    Family("DIR", "The directory",
           "The tenant's identity store, the Microsoft 365 admin center side: users, licences, groups, "
           "admin roles and app registrations."),
    Family("ENV", "Environments",
           "What a Power Platform environment is made of, and what its type and settings allow."),
    Family("ELIG", "Who gets a user record",
           "The checks that decide whether a directory user may have an enabled record in an "
           "environment, in the order diagnostics report them."),
    Family("MODE", "Access modes and user types",
           "How a record may reach the environment (read-write, administrative, non-interactive...) "
           "and the two built-in placeholder users."),
    Family("SYNC", "Synchronisation",
           "When and how records follow the directory: the background sync, first access, an admin's "
           "add, refresh, and what every run records."),
    Family("FIELD", "Profile fields",
           "Which columns of a record copy the directory, and when they stop doing so."),
    Family("ROLE", "Security roles, teams and business units",
           "What a record needs to use apps, and what assigning roles, teams and business units does."),
    Family("APP", "Application users",
           "Records that stand for an app registration, for server-to-server calls."),
    Family("LIFE", "Enabling, disabling and deleting",
           "How a record becomes enabled or disabled, and how it is deleted."),
    Family("STUB", "Stub users and data import",
           "Placeholder owners that a data import makes, and moving their records to real users."),
    Family("DIAG", "Run diagnostics",
           "The per-user report that explains every decision, and its promise to agree with the sync."),
    Family("ONPREM", "On-premises environments",
           "Environments whose users come from an Active Directory export instead of the directory."),
)


def _entries(family: str, *rows: tuple[str, str, str]) -> tuple[Entry, ...]:
    return tuple(Entry(rule_id, family, title, decides) for rule_id, title, decides in rows)


ENTRIES = (
    *_entries(
        "DIR",
        ("DIR-01", "New directory users and temporary passwords",
         "A new directory user gets a random object id and a random temporary password that is shown "
         "only once and must be replaced at the first sign-in. Mailing that password is possible, with "
         "a warning that the mail is not encrypted; mail goes through Django's mail backend only."),
        ("DIR-02", "Licence seats",
         "A licence (SKU) has a fixed number of seats: assigning one more than it holds is refused. "
         "Taking a licence away, or deleting its holder, gives the seat back at once."),
        ("DIR-03", "Profile fields the directory owns",
         "Names the profile fields a directory user carries (user name, display name, job title, phones, "
         "address, country, object id...). Extension attributes are stored but never copied to "
         "environments."),
        ("DIR-04", "Soft delete for 30 days",
         "Deleting a directory user only soft-deletes it: it can be restored for 30 days and is removed "
         "for good afterwards. While soft-deleted it counts as deleted for every entitlement check."),
        ("DIR-05", "Admin roles and what each may do",
         "The Entra admin roles the portal knows (Global, Power Platform, Dynamics 365, user, licence, "
         "reader and the others) and, for each, which screens it opens and which users it may change."),
        ("DIR-06", "Security groups, owners and nesting",
         "A group has members and owners, and may contain other groups. A nesting that would make a "
         "group contain itself, directly or further down, is refused."),
        ("DIR-07", "Guests and their licences",
         "Guest users exist; for a guest only a licence assigned in this tenant counts. A licence it "
         "holds in its home tenant is kept for the record but never grants anything here."),
        ("DIR-08", "App registrations",
         "An app registration (service principal) has an application id and an object id; application "
         "users are made from it."),
        ("DIR-09", "Kinds of licence",
         "Sorts licences into three kinds: full Dataverse licences, Microsoft 365 licences that carry a "
         "free Dataverse plan, and Office-only licences that give no Dataverse rights. A tenant may also "
         "hold a Marketing licence."),
        ("DIR-10", "Usage location before a licence",
         "A licence can only go to a user who has a usage location (a two-letter country); a user with "
         "none, or an empty one, is refused."),
        ("DIR-11", "Names of a deleted user",
         "While a user is soft-deleted its user name and mail are prefixed with its object id (without "
         "dashes), so the name is free for someone else; a restore takes the prefix off. Commands still "
         "find the deleted user by its original name."),
    ),
    *_entries(
        "ENV",
        ("ENV-01", "Environment types and properties",
         "The six environment types (Production, Sandbox, Trial, Developer, Default, Dataverse for Teams) "
         "and what an environment records: name, type, state, region, URL, database, group, creator."),
        ("ENV-02", "No database, no users",
         "An environment without a Dataverse database has no user table: nobody can be added to it and "
         "enable or disable make no sense there, so the screens explain this instead of offering them."),
        ("ENV-03", "The environment's security group",
         "An environment may name one security group. The background sync looks only at that group's "
         "direct members; nested groups count only for on-demand access (ELIG-04)."),
        ("ENV-04", "Org settings",
         "The per-environment settings the rules read: role assignment on disabled users, keeping roles "
         "when the business unit changes, deleting disabled users, editable application user status, "
         "licence type and app-pass capacity, and whether Dynamics 365 Sales is installed."),
        ("ENV-05", "What a new environment starts with",
         "A new environment with Dataverse gets a root business unit named after it, the standard "
         "security roles for its type, a default team every user of the root unit belongs to, and the "
         "two placeholder users."),
        ("ENV-06", "Default, Developer and Teams environments",
         "These types cannot have a security group, and a tenant has at most one Default environment. "
         "Everyone added to the Default environment receives Basic User and Environment Maker."),
        ("ENV-07", "Teams environments and their team",
         "A Dataverse for Teams environment belongs to one Microsoft 365 group. At first access the "
         "group's owners become System Administrators, its members Teams Members and its guests Teams "
         "Guests."),
    ),
    *_entries(
        "ELIG",
        ("ELIG-01", "A Dataverse database",
         "First check: the environment must have a Dataverse database (ENV-02). When it fails, every "
         "later check is not applicable."),
        ("ELIG-02", "An active directory user",
         "The directory user must be enabled, and neither deleted nor soft-deleted."),
        ("ELIG-03", "A licence that counts",
         "The user needs a full Dataverse licence assigned in this tenant, unless an exception applies: "
         "an admin role (added as an administrative setup user), app-pass capacity or the Marketing "
         "licence (on demand only), a non-interactive or administrative record, or a Microsoft 365 "
         "free plan (on demand only). Office-only licences never count."),
        ("ELIG-04", "Membership of the environment's group",
         "When the environment has a security group the user must be a direct member, unless it is a "
         "Global or Power Platform administrator. On demand, owners and members of nested groups count "
         "too; the background sync ignores them."),
        ("ELIG-05", "Limits of the environment type",
         "Trial environments add users only on demand; a Developer environment admits only its creator; "
         "a Teams environment admits only its team's members, owners and guests (admins aside), on "
         "demand. Default behaves like Production."),
        ("ELIG-06", "Added on demand only",
         "Says when the background sync must not add a user who could still be added on demand: Teams "
         "environments, users whose only licence is a Microsoft 365 free plan, and app-pass "
         "environments. It never blocks an on-demand add."),
    ),
    *_entries(
        "MODE",
        ("MODE-01", "The access modes",
         "The access modes and the numbers they are stored as: Read-Write 0, Administrative 1, Read 2, "
         "Support User 3, Non-interactive 4, Delegated Admin 5. A licensed user starts as Read-Write."),
        ("MODE-02", "Administrative access for unlicensed admins",
         "An administrative record reaches settings but no business data and needs no licence. A Global, "
         "Power Platform or Dynamics 365 administrator without a full licence is added as a setup user "
         "with administrative access, whatever other settings say."),
        ("MODE-03", "Non-interactive users, seven at most",
         "A non-interactive record uses the API only, needs no licence and cannot sign in; an environment "
         "holds at most seven of them, enabled or not, and the eighth is refused with nothing changed."),
        ("MODE-04", "Who may change an access mode",
         "Only a System Administrator of that environment, or a Global or Power Platform administrator, "
         "may change a record's access mode."),
        ("MODE-05", "The delegated admin placeholder",
         "Every Dataverse environment has one built-in delegated-admin record (access mode 5, System "
         "Administrator role, never synchronised) that partner admins are mapped to."),
        ("MODE-06", "A '#' for a blank first name",
         "A record created with no first name gets '#' as its first name, for regular and application "
         "users alike."),
        ("MODE-07", "The support user placeholder",
         "Every Dataverse environment has one built-in support record (access mode 3, Support User role, "
         "never synchronised). Neither placeholder is listed among enabled users, edited or deleted."),
    ),
    *_entries(
        "SYNC",
        ("SYNC-01", "The background sync",
         "A periodic job applies the directory's changes to every online Dataverse environment, by the "
         "entitlement table; its cost follows the number of changes. Users who are not entitled and have "
         "no record never appear."),
        ("SYNC-02", "First access",
         "When a user signs in to an environment the rules are applied to that user at once: the record "
         "is added, enabled, updated or the access is refused. Signing in again picks up the directory's "
         "current state."),
        ("SYNC-03", "An admin's Add user",
         "Add user applies the on-demand rules to each chosen user and reports exactly which rules "
         "refused whom."),
        ("SYNC-04", "Refresh user",
         "Re-applies the rules to one existing record now and shows what changed; it never creates a "
         "record."),
        ("SYNC-05", "Disable, never delete",
         "A user deleted, blocked, unlicensed without an exception or taken out of the group becomes "
         "disabled; the record, what it owns and its history stay."),
        ("SYNC-06", "One record per user",
         "An environment never holds two records for the same directory object, nor two with the same "
         "user name ignoring case (stubs included), however many syncs and adds run at once."),
        ("SYNC-07", "Every run is recorded",
         "Each sync run keeps its time, its trigger, its counts and, for each changed user or refused "
         "request, the rules that decided. Background runs that changed nothing are pruned after a day."),
        ("SYNC-08", "Identity is the object id",
         "A record follows the directory object id, not the user name: a user deleted and created again "
         "gets a new record, and the old one stays disabled under its altered name (DIR-11)."),
    ),
    *_entries(
        "FIELD",
        ("FIELD-01", "Copied at creation",
         "A new record receives every mapped profile field from the directory."),
        ("FIELD-02", "Kept up to date",
         "Later syncs copy every mapped field again, except the ones the next rules hold back."),
        ("FIELD-03", "Full name fixed after creation",
         "The full name is set when the record is made and not overwritten by later syncs."),
        ("FIELD-04", "Primary e-mail until an admin edits it",
         "The primary e-mail follows the directory's mail until an admin changes it in the environment; "
         "from then on syncs leave it as the admin set it."),
        ("FIELD-05", "Custom fields stay put",
         "Custom (extension) fields are never synchronised in either direction."),
        ("FIELD-06", "'#' on sync too",
         "A blank first name arriving from the directory is stored as '#', as at creation (MODE-06)."),
    ),
    *_entries(
        "ROLE",
        ("ROLE-01", "A security role to use apps",
         "A record can use apps only when it holds a security role, directly or through a team it "
         "belongs to; a group team mirrors a directory group's members."),
        ("ROLE-02", "No roles for disabled users",
         "Assigning a role to a disabled record is refused (roleFailureDuetoUserIsDisabled) unless the "
         "environment allows role assignment on disabled users."),
        ("ROLE-03", "Removing every role",
         "Taking all roles away leaves the record enabled and licensed but unable to open apps; the "
         "screens advise removing the user from the security group instead."),
        ("ROLE-04", "What a profile shows and edits",
         "A record's profile shows and changes its security roles, teams, business unit, manager and "
         "position."),
        ("ROLE-05", "Records for disabled users",
         "Business records such as accounts may be owned by, or shared with, a disabled record."),
        ("ROLE-06", "Changing the business unit",
         "Moving a record to another business unit drops its roles unless the environment keeps them, "
         "and may move the records it owns along."),
        ("ROLE-07", "Group teams",
         "A team of type Security Group or Office Group mirrors a directory group with a membership type "
         "(members and guests, members, owners, guests); a member appears in the team only after first "
         "access."),
    ),
    *_entries(
        "APP",
        ("APP-01", "Creating an application user",
         "An application user is made from an app registration, a business unit and security roles. It "
         "is non-interactive but is not counted against the limit of seven (MODE-03)."),
        ("APP-02", "Its names",
         "Its first name is '#', its last name the app's name and its user name the app id at the "
         "tenant's domain; it starts enabled."),
        ("APP-03", "Status locked by default",
         "Its status cannot be changed on the default form unless an environment setting allows it; "
         "disabling one warns that every integration using it stops working."),
        ("APP-04", "Calls act as the application user",
         "Requests made with the app's credentials act as its application user: that record's state and "
         "roles decide what they may do."),
        ("APP-05", "One per app, few fields editable",
         "An environment holds at most one application user per app registration; it ignores the "
         "security group, only its business unit, e-mail and roles can be edited, and it can be deleted "
         "only while disabled."),
    ),
    *_entries(
        "LIFE",
        ("LIFE-01", "Enabling a user",
         "A record is enabled under the same conditions as entitlement (sign-in allowed, a licence that "
         "counts, the right group). Re-enabling resets its invitation to not sent, so a new invitation "
         "can be sent."),
        ("LIFE-02", "Disabling a user",
         "To disable a user, take it out of the group (the recommended way) or remove its licence; "
         "leaving the group does not free the licence seat."),
        ("LIFE-03", "Losing a licence does not always disable",
         "Without a licence a user may stay enabled through an exception (an admin role, app-pass "
         "capacity, the Marketing licence), and the screen names the rule that kept it."),
        ("LIFE-04", "Shown disabled, never deleted by sync",
         "A deleted or disabled directory user shows as disabled in every environment after a sync; the "
         "sync never deletes records."),
        ("LIFE-05", "Deleting a record",
         "Delete is offered once the directory user is gone for good and soft-deletes the record (roles "
         "and teams removed); Permanently delete needs its records reassigned and the environment's "
         "permission to delete disabled users."),
    ),
    *_entries(
        "STUB",
        ("STUB-01", "Stub users",
         "A data import makes a stub when an owner has no record and cannot be pre-provisioned: a "
         "disabled placeholder that cannot sign in, be enabled or be synchronised."),
        ("STUB-02", "No refresh or diagnostics for stubs",
         "Refresh user and Run diagnostics are not offered for a stub, and are refused if asked for; "
         "stubs can still be found by searching."),
        ("STUB-03", "The default role of imported users",
         "Users an import creates get Salesperson where Dynamics 365 Sales is installed and Basic User "
         "elsewhere, assigned by the system regardless of ROLE-02."),
        ("STUB-04", "Reassigning a stub's records",
         "Everything a stub owns can be moved in bulk to another user."),
        ("STUB-05", "Pre-provisioning and no duplicates",
         "An import never makes a second record for an existing user name. An owner with a full licence "
         "who passes the on-demand rules gets a real record instead of a stub, and a stub whose name "
         "later belongs to an entitled user is turned into that user in place."),
    ),
    *_entries(
        "DIAG",
        ("DIAG-01", "The diagnostics checklist",
         "For one user in one online environment: ELIG-01 to ELIG-06 then ROLE-01, each pass, fail or "
         "n/a with a reason and a fix, and a verdict of entitled when no ELIG check fails. Not offered "
         "for stubs or on-premises environments."),
        ("DIAG-02", "The verdict matches reality",
         "The diagnostics verdict always agrees with what an on-demand add would do; a property test "
         "compares the two over many generated cases."),
        ("DIAG-03", "Refresh first, team roles count",
         "Diagnostics refresh the user from the directory before reporting, and count security roles "
         "held through teams as well as direct ones, saying which."),
    ),
    *_entries(
        "ONPREM",
        ("ONPREM-01", "Users from an Active Directory export",
         "An on-premises environment creates its users once from an AD export, with fixed field mappings, "
         "Read-Write access, the root business unit and no role. Sign-in, Add user and the background "
         "sync do not apply to it and are refused with this rule."),
        ("ONPREM-02", "No sync after creation",
         "Once created, an on-premises record is never synchronised; an admin edits it by hand."),
    ),
)

BY_ID = {entry.rule_id: entry for entry in ENTRIES}
FAMILY_BY_PREFIX = {family.prefix: family for family in FAMILIES}

SYSTEM_ADMINISTRATOR = (
    "A directory user is System Administrator of an environment when its record there is enabled and "
    "holds the System Administrator security role, either directly or through a team the record "
    "belongs to. This is the count diagnostics use (DIAG-03), and the same answer serves the portal's "
    "environment pages, the access-mode check (MODE-04) and Membership > Add me."
)
# The function that holds the definition; the reference finds its module when it is generated.
SYSTEM_ADMINISTRATOR_FUNCTION = "holds_system_administrator"


def family_of(rule_id: str) -> Family:
    return FAMILY_BY_PREFIX[rule_id.rsplit("-", 1)[0]]
