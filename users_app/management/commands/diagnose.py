"""diagnose --environment NAME --user UPN [--format json]: Run diagnostics (DIAG-01..03).

Stub users: exit 1 with STUB-02; on-premises environments: exit 1 with ONPREM-01."""
from users_app.management.base import PortalCommand, render_table
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput
from users_app.provisioning.sync import environment_user_diagnose


class Command(PortalCommand):
    help = "Run diagnostics: refreshes the user, then reports ELIG-01..06 and ROLE-01 in order (DIAG-01)."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("--user", metavar="UPN", required=True, help="A directory user (deleted users by their original UPN).")

    def run(self, *, environment, user, **options):
        environment = self.get_environment(environment)
        directory_user, record = self.directory_user_or_record(environment, user, "diagnose")
        rules.check_online(on_premises=environment.is_on_premises)  # ONPREM-01
        if directory_user is None:
            raise InvalidInput("not-found", f"{record.domainname} is not a directory user: "
                                             f"{record.get_user_type_display().lower()} users are not synchronised, "
                                             "so there is nothing to diagnose.")
        return environment_user_diagnose(environment=environment, directory_user=directory_user,
                                         initiated_by="command line").as_dict()

    def as_text(self, payload) -> str:
        head = (f"{payload['user']} in {payload['environment']}: {payload['verdict'].replace('_', ' ')} "
                f"(status: {payload['status']})")
        rows = [(c["rule"], c["result"], c["reason"], c["fix"]) for c in payload["checks"]]
        return head + "\n\n" + render_table(("Rule", "Result", "Reason", "Fix"), rows)
