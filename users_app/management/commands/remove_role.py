"""remove_role --environment NAME --user UPN --role ROLE: removes a directly assigned role (ROLE-03)."""
from users_app.services.records import role_remove

from .assign_role import Command as AssignRoleCommand


class Command(AssignRoleCommand):
    help = ("Removes a directly assigned security role. Removing every role keeps the user enabled but unable to open "
            "apps (ROLE-03); remove the user from the security group instead to remove access.")
    verb = "remove"

    def change(self, systemuser, role) -> bool:
        return role_remove(systemuser=systemuser, role=role)
