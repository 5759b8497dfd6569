from django.urls import path

from users_app.views import environments as views

app_name = "environments"
urlpatterns = [
    path("", views.environment_list, name="environment_list"),
    path("new/", views.environment_create, name="environment_create"),
    path("<uuid:environment_id>/", views.environment_detail, name="environment_detail"),
    path("<uuid:environment_id>/settings/", views.environment_update, name="environment_update"),
    path("<uuid:environment_id>/membership/add-me/", views.environment_add_me, name="environment_add_me"),
]
