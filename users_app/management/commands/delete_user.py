"""delete_user --environment NAME --user UPN [--permanent]: Delete and Permanently delete (LIFE-05)."""
from users_app.management.base import PortalCommand
from users_app.services.records import systemuser_delete


class Command(PortalCommand):
    help = ("Delete (once the directory user is permanently deleted) or, with --permanent, Permanently delete "
            "(once its records are reassigned and the environment allows deleting disabled users), LIFE-05.")

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("--user", metavar="UPN", required=True)
        parser.add_argument("--permanent", action="store_true", help="Permanently delete (after Delete).")

    def run(self, *, environment, user, permanent=False, **options):
        environment = self.get_environment(environment)
        systemuser = self.get_systemuser(environment, user)
        domainname = systemuser.domainname
        outcome = systemuser_delete(systemuser=systemuser, permanent=permanent)
        return {"environment": environment.name, "user": domainname, "outcome": outcome}

    def as_text(self, payload) -> str:
        what = "permanently deleted" if payload["outcome"] == "deleted" else "deleted (it can be permanently deleted later)"
        return f"{payload['user']} {what} in {payload['environment']}."
