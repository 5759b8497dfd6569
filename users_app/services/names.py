"""Names unique ignoring case: one query for every "is this name taken?" of the services."""
from __future__ import annotations

from django.db.models import Model, QuerySet


def name_taken(queryset: QuerySet, value: str, *, field: str = "name", exclude: Model | None = None) -> bool:
    """Whether a row of `queryset` other than `exclude` holds `value` in `field`, ignoring case."""
    clash = queryset.filter(**{f"{field}__iexact": value})
    if exclude is not None and exclude.pk is not None:
        clash = clash.exclude(pk=exclude.pk)
    return clash.exists()
