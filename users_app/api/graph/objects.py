"""The JSON of Graph's objects, and their property tables (for $select, $filter and $orderby).

Each table maps a Graph property to how it is read from the model. Users answer with Graph's
default property set unless $select names others; every object of a directoryObject collection
(members, memberOf, deletedItems) carries its "@odata.type", which the SDK needs to build a User
or a Group. Owned by the users API (users.py); the directory API (directory.py) reads it too.
"""
from __future__ import annotations

from users_app.models import DirectoryGroup, DirectoryUser

USER_TYPE, GROUP_TYPE = "#microsoft.graph.user", "#microsoft.graph.group"


def _mail_nickname(user: DirectoryUser) -> str:
    return user.login_name.split("@", 1)[0]


# Graph property -> reader of a DirectoryUser.
USER_PROPERTIES = {
    "id": lambda u: str(u.pk),
    "userPrincipalName": lambda u: u.user_principal_name,
    "displayName": lambda u: u.display_name or None,
    "givenName": lambda u: u.given_name or None,
    "surname": lambda u: u.surname or None,
    "jobTitle": lambda u: u.job_title or None,
    "department": lambda u: u.department or None,
    "mail": lambda u: u.mail or None,
    "businessPhones": lambda u: [u.business_phone] if u.business_phone else [],
    "mobilePhone": lambda u: u.mobile_phone or None,
    "officeLocation": lambda u: u.office_location or None,
    "preferredLanguage": lambda u: None,
    "streetAddress": lambda u: u.street_address or None,
    "city": lambda u: u.city or None,
    "state": lambda u: u.state or None,
    "postalCode": lambda u: u.postal_code or None,
    "country": lambda u: u.country or None,
    "usageLocation": lambda u: u.usage_location or None,
    "accountEnabled": lambda u: u.account_enabled,
    "userType": lambda u: u.user_type,
    "mailNickname": _mail_nickname,
    "createdDateTime": lambda u: u.created_on.strftime("%Y-%m-%dT%H:%M:%SZ") if u.created_on else None,
    "deletedDateTime": lambda u: u.deleted_on.strftime("%Y-%m-%dT%H:%M:%SZ") if u.deleted_on else None,
    # Service plans cannot be switched off one by one here: disabledPlans is always empty.
    "assignedLicenses": lambda u: [{"skuId": str(a.sku.sku_id), "disabledPlans": []}
                                   for a in u.licence_assignments.all()],
}
# What GET /users and GET /users/{id} answer without $select (Graph's default set).
USER_DEFAULT = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id")

GROUP_PROPERTIES = {
    "id": lambda g: str(g.pk),
    "displayName": lambda g: g.name,
    "description": lambda g: None,
    "mailEnabled": lambda g: g.group_type != "security",
    "securityEnabled": lambda g: g.group_type == "security",
    "mailNickname": lambda g: "".join(c for c in g.name if c.isalnum()) or "group",
    "groupTypes": lambda g: ["Unified"] if g.group_type == "m365" else [],
}
GROUP_DEFAULT = tuple(GROUP_PROPERTIES)


def user_json(user: DirectoryUser, properties=USER_DEFAULT, *, typed: bool = False) -> dict:
    body = {"@odata.type": USER_TYPE} if typed else {}
    body.update({name: USER_PROPERTIES[name](user) for name in properties if name in USER_PROPERTIES})
    return body


def group_json(group: DirectoryGroup, properties=GROUP_DEFAULT, *, typed: bool = False) -> dict:
    body = {"@odata.type": GROUP_TYPE} if typed else {}
    body.update({name: GROUP_PROPERTIES[name](group) for name in properties if name in GROUP_PROPERTIES})
    return body


def directory_object_json(obj, properties=None) -> dict:
    """A member of a directoryObject collection, typed so that the SDK builds the right class."""
    if isinstance(obj, DirectoryUser):
        return user_json(obj, properties or USER_DEFAULT, typed=True)
    return group_json(obj, properties or GROUP_DEFAULT, typed=True)
