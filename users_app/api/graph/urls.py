"""Graph's URLs under /v1.0/: users and licences (urls_users.py), the rest of the directory
(urls_directory.py)."""
from django.urls import include, path

urlpatterns = [
    path("", include("users_app.api.graph.urls_users")),
    path("", include("users_app.api.graph.urls_directory")),
]
