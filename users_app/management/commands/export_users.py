"""export_users --environment NAME [--format json]: every SystemUser of the environment."""
from users_app.choices import AccessMode
from users_app.management.base import PortalCommand, render_table
from users_app.selectors import environment_user_export


class Command(PortalCommand):
    help = "Every SystemUser of the environment (placeholders, application, stub and on-premises users included)."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)

    def run(self, *, environment, **options):
        return environment_user_export(environment=self.get_environment(environment))

    def as_text(self, payload) -> str:
        rows = [(u["domainname"], u["fullname"], "disabled" if u["isdisabled"] else "enabled",
                 AccessMode(u["accessmode"]).label, u["user_type"], "yes" if u["deletedstate"] else "",
                 u["businessunit"], u["roles"], u["owned_records"]) for u in payload]
        table = render_table(("User name", "Full name", "Status", "Access mode", "Type", "Deleted", "Business unit",
                              "Roles", "Records"), rows)
        return f"{table}\n{len(payload)} users"
