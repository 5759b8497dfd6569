"""The Power Platform admin API (BAP) subset, under /providers/Microsoft.BusinessAppPlatform/
(namespace api:powerplatform). Names: environments, environment, add_user, add_app_user."""
from django.urls import path

from . import views

urlpatterns = [
    path("scopes/admin/environments", views.environment_list, name="environments"),
    path("scopes/admin/environments/<str:name>", views.environment_get, name="environment"),
    path("scopes/admin/environments/<str:name>/addUser", views.add_user, name="add_user"),
    path("scopes/admin/environments/<str:name>/addAppUser", views.add_app_user, name="add_app_user"),
]
