"""An environment's structure pages, mounted at /environments/<uuid:environment_id>/."""
from django.urls import path

from users_app.views.structure import accounts, business_units, security_roles, sync_runs, teams

app_name = "structure"
urlpatterns = [
    path("teams/", teams.team_list, name="team_list"),
    path("teams/new/", teams.team_create, name="team_create"),
    path("teams/<uuid:teamid>/", teams.team_detail, name="team_detail"),
    path("teams/<uuid:teamid>/edit/", teams.team_update, name="team_update"),
    path("teams/<uuid:teamid>/delete/", teams.team_delete, name="team_delete"),
    path("teams/<uuid:teamid>/members/", teams.team_member_list, name="team_member_list"),
    path("teams/<uuid:teamid>/members/add/", teams.team_member_add, name="team_member_add"),
    path("teams/<uuid:teamid>/members/<uuid:systemuserid>/remove/", teams.team_member_remove, name="team_member_remove"),
    path("teams/<uuid:teamid>/roles/", teams.team_roles_update, name="team_roles_update"),
    path("security-roles/", security_roles.security_role_list, name="security_role_list"),
    path("security-roles/<uuid:roleid>/", security_roles.security_role_detail, name="security_role_detail"),
    path("security-roles/<uuid:roleid>/people/", security_roles.security_role_people_add, name="security_role_people_add"),
    path("security-roles/<uuid:roleid>/people/<uuid:systemuserid>/remove/", security_roles.security_role_person_remove,
         name="security_role_person_remove"),
    path("business-units/", business_units.business_unit_list, name="business_unit_list"),
    path("business-units/new/", business_units.business_unit_create, name="business_unit_create"),
    path("business-units/<uuid:businessunitid>/delete/", business_units.business_unit_delete, name="business_unit_delete"),
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/<uuid:accountid>/", accounts.account_update, name="account_update"),
    path("sync-history/", sync_runs.sync_run_list, name="sync_run_list"),
    path("sync-history/sync-now/", sync_runs.sync_run_create, name="sync_run_create"),
    path("sync-history/pending/", sync_runs.sync_run_pending, name="sync_run_pending"),
    path("sync-history/<int:run_id>/", sync_runs.sync_run_detail, name="sync_run_detail"),
    path("sync-history/<int:run_id>/status/", sync_runs.sync_run_status, name="sync_run_status"),
]
