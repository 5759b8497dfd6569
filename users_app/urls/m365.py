from django.urls import path  # noqa: F401

app_name = "m365"
urlpatterns: list = []
