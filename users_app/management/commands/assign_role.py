"""assign_role --environment NAME --user UPN --role ROLE: a direct security role (ROLE-02)."""
from users_app.management.base import PortalCommand
from users_app.services.records import role_assign


class Command(PortalCommand):
    help = "Assigns a security role directly to a user (only to enabled users unless the environment allows it, ROLE-02)."
    verb = "assign"

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("--user", metavar="UPN", required=True)
        parser.add_argument("--role", metavar="ROLE", required=True, help="The role's name (case-insensitive).")

    def change(self, systemuser, role) -> bool:
        return role_assign(systemuser=systemuser, role=role)

    def run(self, *, environment, user, role, **options):
        environment = self.get_environment(environment)
        systemuser = self.get_systemuser(environment, user)
        changed = self.change(systemuser, role)
        roles = sorted(systemuser.roles.values_list("name", flat=True))
        return {"environment": environment.name, "user": systemuser.domainname, "role": role, "changed": changed,
                "roles": roles}

    def as_text(self, payload) -> str:
        verb = {"assign": ("Assigned", "already holds"), "remove": ("Removed", "does not hold")}[self.verb]
        if payload["changed"]:
            line = f"{verb[0]} {payload['role']} {'to' if self.verb == 'assign' else 'from'} {payload['user']} in {payload['environment']}."
        else:
            line = f"{payload['user']} {verb[1]} {payload['role']} in {payload['environment']}."
        return line + "\nRoles: " + (", ".join(payload["roles"]) or "(none)")
