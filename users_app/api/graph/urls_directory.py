"""Graph's directory URLs under /v1.0/ other than users and licences: groups (groups.py), directory
roles and role management (roles.py), applications and service principals (applications.py)."""
from django.urls import path

from . import applications, groups, roles

urlpatterns = [
    path("groups", groups.groups, name="groups"),
    path("groups/<str:group_id>", groups.group, name="group"),
    path("groups/<str:group_id>/members", groups.members, name="group-members"),
    path("groups/<str:group_id>/members/$ref", groups.member_ref, name="group-member-ref"),
    path("groups/<str:group_id>/members/<str:member_id>/$ref", groups.member_delete, name="group-member-delete"),
    path("groups/<str:group_id>/members/<str:cast>", groups.members, name="group-members-cast"),
    path("groups/<str:group_id>/owners", groups.owners, name="group-owners"),
    path("groups/<str:group_id>/owners/$ref", groups.owner_ref, name="group-owner-ref"),
    path("groups/<str:group_id>/owners/<str:owner_id>/$ref", groups.owner_delete, name="group-owner-delete"),
    path("users/<str:user_id>/memberOf", groups.member_of, name="user-member-of"),
    path("users/<str:user_id>/transitiveMemberOf", groups.transitive_member_of, name="user-transitive-member-of"),
    path("directoryRoles", roles.directory_roles, name="directory-roles"),
    path("directoryRoles/<str:role_key>", roles.directory_role, name="directory-role"),
    path("directoryRoles(roleTemplateId='<str:template_id>')", roles.directory_role, name="directory-role-by-template"),
    path("directoryRoles/<str:role_key>/members", roles.directory_role_members, name="directory-role-members"),
    path("directoryRoles/<str:role_key>/members/$ref", roles.directory_role_member_ref, name="directory-role-member-ref"),
    path("directoryRoles/<str:role_key>/members/<str:member_id>/$ref", roles.directory_role_member_delete,
         name="directory-role-member-delete"),
    path("roleManagement/directory/roleDefinitions", roles.role_definitions, name="role-definitions"),
    path("roleManagement/directory/roleDefinitions/<str:definition_id>", roles.role_definition, name="role-definition"),
    path("roleManagement/directory/roleAssignments", roles.role_assignments, name="role-assignments"),
    path("roleManagement/directory/roleAssignments/<str:assignment_key>", roles.role_assignment,
         name="role-assignment"),
    path("applications", applications.applications, name="applications"),
    path("applications/<str:app_key>", applications.application, name="application"),
    path("applications(appId='<str:app_key>')", applications.application, {"by": "app_id"},
         name="application-by-app-id"),
    path("applications/<str:app_key>/addPassword", applications.add_password, name="application-add-password"),
    path("servicePrincipals", applications.service_principals, name="service-principals"),
    path("servicePrincipals/<str:sp_key>", applications.service_principal, name="service-principal"),
    path("servicePrincipals(appId='<str:sp_key>')", applications.service_principal, {"by": "app_id"},
         name="service-principal-by-app-id"),
]
