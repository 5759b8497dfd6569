"""reassign_records --environment NAME FILE.csv: moves every record of each source to its target (STUB-04).

Lines `sourceUPN,targetUPN`, no header, as Add-BulkRecordsToUsers takes. One unknown name refuses all."""
from users_app.management.base import PortalCommand
from users_app.services.imports import parse_reassign_csv, records_reassign_bulk


class Command(PortalCommand):
    help = "Reassigns every record owned by each source user to its target (Add-BulkRecordsToUsers)."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("file", metavar="FILE.csv")

    def run(self, *, environment, file, **options):
        environment = self.get_environment(environment)
        pairs = parse_reassign_csv(self.read_file(file))
        # Users are named as everywhere on the command line: a deleted user by its original UPN too.
        resolved = [(self.get_systemuser(environment, source).domainname, self.get_systemuser(environment, target).domainname)
                    for source, target in pairs]
        moved = records_reassign_bulk(environment=environment, pairs=resolved)
        return {"environment": environment.name, "moved": moved, "pairs": len(pairs)}

    def as_text(self, payload) -> str:
        return f"Moved {payload['moved']} records in {payload['environment']} ({payload['pairs']} source users)."
