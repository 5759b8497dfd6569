"""Only include() calls and the account pages; each area has its own urls module."""
from django.contrib import admin
from django.urls import include, path

from users_app.views import accounts

urlpatterns = [
    path("", accounts.home, name="home"),
    path("signin/", accounts.signin, name="signin"),
    path("signout/", accounts.signout, name="signout"),
    path("password/", accounts.password_change, name="password_change"),
    path("admin/", admin.site.urls),
    path("environments/", include("users_app.urls.environments")),
    path("environments/<uuid:environment_id>/users/", include("users_app.urls.environment_users")),
    path("environments/<uuid:environment_id>/", include("users_app.urls.structure")),
    path("", include("users_app.urls.apps")),
    path("m365/", include("users_app.urls.m365")),
]
