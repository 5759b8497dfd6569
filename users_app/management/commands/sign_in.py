"""sign_in --environment NAME --user UPN [--format json]: the user's first access (SYNC-02, ELIG).

A refusal by the rules (ELIG, MODE-03, ONPREM-01) is an answer: exit 0, outcome `refused`."""
from users_app.management.base import PortalCommand, user_sync_text
from users_app.provisioning.sync import user_sign_in


class Command(PortalCommand):
    help = "The user's first access to the environment (SYNC-02): added, enabled, updated or refused."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("--user", metavar="UPN", required=True, help="A directory user (deleted users by their original UPN).")

    def run(self, *, environment, user, **options):
        environment = self.get_environment(environment)
        directory_user = self.get_directory_user(user)
        return user_sign_in(environment=environment, directory_user=directory_user).as_dict()

    def as_text(self, payload) -> str:
        return user_sync_text(payload)
