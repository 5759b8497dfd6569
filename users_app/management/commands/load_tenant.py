"""load_tenant FILE: make the directory and environments match the tenant file (cli.md)."""
import json

from django.core.management.base import BaseCommand
from django.db import IntegrityError

from users_app.provisioning.rules import RuleViolation
from users_app.tenant_file import load_tenant_file


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class Command(BaseCommand):
    help = "Make the directory and the environments match a tenant file (JSON); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the tenant file (JSON)")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options):
        try:
            summary = load_tenant_file(options["file"])
        except RuleViolation as exc:
            self.stderr.write(f"error: {_one_line(exc)}")
            raise SystemExit(1) from None
        except IntegrityError as exc:
            self.stderr.write(f"error: tenant-file: the file conflicts with the database ({_one_line(exc)}).")
            raise SystemExit(1) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary, sort_keys=True))
            return
        parts = []
        for kind, counts in summary.items():
            shown = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
            if shown:
                parts.append(f"{kind}: {shown}")
        self.stdout.write(f"Loaded {options['file']}: " + ("; ".join(parts) or "nothing to do") + ".")
