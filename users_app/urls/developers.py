"""The Developers page (issue 13), mounted at /developers/: base URLs, tokens and SDK snippets."""
from django.urls import path

from users_app.views import developers

app_name = "developers"
urlpatterns = [
    path("", developers.developers, name="developers"),
    path("token/", developers.personal_token, name="personal_token"),
]
