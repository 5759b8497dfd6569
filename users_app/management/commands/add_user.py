"""add_user --environment NAME --user UPN [--format json]: an admin's on-demand add (SYNC-03, ELIG).

A refusal by the rules is an answer: exit 0, outcome `refused`, `refused_by` naming every failing check."""
from users_app.management.base import PortalCommand, user_sync_text
from users_app.provisioning.sync import environment_user_add


class Command(PortalCommand):
    help = "An admin's on-demand add of a directory user to the environment (SYNC-03)."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("--user", metavar="UPN", required=True, help="A directory user (deleted users by their original UPN).")

    def run(self, *, environment, user, **options):
        environment = self.get_environment(environment)
        directory_user = self.get_directory_user(user)
        return environment_user_add(environment=environment, directory_user=directory_user,
                                    initiated_by="command line").as_dict()

    def as_text(self, payload) -> str:
        return user_sync_text(payload)
