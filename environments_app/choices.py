from django.db import models


class EnvironmentType(models.TextChoices):
    PRODUCTION = "Production", "Production"
    SANDBOX = "Sandbox", "Sandbox"
    TRIAL = "Trial", "Trial"
    DEVELOPER = "Developer", "Developer"
    DEFAULT = "Default", "Default"
    TEAMS = "Teams", "Microsoft Teams"


# ENV-06: these types cannot have a security group.
TYPES_WITHOUT_SECURITY_GROUP = (EnvironmentType.DEFAULT, EnvironmentType.DEVELOPER, EnvironmentType.TEAMS)


class EnvironmentState(models.TextChoices):
    READY = "Ready", "Ready"
    NOT_READY = "NotReady", "Not ready"
    DISABLED = "Disabled", "Disabled"


class Deployment(models.TextChoices):
    ONLINE = "online", "Online"
    ON_PREMISES = "on_premises", "On-premises"


class LicenceType(models.TextChoices):
    STANDARD = "standard", "Standard"
    APP_PASS = "app_pass", "App pass"


ENVIRONMENT_TYPE_COLORS = {
    EnvironmentType.PRODUCTION: "blue",
    EnvironmentType.SANDBOX: "teal",
    EnvironmentType.TRIAL: "orange",
    EnvironmentType.DEVELOPER: "purple",
    EnvironmentType.DEFAULT: "gray",
    EnvironmentType.TEAMS: "indigo",
}


class StandardRole:
    """Names of the predefined security roles (ENV-05, ENV-07, STUB-03)."""

    SYSTEM_ADMINISTRATOR = "System Administrator"
    SYSTEM_CUSTOMIZER = "System Customizer"
    BASIC_USER = "Basic User"
    ENVIRONMENT_MAKER = "Environment Maker"
    SUPPORT_USER = "Support User"
    SALESPERSON = "Salesperson"
    TEAMS_MEMBER = "Teams Member"
    TEAMS_GUEST = "Teams Guest"

    BASE = (SYSTEM_ADMINISTRATOR, SYSTEM_CUSTOMIZER, BASIC_USER, ENVIRONMENT_MAKER, SUPPORT_USER)


# An environment's region (Dataverse `location`) as the admin center names it ("unitedstates" ->
# "United States"); a value not listed shows as stored.
REGION_NAMES = {
    "unitedstates": "United States", "europe": "Europe", "asia": "Asia", "australia": "Australia",
    "india": "India", "japan": "Japan", "canada": "Canada", "southamerica": "South America",
    "unitedkingdom": "United Kingdom", "france": "France", "germany": "Germany", "switzerland": "Switzerland",
    "norway": "Norway", "korea": "Korea", "southafrica": "South Africa", "unitedarabemirates": "United Arab Emirates",
    "singapore": "Singapore", "sweden": "Sweden", "italy": "Italy", "poland": "Poland", "spain": "Spain",
    "usgov": "US Government (GCC)", "preview": "Preview (United States)",
}


def region_name(value: str) -> str:
    return REGION_NAMES.get((value or "").lower(), value or "")
