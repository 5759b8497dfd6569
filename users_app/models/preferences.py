"""What each admin chose to see: the columns of a list (the grid's "Edit columns")."""
from django.conf import settings
from django.db import models


class ListColumnChoice(models.Model):
    """The columns one admin shows in one list (`list_key`: "environment_users", "active_users"), in
    the table's order. No row: the table's DEFAULT_COLUMNS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="column_choices")
    list_key = models.CharField(max_length=60)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("user", "list_key"), name="one_column_choice_per_list")]

    def __str__(self) -> str:
        return f"{self.user} · {self.list_key}"
