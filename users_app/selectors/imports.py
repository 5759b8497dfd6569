"""Reads of the data import and the bulk reassign (STUB): the latest import runs, the stub users
with the records they own, and the users records may go to. Lists use a fixed number of queries."""
from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery

from environments_app.models import Environment
from users_app.choices import PLACEHOLDER_USER_TYPES, SyncTrigger, UserType
from users_app.filters.imports import StubUserFilterSet
from users_app.models import Account, SyncRun, SystemUser


def owned_record_count() -> Subquery:
    """The number of account records a SystemUser owns, as an annotation (no query per row)."""
    return Subquery(Account.objects.filter(owner=OuterRef("pk")).order_by().values("owner")
                    .annotate(n=Count("pk")).values("n")[:1])


def import_run_list(*, environment: Environment, limit: int = 5) -> list[SyncRun]:
    """The latest data imports of the environment, with their per-user decisions (SYNC-07)."""
    return list(SyncRun.objects.filter(environment=environment, trigger=SyncTrigger.IMPORT).order_by("-started_at", "-id")[:limit])


def stub_user_list(*, environment: Environment, filters=None) -> QuerySet[SystemUser]:
    queryset = (SystemUser.objects.filter(environment=environment, user_type=UserType.STUB)
                .annotate(owned_records=owned_record_count()).order_by("domainname"))
    return StubUserFilterSet(filters or {}, queryset=queryset).qs


def reassign_target_choices(*, environment: Environment) -> QuerySet[SystemUser]:
    """Users records may go to: every record of the environment but stubs, placeholders and deleted ones."""
    return (SystemUser.objects.filter(environment=environment, deletedstate=0)
            .exclude(user_type__in=(*PLACEHOLDER_USER_TYPES, UserType.STUB)).order_by("fullname", "domainname"))
