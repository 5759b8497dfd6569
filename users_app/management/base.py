"""What every portal management command shares (docs/cli.md, "Common rules").

- `--format {table,json}`: one JSON document on stdout, or readable text.
- A refusal by a rule (RuleViolation) or bad input: exactly one line
  `error: <RULE-ID or field>: <explanation>` on stderr, nothing on stdout,
  nothing written (the command runs in one transaction), exit code 1.
  Output is buffered and written only on success.
- Unknown environment, user, role, app or business unit: `error: not-found: ...`, exit 1.
- Malformed arguments: argparse's usage error, exit 2 (Django's default from the command line).
- Text written to the terminal never carries a control character from the data: escape
  sequences, NUL, bidi overrides in names are shown escaped (`\x1b`), as is JSON.
- Name resolution: environments by name ignoring case; `--user` as a directory user
  (sign_in, add_user, diagnose) or as a SystemUser (the other commands).
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence

from django.core.management.base import BaseCommand
from django.db import transaction

from environments_app.models import BusinessUnit, Environment
from users_app.choices import DeletedState
from users_app.models import AppRegistration, DirectoryUser, SyncRun, SystemUser
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput, RuleViolation
from users_app.provisioning.rules.text import CONTROL, escape_controls
from users_app.services import audit
from users_app.services.directory import directory_user_find

FORMATS = ("table", "json")


def _plain(text: str) -> str:
    return text


def terminal_text(text: str) -> str:
    """Text for the terminal: our own line breaks kept, every other control character (an ESC
    from a stored name, say) shown escaped, never written raw."""
    if CONTROL.search(text) is None:
        return text
    return "\n".join(escape_controls(line) for line in text.split("\n"))


class PortalCommand(BaseCommand):
    """Subclasses implement `run(**options)`, which answers the payload (JSON-able), and
    `as_text(payload)`, its readable form. They refuse through a check of the rules package, or
    raise InvalidInput for an argument that names nothing or cannot be read."""

    # The command line is a scripting contract: no system-check chatter on stderr.
    requires_system_checks: Sequence[str] = []
    has_format = True
    # Run in one transaction, so that a refusal leaves nothing written. The background
    # sync manages its own transactions (it waits for a running sync of the same environment).
    atomic = True

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if self.has_format:
            parser.add_argument("--format", choices=FORMATS, default="table",
                                help="table (readable text, the default) or json (one JSON document on stdout).")
        return parser

    # --- the wrapper ---------------------------------------------------------------------

    def handle(self, *args, **options):
        # The command line acts as the operator (the audit log's actor, through "cli").
        try:
            with audit.acting_as(audit.OPERATOR_ACTOR):
                try:
                    if self.atomic:
                        with transaction.atomic():
                            payload = self.run(*args, **options)
                    else:
                        payload = self.run(*args, **options)
                except RuleViolation as exc:
                    # Refused as a whole, its transaction rolled back: one refused entry, unless an
                    # audited action inside already recorded this refusal.
                    if not audit.recorded(exc):
                        audit.record_refusal(self._command_name(), exc)
                    raise
            if options.get("format") == "json":
                text = json.dumps(payload, indent=2, default=str)
            else:
                text = self.as_text(payload)
        except RuleViolation as exc:
            self.fail(str(exc))
        if text:
            self.stdout.write(terminal_text(text))
        return None

    def _command_name(self) -> str:
        """add_user, assign_role...: the module the command lives in."""
        return type(self).__module__.rsplit(".", 1)[-1]

    def fail(self, line: str) -> None:
        """One line on stderr, nothing on stdout, exit code 1."""
        self.stderr.write("error: " + escape_controls(" ".join(line.split("\n"))), style_func=_plain)
        raise SystemExit(1)

    def run(self, *args, **options):  # pragma: no cover - subclasses implement it
        raise NotImplementedError

    def as_text(self, payload) -> str:
        return str(payload)

    # --- reading files ---------------------------------------------------------------------

    @staticmethod
    def read_file(path: str) -> str:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput("file", f"Cannot read {path}: {exc}") from None

    # --- name resolution -------------------------------------------------------------------

    @staticmethod
    def get_environment(name: str) -> Environment:
        """By display name, ignoring case (names are unique ignoring case)."""
        environment = Environment.objects.filter(name__iexact=name).first()
        if environment is None:
            raise InvalidInput("not-found", f"No environment named {name!r}.")
        return environment

    @staticmethod
    def find_directory_user(upn: str) -> DirectoryUser | None:
        """The live user holding the UPN (ignoring case), else the deleted user whose original UPN it is (DIR-11)."""
        return directory_user_find(upn)

    @classmethod
    def get_directory_user(cls, upn: str) -> DirectoryUser:
        user = cls.find_directory_user(upn)
        if user is None:
            raise InvalidInput("not-found", f"No directory user {upn}.")
        return user

    @staticmethod
    def find_systemuser(environment: Environment, upn: str) -> SystemUser | None:
        """The record whose domainname is the UPN (ignoring case), else the record of the
        deleted directory user whose original UPN it is (DIR-11, SYNC-08): so stub,
        application, on-premises and deleted users can all be named."""
        record = SystemUser.objects.filter(environment=environment, domainname__iexact=upn).first()
        if record is not None:
            return record
        deleted_ids = list(
            DirectoryUser.objects.filter(original_user_principal_name__iexact=upn)
            .exclude(deleted_state=DeletedState.NONE)
            .order_by("-deleted_on", "-created_on")
            .values_list("id", flat=True)
        )
        if not deleted_ids:
            return None
        by_object = {r.azureactivedirectoryobjectid: r for r in
                     SystemUser.objects.filter(environment=environment, azureactivedirectoryobjectid__in=deleted_ids)}
        for object_id in deleted_ids:  # the newest deletion first
            if object_id in by_object:
                return by_object[object_id]
        return None

    @classmethod
    def get_systemuser(cls, environment: Environment, upn: str) -> SystemUser:
        record = cls.find_systemuser(environment, upn)
        if record is None:
            raise InvalidInput("not-found", f"No user {upn} in {environment.name}.")
        return record

    @classmethod
    def directory_user_or_record(cls, environment: Environment, upn: str, action: str
                                 ) -> tuple[DirectoryUser | None, SystemUser | None]:
        """For refresh_user and diagnose: the directory user, when it has its own record in
        the environment (or none of any kind); else the SystemUser of that name, refused
        with STUB-02 when it is a stub; a record without a directory user (on-premises,
        application, placeholder) comes back alone. Unknown: not-found."""
        directory_user = cls.find_directory_user(upn)
        if directory_user is not None and SystemUser.objects.filter(
                environment=environment, azureactivedirectoryobjectid=directory_user.id).exists():
            return directory_user, None
        record = cls.find_systemuser(environment, upn)
        if record is not None:
            rules.check_not_stub(user_type=record.user_type, action=action)  # STUB-02
            if directory_user is None and record.azureactivedirectoryobjectid is not None:
                directory_user = DirectoryUser.objects.filter(id=record.azureactivedirectoryobjectid).first()
        if directory_user is None and record is None:
            raise InvalidInput("not-found", f"No user {upn} in the directory or in {environment.name}.")
        return directory_user, record

    @staticmethod
    def get_business_unit(environment: Environment, name: str) -> BusinessUnit:
        unit = BusinessUnit.objects.filter(environment=environment, name__iexact=name).first()
        if unit is None:
            raise InvalidInput("not-found", f"No business unit named {name!r} in {environment.name}.")
        return unit

    @staticmethod
    def get_app(app_id: uuid.UUID) -> AppRegistration:
        app = AppRegistration.objects.filter(app_id=app_id).first()
        if app is None:
            raise InvalidInput("not-found", f"No app registration with application id {app_id}.")
        return app


# --- readable output ----------------------------------------------------------------------------


def render_table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Left-aligned columns, a dashed rule under the headers; control characters in a value
    (a line break, an escape sequence) are shown escaped, so every row stays one line."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return escape_controls(", ".join(map(str, value)))
    return escape_controls(str(value))


def user_sync_text(result: dict) -> str:
    """The text of sign_in, add_user and refresh_user (UserSyncResult.as_dict())."""
    lines = [f"{result['user']} in {result['environment']}: {result['outcome']} (status: {result['status']})"]
    if result["refused_by"]:
        lines.append("Refused by: " + ", ".join(result["refused_by"]))
    if result["changed_fields"]:
        lines.append("Changed: " + ", ".join(result["changed_fields"]))
    return "\n".join(lines)


def status_of(record: SystemUser) -> str:
    return "disabled" if record.isdisabled else "enabled"


# --- impact previews: --dry-run (cli.md, "Previews") ----------------------------------------------


class PreviewCommand(PortalCommand):
    """A command that also answers `--dry-run`: what it would do, rehearsed by services/previews.py
    and rolled back. A dry run refuses exactly as the command does (the same code path, so the same
    exit code and `error:` line) and writes nothing at all: not even the audit log's entry for
    the refusal, since nothing was attempted (audit.rehearsing)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--dry-run", action="store_true",
                            help="Write nothing; print what the command would do (an impact preview).")
        return parser

    def handle(self, *args, **options):
        if not options.get("dry_run"):
            return super().handle(*args, **options)
        with audit.rehearsing():
            return super().handle(*args, **options)


def sync_counts_table(environments: Sequence[dict]) -> str:
    """The counts of sync_directory, one row per environment (SyncRun.COUNT_FIELDS)."""
    headers = ("Environment",) + tuple(name.replace("_", " ").capitalize() for name in SyncRun.COUNT_FIELDS)
    rows = [(e["environment"],) + tuple(e[name] for name in SyncRun.COUNT_FIELDS) for e in environments]
    return render_table(headers, rows)


def impact_text(payload: dict, heading: str) -> str:
    """An impact preview (Impact.as_dict()) as text: the heading, the counts table, then for each
    environment the records that change (user, outcome, status, refused by, changed fields), or
    "no changes" said plainly."""
    environments = payload["environments"]
    parts = [heading, sync_counts_table(environments) if environments else "No environments."]
    for environment in environments:
        changes, name = environment["changes"], environment["environment"]
        if not changes:
            line = f"{name}: no changes."
            if parts[-1].endswith(": no changes."):  # one block of such lines, not a paragraph each
                parts[-1] += "\n" + line
            else:
                parts.append(line)
            continue
        count = f"{len(changes)} change" + ("" if len(changes) == 1 else "s")
        rows = [(c["user"], c["outcome"], c["status"], c["refused_by"], c["changed_fields"]) for c in changes]
        parts.append(f"{name}: {count}\n" + render_table(("User", "Outcome", "Status", "Refused by", "Changed fields"), rows))
    return "\n\n".join(parts)


__all__ = ["InvalidInput", "PortalCommand", "PreviewCommand", "RuleViolation", "impact_text", "render_table", "status_of",
           "sync_counts_table", "terminal_text", "user_sync_text"]
