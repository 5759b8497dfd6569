"""The people picker's type-ahead (users_app/views/pickers.py)."""
from django.urls import path

from users_app.views import pickers

app_name = "pickers"
urlpatterns = [
    path("pickers/people/", pickers.people, name="people"),
    path("environments/<uuid:environment_id>/pickers/people/", pickers.environment_people, name="environment_people"),
]
