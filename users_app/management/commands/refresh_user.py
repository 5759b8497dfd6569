"""refresh_user --environment NAME --user UPN [--format json]: Refresh user (SYNC-04); never adds.

Refusals by the rules are answers (exit 0); a stub user is refused with STUB-02 (exit 1)."""
from users_app.management.base import PortalCommand, status_of, user_sync_text
from users_app.provisioning import rules
from users_app.provisioning.sync import environment_user_refresh


class Command(PortalCommand):
    help = "Refresh user: applies the directory's current state to the user's record now (SYNC-04); never adds a record."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("--user", metavar="UPN", required=True)

    def run(self, *, environment, user, **options):
        environment = self.get_environment(environment)
        directory_user, record = self.directory_user_or_record(environment, user, "refresh")
        if directory_user is not None:
            return environment_user_refresh(environment=environment, directory_user=directory_user,
                                            initiated_by="command line").as_dict()
        # A record with no directory user behind it: nothing to refresh from.
        refused_by = [rules.ONPREM_01] if environment.is_on_premises else []
        return {"environment": environment.name, "user": record.domainname,
                "outcome": "refused" if refused_by else "unchanged", "status": status_of(record),
                "refused_by": refused_by, "changed_fields": []}

    def as_text(self, payload) -> str:
        return user_sync_text(payload)
