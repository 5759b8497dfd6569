"""An environment's structure pages, mounted at /environments/<uuid:environment_id>/."""
from django.urls import path

from users_app.views import structure as views

app_name = "structure"
urlpatterns = [
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<uuid:teamid>/", views.team_detail, name="team_detail"),
    path("teams/<uuid:teamid>/edit/", views.team_update, name="team_update"),
    path("teams/<uuid:teamid>/delete/", views.team_delete, name="team_delete"),
    path("teams/<uuid:teamid>/members/", views.team_member_list, name="team_member_list"),
    path("teams/<uuid:teamid>/members/add/", views.team_member_add, name="team_member_add"),
    path("teams/<uuid:teamid>/members/remove/", views.team_member_remove, name="team_member_remove"),
    path("teams/<uuid:teamid>/roles/", views.team_roles_update, name="team_roles_update"),
    path("security-roles/", views.security_role_list, name="security_role_list"),
    path("security-roles/<uuid:roleid>/", views.security_role_detail, name="security_role_detail"),
    path("security-roles/<uuid:roleid>/people/", views.security_role_people_add, name="security_role_people_add"),
    path("business-units/", views.business_unit_list, name="business_unit_list"),
    path("business-units/new/", views.business_unit_create, name="business_unit_create"),
    path("business-units/<uuid:businessunitid>/delete/", views.business_unit_delete, name="business_unit_delete"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<uuid:accountid>/", views.account_update, name="account_update"),
    path("sync-history/", views.sync_run_list, name="sync_run_list"),
    path("sync-history/sync-now/", views.sync_run_create, name="sync_run_create"),
    path("sync-history/<int:run_id>/", views.sync_run_detail, name="sync_run_detail"),
    path("sync-history/<int:run_id>/status/", views.sync_run_status, name="sync_run_status"),
]
