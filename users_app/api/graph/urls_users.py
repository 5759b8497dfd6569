"""Graph users, licences, deleted users, /me and /organization (users.py, users_licences.py,
users_deleted.py). Path segments arrive percent-decoded: /users/alice%40contoso.com is alice@..."""
from django.urls import path

from . import users, users_deleted, users_licences

urlpatterns = [
    path("users", users.users, name="users"),
    path("users/$count", users.users_count, name="users-count"),
    path("users/<str:key>", users.user, name="user"),
    path("users/<str:key>/assignLicense", users_licences.assign_license, name="user-assign-license"),
    path("users/<str:key>/licenseDetails", users_licences.license_details, name="user-license-details"),
    path("subscribedSkus", users_licences.subscribed_skus, name="subscribed-skus"),
    path("me", users.me, name="me"),
    path("organization", users.organization, name="organization"),
    path("directory/deletedItems/microsoft.graph.user", users_deleted.deleted_users, name="deleted-users"),
    path("directory/deletedItems/microsoft.graph.group", users_deleted.deleted_groups, name="deleted-groups"),
    # The SDK's casts (directory.deleted_items.graph_user) use the short names.
    path("directory/deletedItems/graph.user", users_deleted.deleted_users, name="deleted-users-cast"),
    path("directory/deletedItems/graph.group", users_deleted.deleted_groups, name="deleted-groups-cast"),
    path("directory/deletedItems/<str:key>", users_deleted.deleted_item, name="deleted-item"),
    path("directory/deletedItems/<str:key>/restore", users_deleted.restore, name="deleted-item-restore"),
]
