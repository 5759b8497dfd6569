from django.urls import path

from users_app.views import environment_users as views

app_name = "users"
urlpatterns = [
    path("", views.environment_user_list, name="environment_user_list"),
    path("add/", views.environment_user_add, name="environment_user_add"),
    path("<uuid:systemuserid>/", views.environment_user_detail, name="environment_user_detail"),
    path("<uuid:systemuserid>/diagnostics/", views.environment_user_diagnose, name="environment_user_diagnose"),
    path("<uuid:systemuserid>/refresh/", views.environment_user_refresh, name="environment_user_refresh"),
    path("<uuid:systemuserid>/sign-in/", views.environment_user_sign_in, name="environment_user_sign_in"),
    path("<uuid:systemuserid>/roles/", views.environment_user_roles, name="environment_user_roles"),
    path("<uuid:systemuserid>/teams/", views.environment_user_teams, name="environment_user_teams"),
    path("<uuid:systemuserid>/business-unit/", views.environment_user_business_unit, name="environment_user_business_unit"),
    path("<uuid:systemuserid>/manager/", views.environment_user_manager, name="environment_user_manager"),
    path("<uuid:systemuserid>/position/", views.environment_user_position, name="environment_user_position"),
    path("<uuid:systemuserid>/form/", views.environment_user_form, name="environment_user_form"),
    path("<uuid:systemuserid>/reassign/", views.environment_user_reassign, name="environment_user_reassign"),
    path("<uuid:systemuserid>/invite/", views.environment_user_invite, name="environment_user_invite"),
    path("<uuid:systemuserid>/delete/", views.environment_user_delete, name="environment_user_delete"),
]
