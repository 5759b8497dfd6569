from django.urls import path

from users_app.views import environment_user_actions as actions
from users_app.views import environment_user_grid as grid
from users_app.views import environment_users as views

app_name = "users"
urlpatterns = [
    path("", views.environment_user_list, name="environment_user_list"),
    path("add/", views.environment_user_add, name="environment_user_add"),
    path("selection/", grid.environment_user_selection, name="environment_user_selection"),
    path("columns/", grid.environment_user_columns, name="environment_user_columns"),
    path("export/", grid.environment_user_export, name="environment_user_export"),
    path("bulk/roles/", grid.environment_user_bulk_roles, name="environment_user_bulk_roles"),
    path("bulk/team/", grid.environment_user_bulk_team, name="environment_user_bulk_team"),
    path("bulk/business-unit/", grid.environment_user_bulk_business_unit, name="environment_user_bulk_business_unit"),
    path("bulk/refresh/", grid.environment_user_bulk_refresh, name="environment_user_bulk_refresh"),
    path("<uuid:systemuserid>/quick-look/", grid.environment_user_quick_look, name="environment_user_quick_look"),
    path("<uuid:systemuserid>/", actions.environment_user_detail, name="environment_user_detail"),
    path("<uuid:systemuserid>/diagnostics/", actions.environment_user_diagnose, name="environment_user_diagnose"),
    path("<uuid:systemuserid>/refresh/", actions.environment_user_refresh, name="environment_user_refresh"),
    path("<uuid:systemuserid>/sign-in/", actions.environment_user_sign_in, name="environment_user_sign_in"),
    path("<uuid:systemuserid>/roles/", actions.environment_user_roles, name="environment_user_roles"),
    path("<uuid:systemuserid>/teams/", actions.environment_user_teams, name="environment_user_teams"),
    path("<uuid:systemuserid>/business-unit/", actions.environment_user_business_unit, name="environment_user_business_unit"),
    path("<uuid:systemuserid>/manager/", actions.environment_user_manager, name="environment_user_manager"),
    path("<uuid:systemuserid>/position/", actions.environment_user_position, name="environment_user_position"),
    path("<uuid:systemuserid>/form/", actions.environment_user_form, name="environment_user_form"),
    path("<uuid:systemuserid>/reassign/", actions.environment_user_reassign, name="environment_user_reassign"),
    path("<uuid:systemuserid>/invite/", actions.environment_user_invite, name="environment_user_invite"),
    path("<uuid:systemuserid>/delete/", actions.environment_user_delete, name="environment_user_delete"),
]
