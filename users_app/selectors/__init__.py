"""Reads for the screens and the command line, one module per area (the same areas as views/,
tables/, filters/ and forms/): records (exports, System Administrator), environments,
environment_users, structure, app_users, imports, onprem_users, my_environments, m365, audit.
Views call these; they never build a queryset."""
from .records import environment_user_export, holds_system_administrator

__all__ = ["environment_user_export", "holds_system_administrator"]
