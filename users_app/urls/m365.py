"""The Microsoft 365 admin center screens, mounted at /m365/."""
from django.urls import include, path

from users_app.views import lockout
from users_app.views.m365 import access
from users_app.views.m365 import (add_user_wizard, app_registrations, groups, licences, roles, service, tenant_file,
                                  user_actions, user_grid, user_page, users)

app_name = "m365"
urlpatterns = [
    path("users/", users.active_user_list, name="active_user_list"),
    path("users/deleted/", users.deleted_user_list, name="deleted_user_list"),
    path("users/selection/", user_grid.active_user_selection, name="active_user_selection"),
    path("users/columns/", user_grid.active_user_columns, name="active_user_columns"),
    path("users/export/", user_grid.active_user_export, name="active_user_export"),
    path("users/bulk/licences/", user_grid.active_user_bulk_licences, name="active_user_bulk_licences"),
    path("users/bulk/block/", user_grid.active_user_bulk_block, name="active_user_bulk_block"),
    path("users/bulk/unblock/", user_grid.active_user_bulk_unblock, name="active_user_bulk_unblock"),
    path("users/<uuid:user_id>/quick-look/", user_grid.active_user_quick_look, name="active_user_quick_look"),
    path("users/new/", add_user_wizard.active_user_create, name="active_user_create"),
    path("users/<uuid:user_id>/", user_page.active_user_detail, name="active_user_detail"),
    path("users/<uuid:user_id>/licences/", user_page.active_user_licences, name="active_user_licences"),
    path("users/<uuid:user_id>/roles/", user_page.active_user_roles, name="active_user_roles"),
    path("users/<uuid:user_id>/groups/", user_page.active_user_groups, name="active_user_groups"),
    path("users/<uuid:user_id>/access/", access.active_user_access, name="active_user_access"),
    path("users/records/<uuid:systemuserid>/access/", access.record_access, name="record_access"),
    path("users/<uuid:user_id>/block/", user_actions.active_user_block, name="active_user_block"),
    path("users/<uuid:user_id>/unblock/", user_actions.active_user_unblock, name="active_user_unblock"),
    path("users/<uuid:user_id>/password/", user_actions.active_user_password_reset, name="active_user_password_reset"),
    path("users/<uuid:user_id>/unlock/", lockout.active_user_unlock, name="active_user_unlock"),
    path("users/<uuid:user_id>/delete/", user_actions.active_user_delete, name="active_user_delete"),
    path("users/<uuid:user_id>/restore/", user_actions.active_user_restore, name="active_user_restore"),
    path("users/<uuid:user_id>/purge/", user_actions.active_user_purge, name="active_user_purge"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/<uuid:group_id>/", groups.group_detail, name="group_detail"),
    path("groups/<uuid:group_id>/members/add/", groups.group_member_add, name="group_member_add"),
    path("groups/<uuid:group_id>/members/remove/", groups.group_member_remove, name="group_member_remove"),
    path("groups/<uuid:group_id>/owners/", groups.group_owners, name="group_owners"),
    path("groups/<uuid:group_id>/access/", access.group_access, name="group_access"),
    path("groups/<uuid:group_id>/owners/add/", groups.group_owner_add, name="group_owner_add"),
    path("groups/<uuid:group_id>/owners/remove/", groups.group_owner_remove, name="group_owner_remove"),
    path("licences/", licences.licence_list, name="licence_list"),
    path("licences/tenant/", licences.tenant_licence_update, name="tenant_licence_update"),
    path("licences/<uuid:sku_id>/", licences.licence_detail, name="licence_detail"),
    path("roles/", roles.role_list, name="role_list"),
    path("roles/<uuid:role_id>/", roles.role_detail, name="role_detail"),
    path("roles/<uuid:role_id>/holders/add/", roles.role_holder_add, name="role_holder_add"),
    path("roles/<uuid:role_id>/holders/remove/", roles.role_holder_remove, name="role_holder_remove"),
    path("apps/", app_registrations.app_registration_list, name="app_registration_list"),
    path("apps/new/", app_registrations.app_registration_create, name="app_registration_create"),
    path("service/", service.service_information, name="service_information"),
    path("tenant-file/", tenant_file.tenant_file_load, name="tenant_file_load"),
    path("audit/", include("users_app.urls.audit")),  # the audit log (users_app/views/audit.py)
]
