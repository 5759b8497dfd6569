"""The Microsoft 365 admin center screens, mounted at /m365/."""
from django.urls import include, path

from users_app.views import lockout, m365

app_name = "m365"
urlpatterns = [
    path("users/", m365.active_user_list, name="active_user_list"),
    path("users/deleted/", m365.deleted_user_list, name="deleted_user_list"),
    path("users/new/", m365.active_user_create, name="active_user_create"),
    path("users/<uuid:user_id>/", m365.active_user_detail, name="active_user_detail"),
    path("users/<uuid:user_id>/licences/", m365.active_user_licences, name="active_user_licences"),
    path("users/<uuid:user_id>/roles/", m365.active_user_roles, name="active_user_roles"),
    path("users/<uuid:user_id>/groups/", m365.active_user_groups, name="active_user_groups"),
    path("users/<uuid:user_id>/block/", m365.active_user_block, name="active_user_block"),
    path("users/<uuid:user_id>/unblock/", m365.active_user_unblock, name="active_user_unblock"),
    path("users/<uuid:user_id>/password/", m365.active_user_password_reset, name="active_user_password_reset"),
    path("users/<uuid:user_id>/unlock/", lockout.active_user_unlock, name="active_user_unlock"),
    path("users/<uuid:user_id>/delete/", m365.active_user_delete, name="active_user_delete"),
    path("users/<uuid:user_id>/restore/", m365.active_user_restore, name="active_user_restore"),
    path("users/<uuid:user_id>/purge/", m365.active_user_purge, name="active_user_purge"),
    path("groups/", m365.group_list, name="group_list"),
    path("groups/new/", m365.group_create, name="group_create"),
    path("groups/<uuid:group_id>/", m365.group_detail, name="group_detail"),
    path("groups/<uuid:group_id>/members/add/", m365.group_member_add, name="group_member_add"),
    path("groups/<uuid:group_id>/members/remove/", m365.group_member_remove, name="group_member_remove"),
    path("groups/<uuid:group_id>/owners/", m365.group_owners, name="group_owners"),
    path("groups/<uuid:group_id>/owners/add/", m365.group_owner_add, name="group_owner_add"),
    path("groups/<uuid:group_id>/owners/remove/", m365.group_owner_remove, name="group_owner_remove"),
    path("licences/", m365.licence_list, name="licence_list"),
    path("licences/tenant/", m365.tenant_licence_update, name="tenant_licence_update"),
    path("licences/<uuid:sku_id>/", m365.licence_detail, name="licence_detail"),
    path("roles/", m365.role_list, name="role_list"),
    path("roles/<uuid:role_id>/", m365.role_detail, name="role_detail"),
    path("roles/<uuid:role_id>/holders/add/", m365.role_holder_add, name="role_holder_add"),
    path("roles/<uuid:role_id>/holders/remove/", m365.role_holder_remove, name="role_holder_remove"),
    path("apps/", m365.app_registration_list, name="app_registration_list"),
    path("apps/new/", m365.app_registration_create, name="app_registration_create"),
    path("service/", m365.service_information, name="service_information"),
    path("audit/", include("users_app.urls.audit")),  # the audit log (users_app/views/audit.py)
]
