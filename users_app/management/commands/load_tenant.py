"""load_tenant FILE: make the directory and environments match the tenant file (cli.md)."""
from django.db import DataError, IntegrityError

from users_app.list_search import search_index_refresh
from users_app.management.base import PortalCommand
from users_app.provisioning.rules import InvalidInput
from users_app.tenant_file import load_tenant_file


class Command(PortalCommand):
    help = "Make the directory and the environments match a tenant file (JSON); idempotent."
    atomic = False  # load_tenant is one transaction of its own

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the tenant file (JSON)")

    def run(self, *args, **options):
        self.file = options["file"]
        try:
            summary = load_tenant_file(self.file)
        except IntegrityError as exc:
            raise InvalidInput("tenant-file", f"the file conflicts with the database ({' '.join(str(exc).split())}).") from None
        except DataError as exc:  # a value the checks let through but the database refuses; nothing is written
            raise InvalidInput("tenant-file", f"the database refuses a value of the file ({' '.join(str(exc).split())}).") from None
        search_index_refresh()  # the lists' trigram index, in bulk, after the load's transaction
        return summary

    def as_text(self, summary) -> str:
        parts = []
        for kind, counts in summary.items():
            shown = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
            if shown:
                parts.append(f"{kind}: {shown}")
        return f"Loaded {self.file}: " + ("; ".join(parts) or "nothing to do") + "."
