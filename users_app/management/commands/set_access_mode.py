"""set_access_mode --environment NAME --user UPN --mode MODE (MODE-01, MODE-03, MODE-04).

The command line acts as the system, with a Global administrator's rights (MODE-04)."""
from users_app.choices import AccessMode
from users_app.management.base import PortalCommand
from users_app.services.records import ACCESS_MODES, access_mode_set


class Command(PortalCommand):
    help = "Changes a user's access mode (at most seven non-interactive users per environment, MODE-03)."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("--user", metavar="UPN", required=True)
        parser.add_argument("--mode", required=True, choices=tuple(ACCESS_MODES))

    def run(self, *, environment, user, mode, **options):
        environment = self.get_environment(environment)
        systemuser = self.get_systemuser(environment, user)
        changed = access_mode_set(systemuser=systemuser, mode=mode)
        value = int(ACCESS_MODES[mode])
        return {"environment": environment.name, "user": systemuser.domainname, "accessmode": value,
                "mode": mode, "changed_fields": changed}

    def as_text(self, payload) -> str:
        label = AccessMode(payload["accessmode"]).label
        if payload["changed_fields"]:
            return f"Access mode of {payload['user']} in {payload['environment']} set to {label}."
        return f"Access mode of {payload['user']} in {payload['environment']} is already {label}."
