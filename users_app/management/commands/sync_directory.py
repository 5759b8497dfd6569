"""sync_directory [--environment NAME] [--full] [--format json]: the background sync now (SYNC-01, SYNC-05, SYNC-07)."""
from users_app.list_search import search_index_refresh
from users_app.management.base import PortalCommand, render_table
from users_app.models import SyncRun
from users_app.provisioning.sync import directory_sync


class Command(PortalCommand):
    help = "Runs the background sync now, for one environment or every one; waits for a running sync of the same environment."
    atomic = False  # each environment's run is its own transaction, and waits for a running one

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", help="Only this environment (default: every environment).")
        parser.add_argument("--full", action="store_true", help="A full sync (compare every directory user).")

    def run(self, *, environment=None, full=False, **options):
        environments = [self.get_environment(environment)] if environment else None
        runs = directory_sync(environments=environments, full=bool(full), initiated_by="command line")
        search_index_refresh()  # the lists' trigram index, in bulk, after the runs' transactions
        return {"environments": [{"environment": run.environment.name, **run.counts()} for run in runs]}

    def as_text(self, payload) -> str:
        headers = ("Environment",) + tuple(name.replace("_", " ").capitalize() for name in SyncRun.COUNT_FIELDS)
        rows = [(e["environment"],) + tuple(e[name] for name in SyncRun.COUNT_FIELDS) for e in payload["environments"]]
        return render_table(headers, rows)
