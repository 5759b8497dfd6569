"""load_tenant FILE [--dry-run]: make the directory and environments match the tenant file, or with
--dry-run show what loading it and then a full sync would do, writing nothing (cli.md)."""
from django.db import DataError, IntegrityError

from users_app.list_search import search_index_refresh
from users_app.management.base import PreviewCommand, impact_text
from users_app.provisioning.rules import InvalidInput
from users_app.services.previews import preview
from users_app.tenant_file import load_tenant_file


class Command(PreviewCommand):
    help = ("Make the directory and the environments match a tenant file (JSON); idempotent. With --dry-run, "
            "checks the file the same way and prints what loading it and then a full sync would do, writing nothing.")
    atomic = False  # load_tenant is one transaction of its own

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the tenant file (JSON)")

    def run(self, *args, dry_run=False, **options):
        self.file, self.dry_run, self.summary = options["file"], bool(dry_run), None
        if self.dry_run:
            # The load and `sync_directory --full` in one transaction, rolled back: the file is checked
            # by the same code path, and nothing after the transaction (the search index) runs.
            impact = self._load(lambda: preview(lambda: load_tenant_file(self.file), full=True))
            self.summary = impact.result
            return impact.as_dict()
        summary = self._load(lambda: load_tenant_file(self.file))
        search_index_refresh()  # the lists' trigram index, in bulk, after the load's transaction
        return summary

    @staticmethod
    def _load(load):
        try:
            return load()
        except IntegrityError as exc:
            raise InvalidInput("tenant-file", f"the file conflicts with the database ({' '.join(str(exc).split())}).") from None
        except DataError as exc:  # a value the checks let through but the database refuses; nothing is written
            raise InvalidInput("tenant-file", f"the database refuses a value of the file ({' '.join(str(exc).split())}).") from None

    def as_text(self, payload) -> str:
        if self.dry_run:
            heading = (f"Dry run: what loading {self.file} ({self._summary_text(self.summary)}) and then a full sync "
                       "would do. Nothing was written.")
            return impact_text(payload, heading)
        return f"Loaded {self.file}: {self._summary_text(payload)}."

    @staticmethod
    def _summary_text(summary) -> str:
        parts = []
        for kind, counts in summary.items():
            shown = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
            if shown:
                parts.append(f"{kind}: {shown}")
        return "; ".join(parts) or "nothing to do"
