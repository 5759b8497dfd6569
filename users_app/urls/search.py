"""The header's search over users and environments, mounted at /search/."""
from django.urls import path

from users_app.views import search

app_name = "search"
urlpatterns = [
    path("", search.search, name="search"),
]
