"""sync_directory [--environment NAME] [--full] [--dry-run] [--format json]: the background sync now
(SYNC-01, SYNC-05, SYNC-07), or with --dry-run what it would do now, writing nothing (cli.md, "Previews")."""
from users_app.list_search import search_index_refresh
from users_app.management.base import PreviewCommand, impact_text, sync_counts_table
from users_app.provisioning.sync import directory_sync
from users_app.services.previews import preview


class Command(PreviewCommand):
    help = ("Runs the background sync now, for one environment or every one; waits for a running sync of the same "
            "environment. With --dry-run, prints what it would do now and writes nothing.")
    atomic = False  # each environment's run is its own transaction, and waits for a running one

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", help="Only this environment (default: every environment).")
        parser.add_argument("--full", action="store_true", help="A full sync (compare every directory user).")

    def run(self, *, environment=None, full=False, dry_run=False, **options):
        environments = [self.get_environment(environment)] if environment else None
        self.dry_run, self.full = bool(dry_run), bool(full)
        if self.dry_run:  # the same sync, rehearsed and rolled back: what is pending now
            return preview(None, environments=environments, full=self.full).as_dict()
        runs = directory_sync(environments=environments, full=self.full, initiated_by="command line")
        search_index_refresh()  # the lists' trigram index, in bulk, after the runs' transactions
        return {"environments": [{"environment": run.environment.name, **run.counts()} for run in runs]}

    def as_text(self, payload) -> str:
        if self.dry_run:
            sync = "a full sync" if self.full else "the sync"
            return impact_text(payload, f"Dry run: what {sync} would do now. Nothing was written.")
        return sync_counts_table(payload["environments"])
