"""Data import of business records with stub users and pre-provisioning (STUB-01..05),
and the bulk reassignment of records (STUB-04, Add-BulkRecordsToUsers)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from environments_app.models import BusinessUnit, Environment
from users_app.choices import DeletedState, SkuKind, SyncStatus, SyncTrigger, UserType
from users_app.models import Account, DirectoryUser, SyncRun, SystemUser, Team, TeamMembership
from users_app.provisioning import rules, snapshots
from users_app.provisioning.engine import decide
from users_app.provisioning.rules import InvalidInput
from users_app.provisioning.sync import environment_user_import_add
from users_app.provisioning.rules.text import check_text
from users_app.provisioning.types import Action, Trigger

from . import audit
from .directory import directory_user_find
from .records import records_reassign, role_assign


@dataclass
class ImportResult:
    imported: int = 0
    pre_provisioned: list[str] = field(default_factory=list)
    stub_users: list[str] = field(default_factory=list)
    run: SyncRun | None = None

    def as_dict(self) -> dict:
        return {"imported": self.imported, "pre_provisioned": self.pre_provisioned, "stub_users": self.stub_users}


# Longest values a row may hold: the account's name column, and an owner UPN that fits the
# directory's user name and a stub user's columns (the UPN is its e-mail; its part before @ its
# last name, STUB-01).
ACCOUNT_NAME_MAX = Account._meta.get_field("name").max_length
OWNER_UPN_MAX = min(DirectoryUser._meta.get_field("user_principal_name").max_length,
                    SystemUser._meta.get_field("internalemailaddress").max_length,
                    SystemUser._meta.get_field("domainname").max_length)
OWNER_LOCAL_PART_MAX = SystemUser._meta.get_field("lastname").max_length
RECORD_UPN_MAX = SystemUser._meta.get_field("domainname").max_length


def _csv_rows(reader, first: int, label: str = "row"):
    """The reader's rows numbered from `first`; a line the csv module cannot read (a field over
    its size limit, say) refuses the file, naming the row."""
    number = first
    try:
        for row in reader:
            yield number, row
            number += 1
    except csv.Error as exc:
        raise InvalidInput(f"{label} {number}", f"cannot be read as CSV ({exc}).") from None


MAX_ROW_ERRORS = 20  # the bad rows a refused file names, at most


def parse_accounts_csv(text: str) -> list[dict]:
    """CSV with the header `name,owner` (owner = UPN). One bad row refuses the whole file; the
    refusal names every bad row (the first MAX_ROW_ERRORS) and what is wrong with it: a missing
    value, a name longer than the account's name column, an owner longer than a user name can be,
    a control character in either (check_text)."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise InvalidInput("row 1", f"cannot be read as CSV ({exc}).") from None
    if fieldnames is None or [f.strip().lower() for f in fieldnames] != ["name", "owner"]:
        raise InvalidInput("csv", "The first line must be the header `name,owner`.")
    rows, errors = [], []
    try:
        for number, row in _csv_rows(reader, 2):
            try:
                rows.append(_account_row(number, row))
            except InvalidInput as exc:
                errors.append(exc)
    except InvalidInput as exc:  # a line the csv module cannot read ends the reading
        errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        shown = "; ".join(f"{exc.rule}: {exc.message.rstrip('.')}" for exc in errors[:MAX_ROW_ERRORS])
        more = f"; and {len(errors) - MAX_ROW_ERRORS} more" if len(errors) > MAX_ROW_ERRORS else ""
        raise InvalidInput("csv", f"{len(errors)} rows to fix: {shown}{more}.")
    if not rows:
        raise InvalidInput("csv", "The file holds no rows.")
    return rows


def _account_row(number: int, row: dict) -> dict:
    name, owner = (row.get("name") or "").strip(), (row.get("owner") or "").strip()
    if None in row or not name or not owner or "@" not in owner:
        raise InvalidInput(f"row {number}", "each row needs an account name and an owner user name (UPN).")
    check_text(f"row {number}, name", name, max_length=ACCOUNT_NAME_MAX)
    check_text(f"row {number}, owner", owner, max_length=OWNER_UPN_MAX)
    if len(owner.rsplit("@", 1)[0]) > OWNER_LOCAL_PART_MAX:
        raise InvalidInput(f"row {number}, owner", f"the part before @ is longer than {OWNER_LOCAL_PART_MAX} "
                                                    "characters.")
    return {"name": name, "owner": owner}


def parse_reassign_csv(text: str) -> list[tuple[str, str]]:
    """Lines `sourceUPN,targetUPN`, no header, as Add-BulkRecordsToUsers takes."""
    pairs = []
    for number, row in _csv_rows(csv.reader(io.StringIO(text)), 1, "line"):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2 or not all("@" in part for part in row):
            raise InvalidInput(f"line {number}", "each line is `sourceUPN,targetUPN`.")
        source, target = row[0].strip(), row[1].strip()
        check_text(f"line {number}, source", source, max_length=RECORD_UPN_MAX)
        check_text(f"line {number}, target", target, max_length=RECORD_UPN_MAX)
        pairs.append((source, target))
    if not pairs:
        raise InvalidInput("csv", "The file holds no lines.")
    return pairs


def _live_directory_user(upn: str) -> DirectoryUser | None:
    return DirectoryUser.objects.filter(user_principal_name__iexact=upn, deleted_state="").first()


def _owner_record(environment: Environment, upn: str) -> SystemUser | None:
    """STUB-05, SYNC-06: the one record an owner's UPN names, so that no second record is made for it.
    The record holding the UPN (ignoring case); else the record of the directory user the command
    line finds by that UPN (directory_user_find): the live user holding it, whose record may still
    carry an older name, or the soft-deleted user whose original UPN it is (DIR-11: the record
    carries the altered UPN while the user is deleted and takes the original back on restore).
    A permanently deleted user's UPN is free (SYNC-08): its record is not the owner."""
    record = SystemUser.objects.filter(environment=environment, domainname__iexact=upn).first()
    if record is not None:
        return record
    directory_user = directory_user_find(upn)
    if directory_user is None or directory_user.deleted_state == DeletedState.HARD:
        return None
    return SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid=directory_user.id).first()


def _stub_create(environment: Environment, upn: str, root: BusinessUnit) -> SystemUser:
    """STUB-01: a disabled placeholder with no directory object, Read-Write, never synchronised."""
    local = upn.split("@")[0]
    stub = SystemUser.objects.create(
        environment=environment, user_type=UserType.STUB, isdisabled=True, accessmode=0, issyncwithdirectory=False,
        azureactivedirectoryobjectid=None, domainname=upn, firstname=rules.BLANK_FIRST_NAME, lastname=local,
        fullname=local, internalemailaddress=upn, businessunit=root,
    )
    default_team = Team.objects.filter(businessunit=root, isdefault=True).first()
    if default_team is not None:
        TeamMembership.objects.create(team=default_team, systemuser=stub)
    return stub


@audit.audited("Import records", target="environment", summary=lambda result, kw: [
    ("accounts imported", 0, result.imported), ("pre-provisioned users", [], result.pre_provisioned),
    ("stub users", [], result.stub_users)])
@transaction.atomic
def records_import(*, environment: Environment, rows: list[dict], initiated_by: str = "") -> ImportResult:
    """Import accounts. Owners with a record keep it (STUB-05: never a second record for a UPN);
    directory users holding a `dataverse` licence and passing the on-demand rules are
    pre-provisioned; everyone else becomes a stub user. New users get the default role (STUB-03)."""
    rules.check_online(on_premises=environment.is_on_premises)
    rules.check_has_dataverse(dataverse=environment.dataverse)
    root = BusinessUnit.objects.get(environment=environment, parentbusinessunit__isnull=True)
    default_role = rules.import_default_role(sales_installed=environment.sales_installed)
    result = ImportResult()
    decisions: list[dict] = []
    owners: dict[str, SystemUser] = {}
    for row in rows:
        key = row["owner"].lower()
        if key in owners:
            continue
        record = _owner_record(environment, row["owner"])
        if record is None:
            directory_user = _live_directory_user(row["owner"])
            if directory_user is not None and directory_user.licence_assignments.filter(sku__kind=SkuKind.DATAVERSE).exists():
                added = environment_user_import_add(environment=environment, directory_user=directory_user)
                if added.outcome in ("added", "enabled") and added.systemuser is not None:
                    record = added.systemuser
                    result.pre_provisioned.append(record.domainname)
                    decisions.append({"upn": record.domainname, "outcome": "added", "rules": ["STUB-05"], "level": "info",
                                      "text": "Pre-provisioned: holds a Power Apps / Dynamics 365 licence.", "changed_fields": []})
            if record is None:
                record = _stub_create(environment, row["owner"], root)
                result.stub_users.append(record.domainname)
                decisions.append({"upn": record.domainname, "outcome": "added", "rules": ["STUB-01"], "level": "info",
                                  "text": "Stub user: the owner has no record and is not pre-provisioned.", "changed_fields": []})
            # STUB-03: the system's assignment, whatever ROLE-02 says.
            role_assign(systemuser=record, role=default_role, by_system=True)
        owners[key] = record
    Account.objects.bulk_create([Account(environment=environment, name=r["name"], owner=owners[r["owner"].lower()])
                                 for r in rows])
    result.imported = len(rows)
    result.run = SyncRun.objects.create(
        environment=environment, trigger=SyncTrigger.IMPORT, status=SyncStatus.SUCCEEDED, full=False,
        initiated_by=initiated_by, finished_at=timezone.now(), added=len(decisions), decisions=decisions,
    )
    return result


@audit.audited("Reassign records", target="environment", state=lambda environment, kw: {
    f"records owned by {upn}": Account.objects.filter(environment=environment, owner__domainname__iexact=upn).count()
    for pair in kw["pairs"] for upn in pair})
@transaction.atomic
def records_reassign_bulk(*, environment: Environment, pairs: list[tuple[str, str]]) -> int:
    """STUB-04: move every record owned by each source to its target; one unknown name refuses all."""
    moved = 0
    for source_upn, target_upn in pairs:
        source = SystemUser.objects.filter(environment=environment, domainname__iexact=source_upn).first()
        target = SystemUser.objects.filter(environment=environment, domainname__iexact=target_upn).first()
        if source is None or target is None:
            missing = source_upn if source is None else target_upn
            raise InvalidInput("not-found", f"No user {missing} in {environment}.")
        moved += records_reassign(source=source, target=target)
    return moved


# --- Preview (area C: the data import screen) -----------------------------------------------------

OWNER_EXISTING, OWNER_PRE_PROVISIONED, OWNER_STUB = "existing", "pre_provisioned", "stub"


@dataclass(frozen=True)
class OwnerPreview:
    """What records_import will do with one owner: keep its record, pre-provision it, or make a stub."""

    upn: str
    outcome: str  # OWNER_EXISTING, OWNER_PRE_PROVISIONED or OWNER_STUB
    rules: tuple[str, ...]
    reason: str
    accounts: int = 0


@dataclass(frozen=True)
class ImportPreview:
    rows: list[dict]
    owners: list[OwnerPreview]
    default_role: str

    def count(self, outcome: str) -> int:
        return sum(1 for owner in self.owners if owner.outcome == outcome)


def records_import_preview(*, environment: Environment, rows: list[dict]) -> ImportPreview:
    """What records_import(environment, rows) would do, decided by the same rules and writing
    nothing: an owner with a record keeps it (STUB-05), a directory user holding a `dataverse`
    licence who passes the on-demand rules is pre-provisioned (STUB-05), everyone else becomes
    a stub user (STUB-01). New users get the default role (STUB-03)."""
    rules.check_online(on_premises=environment.is_on_premises)
    rules.check_has_dataverse(dataverse=environment.dataverse)
    counts: dict[str, int] = {}
    first_spelling: dict[str, str] = {}
    for row in rows:
        key = row["owner"].lower()
        counts[key] = counts.get(key, 0) + 1
        first_spelling.setdefault(key, row["owner"])
    env_snapshot = None
    owners = []
    for key, upn in first_spelling.items():
        record = _owner_record(environment, upn)
        if record is not None:
            kind = "stub user" if record.is_stub else ("disabled user" if record.isdisabled else "enabled user")
            owners.append(OwnerPreview(upn, OWNER_EXISTING, ("STUB-05",),
                                       f"Owned by the existing {kind} {record.domainname}: no second record is made.", counts[key]))
            continue
        directory_user = _live_directory_user(upn)
        if directory_user is None:
            owners.append(OwnerPreview(upn, OWNER_STUB, ("STUB-01",),
                                       "Not a user of the directory: becomes a stub user.", counts[key]))
            continue
        if not directory_user.licence_assignments.filter(sku__kind=SkuKind.DATAVERSE).exists():
            owners.append(OwnerPreview(upn, OWNER_STUB, ("STUB-01", "STUB-05"),
                                       "Holds no Power Apps or Dynamics 365 licence (Office or Microsoft 365 licences "
                                       "do not pre-provision): becomes a stub user.", counts[key]))
            continue
        env_snapshot = env_snapshot or snapshots.environment_snapshot(environment)
        user = snapshots.directory_snapshots([directory_user.id])[directory_user.id]
        found = snapshots.records_of(environment, filters=Q(azureactivedirectoryobjectid=directory_user.id))
        record_snapshot = None
        if found:
            direct, via_teams = snapshots.role_names_by_record([found[0]["id"]], environment)
            record_snapshot = snapshots.record_snapshot(found[0], direct.get(found[0]["id"], ()), via_teams.get(found[0]["id"], ()))
        decision = decide(user=user, environment=env_snapshot, record=record_snapshot, trigger=Trigger.IMPORT)
        if decision.action in (Action.ADD, Action.ENABLE):
            owners.append(OwnerPreview(upn, OWNER_PRE_PROVISIONED, ("STUB-05",),
                                       "Holds a Power Apps / Dynamics 365 licence and passes the on-demand rules: "
                                       "pre-provisioned as a real user.", counts[key]))
            continue
        failed = [f"{c.rule}: {c.reason}" for c in decision.checks + decision.extra if c.failed and c.rule in decision.refused_by]
        owners.append(OwnerPreview(upn, OWNER_STUB, ("STUB-01", *decision.refused_by),
                                   "Not entitled on demand, so not pre-provisioned: becomes a stub user. " + " ".join(failed),
                                   counts[key]))
    return ImportPreview(rows=list(rows), owners=owners,
                         default_role=rules.import_default_role(sales_installed=environment.sales_installed))
