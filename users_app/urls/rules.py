"""The rules reference, mounted at /rules/."""
from django.urls import path

from users_app.views import rules

app_name = "rules"
urlpatterns = [
    path("", rules.rule_list, name="rule_list"),
    path("<str:rule_id>/", rules.rule_detail, name="rule_detail"),
]
