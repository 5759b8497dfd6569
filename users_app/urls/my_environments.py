"""My environments (SYNC-02). Mounted at the site root: the paths are full."""
from django.urls import path

from users_app.views import my_environments as views

app_name = "my_environments"

urlpatterns = [
    path("my/environments/", views.my_environment_list, name="my_environment_list"),
    path("my/environments/<uuid:environment_id>/open/", views.my_environment_open, name="my_environment_open"),
]
