"""create_app_user --environment NAME --app-id GUID [--business-unit NAME] [--role ROLE]... (APP-01..05)."""
import uuid

from users_app.management.base import PortalCommand
from users_app.services.records import app_user_create


class Command(PortalCommand):
    help = "Creates the application user of an app registration (one per app and environment, APP-05)."

    def add_arguments(self, parser):
        parser.add_argument("--environment", metavar="NAME", required=True)
        parser.add_argument("--app-id", metavar="GUID", required=True, type=uuid.UUID, help="The application (client) id.")
        parser.add_argument("--business-unit", metavar="NAME", help="Default: the root business unit.")
        parser.add_argument("--role", metavar="ROLE", action="append", default=[], help="A security role; may be repeated.")

    def run(self, *, environment, app_id, business_unit=None, role=(), **options):
        environment = self.get_environment(environment)
        app = self.get_app(app_id)
        unit = self.get_business_unit(environment, business_unit) if business_unit else None
        systemuser = app_user_create(environment=environment, app=app, business_unit=unit, roles=list(role or ()))
        return {
            "environment": environment.name, "systemuserid": str(systemuser.systemuserid), "domainname": systemuser.domainname,
            "applicationid": str(systemuser.applicationid).lower(),
            "azureactivedirectoryobjectid": str(systemuser.azureactivedirectoryobjectid).lower(),
            "firstname": systemuser.firstname, "lastname": systemuser.lastname, "isdisabled": systemuser.isdisabled,
            "accessmode": int(systemuser.accessmode), "businessunit": systemuser.businessunit.name,
            "roles": sorted(systemuser.roles.values_list("name", flat=True)),
        }

    def as_text(self, payload) -> str:
        return (f"Application user {payload['domainname']} ({payload['firstname']} {payload['lastname']}) created in "
                f"{payload['environment']}, business unit {payload['businessunit']}, "
                f"roles: {', '.join(payload['roles']) or '(none)'}.")
