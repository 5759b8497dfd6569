"""Only include() calls: the Django admin, and every portal page from users_app/urls/."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("users_app.api.urls")),  # the Microsoft-compatible APIs (namespace "api")
    path("", include("users_app.urls")),
]
