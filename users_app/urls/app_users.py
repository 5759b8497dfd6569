"""Application users (APP). Mounted at the site root: the paths are full."""
from django.urls import path

from users_app.views import app_users as views

app_name = "app_users"

ENV = "environments/<uuid:environment_id>/"

urlpatterns = [
    path(f"{ENV}application-users/", views.app_user_list, name="app_user_list"),
    path(f"{ENV}application-users/new/", views.app_user_create, name="app_user_create"),
    path(f"{ENV}application-users/<uuid:systemuserid>/", views.app_user_detail, name="app_user_detail"),
    path(f"{ENV}application-users/<uuid:systemuserid>/edit/", views.app_user_update, name="app_user_update"),
    path(f"{ENV}application-users/<uuid:systemuserid>/status/", views.app_user_status, name="app_user_status"),
    path(f"{ENV}application-users/<uuid:systemuserid>/delete/", views.app_user_delete, name="app_user_delete"),
]
