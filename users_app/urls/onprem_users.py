"""On-premises records edited by hand (ONPREM-02). Mounted at the site root: the paths are full."""
from django.urls import path

from users_app.views import onprem_users as views

app_name = "onprem_users"

ENV = "environments/<uuid:environment_id>/"

urlpatterns = [
    path(f"{ENV}onprem-users/", views.onprem_user_list, name="onprem_user_list"),
    path(f"{ENV}onprem-users/<uuid:systemuserid>/edit/", views.onprem_user_edit, name="onprem_user_edit"),
]
