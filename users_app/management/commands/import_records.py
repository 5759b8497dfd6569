"""import_records --environment NAME FILE.csv [--format json]: imports accounts (STUB-01..05).

CSV header `name,owner` (owner = UPN). One bad row refuses the whole file, naming the row."""
from users_app.management.base import PortalCommand
from users_app.services.imports import parse_accounts_csv, records_import


class Command(PortalCommand):
    help = "Imports accounts from a CSV file (`name,owner`); pre-provisions licensed owners, makes stub users of the others."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("file", metavar="FILE.csv")

    def run(self, *, environment, file, **options):
        environment = self.get_environment(environment)
        rows = parse_accounts_csv(self.read_file(file))
        return records_import(environment=environment, rows=rows, initiated_by="command line").as_dict()

    def as_text(self, payload) -> str:
        lines = [f"Imported {payload['imported']} records."]
        if payload["pre_provisioned"]:
            lines.append("Pre-provisioned: " + ", ".join(payload["pre_provisioned"]))
        if payload["stub_users"]:
            lines.append("Stub users: " + ", ".join(payload["stub_users"]))
        return "\n".join(lines)
