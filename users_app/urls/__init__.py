"""Every page of the portal but the Django admin, mounted at the site root by portal/urls.py: the
sign-in pages, then one include per area (each area's urls module holds its namespace)."""
from django.urls import include, path

from users_app.views import signin

urlpatterns = [
    path("", signin.home, name="home"),
    path("signin/", signin.signin, name="signin"),
    path("signout/", signin.signout, name="signout"),
    path("password/", signin.password_change, name="password_change"),
    path("environments/", include("users_app.urls.environments")),
    path("environments/<uuid:environment_id>/users/", include("users_app.urls.environment_users")),
    path("environments/<uuid:environment_id>/", include("users_app.urls.structure")),
    path("", include("users_app.urls.app_users")),
    path("", include("users_app.urls.imports")),
    path("", include("users_app.urls.onprem_users")),
    path("", include("users_app.urls.my_environments")),
    path("m365/", include("users_app.urls.m365")),
    path("rules/", include("users_app.urls.rules")),
    path("", include("users_app.urls.pickers")),
    path("search/", include("users_app.urls.search")),
    path("developers/", include("users_app.urls.developers")),
]
