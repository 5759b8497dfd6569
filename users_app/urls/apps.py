"""Area C: application users, data import and reassign, on-premises records, My environments.
Mounted at the site root: the paths are full."""
from django.urls import path

from users_app.views import apps as views

app_name = "apps"

ENV = "environments/<uuid:environment_id>/"

urlpatterns = [
    path(f"{ENV}application-users/", views.app_user_list, name="app_user_list"),
    path(f"{ENV}application-users/new/", views.app_user_create, name="app_user_create"),
    path(f"{ENV}application-users/<uuid:systemuserid>/", views.app_user_detail, name="app_user_detail"),
    path(f"{ENV}application-users/<uuid:systemuserid>/edit/", views.app_user_update, name="app_user_update"),
    path(f"{ENV}application-users/<uuid:systemuserid>/status/", views.app_user_status, name="app_user_status"),
    path(f"{ENV}application-users/<uuid:systemuserid>/delete/", views.app_user_delete, name="app_user_delete"),
    path(f"{ENV}import/", views.data_import, name="data_import"),
    path(f"{ENV}import/preview/", views.data_import_preview, name="data_import_preview"),
    path(f"{ENV}import/reassign/", views.data_reassign, name="data_reassign"),
    path(f"{ENV}onprem-users/", views.onprem_user_list, name="onprem_user_list"),
    path(f"{ENV}onprem-users/<uuid:systemuserid>/edit/", views.onprem_user_edit, name="onprem_user_edit"),
    path("my/environments/", views.my_environment_list, name="my_environment_list"),
    path("my/environments/<uuid:environment_id>/open/", views.my_environment_open, name="my_environment_open"),
]
