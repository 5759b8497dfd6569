"""Licences (DIR-02 seats, DIR-10 usage location) and the tenant's own subscriptions."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from users_app.choices import DeletedState
from users_app.models import DirectoryUser, LicenceAssignment, Sku, Tenant
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import audit

from .fields import refuse_hard_deleted
from .rights import require_right


@transaction.atomic
def tenant_get() -> Tenant:
    """The single tenant row, created on demand with defaults."""
    tenant = Tenant.objects.order_by("pk").first()
    if tenant is None:
        tenant = Tenant.objects.create()
    return tenant


@transaction.atomic
def tenant_update(*, marketing_licence: bool) -> Tenant:
    """The tenant-level Marketing licence (ELIG-03 c)."""
    with audit.action("Update tenant subscriptions", target="tenant") as entry:
        require_right(Action.TENANT_LICENCES)
        tenant = tenant_get()
        if tenant.marketing_licence != marketing_licence:
            entry.change("marketing_licence", tenant.marketing_licence, marketing_licence)
            tenant.marketing_licence = marketing_licence
            tenant.save(update_fields=["marketing_licence"])
    return tenant


def _sku(sku: Sku | str) -> Sku:
    if isinstance(sku, Sku):
        return sku
    found = Sku.objects.filter(sku_part_number__iexact=sku).first()
    if found is None:
        raise InvalidInput("not-found", f"No licence (SKU) {sku} in this tenant.")
    return found


def seats_used(sku: Sku) -> int:
    """DIR-02: assignments of users that are not deleted."""
    return LicenceAssignment.objects.filter(sku=sku, user__deleted_state=DeletedState.NONE).count()


def check_restore_seats(user: DirectoryUser, upn: str) -> None:
    """DIR-02: every licence a deleted user keeps needs a free seat for the user to come back."""
    for assignment in LicenceAssignment.objects.filter(user=user).select_related("sku"):
        sku = Sku.objects.select_for_update().get(pk=assignment.sku_id)
        rules.check_licence_seats(sku_name=sku.name, seats=sku.seats, used=seats_used(sku), restoring=upn)


@transaction.atomic
def _licence_assign(*, user: DirectoryUser, sku: Sku | str) -> LicenceAssignment:
    """DIR-02 (seats) and DIR-10 (usage location); assigning a held licence changes nothing.
    A soft-deleted user's licences count for no seat (DIR-04), so none is checked for it."""
    sku = _sku(sku)
    refuse_hard_deleted(user)
    existing = LicenceAssignment.objects.filter(user=user, sku=sku).first()
    if existing is not None:
        return existing
    rules.check_usage_location(usage_location=user.usage_location)
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    if not user.is_deleted:
        rules.check_licence_seats(sku_name=sku.name, seats=sku.seats, used=seats_used(sku))
    return LicenceAssignment.objects.create(user=user, sku=sku)


@transaction.atomic
def _licence_remove(*, user: DirectoryUser, sku: Sku | str) -> None:
    """DIR-02: removing a licence frees its seat at once."""
    sku = _sku(sku)
    LicenceAssignment.objects.filter(user=user, sku=sku).delete()


@transaction.atomic
def _licences_set(*, user: DirectoryUser, skus: Iterable[Sku | str]) -> None:
    """Replace the user's licences: removals first (they free seats), then additions."""
    wanted = {s.pk: s for s in (_sku(s) for s in skus)}
    current = set(LicenceAssignment.objects.filter(user=user).values_list("sku_id", flat=True))
    removed = current - set(wanted)
    if removed:
        LicenceAssignment.objects.filter(user=user, sku_id__in=removed).delete()
    for pk, sku in wanted.items():
        if pk not in current:
            licence_assign(user=user, sku=sku)


def _skus_of(user: DirectoryUser) -> list[str]:
    return sorted(LicenceAssignment.objects.filter(user=user).values_list("sku__sku_part_number", flat=True))


def licence_assign(*, user: DirectoryUser, sku: Sku | str) -> LicenceAssignment:
    with audit.action("Assign license", target=user) as entry:
        require_right(Action.LICENCES)
        before = _skus_of(user)
        assignment = _licence_assign(user=user, sku=sku)
        entry.change("licenses", before, _skus_of(user))
    return assignment


def licence_remove(*, user: DirectoryUser, sku: Sku | str) -> None:
    with audit.action("Remove license", target=user) as entry:
        require_right(Action.LICENCES)
        before = _skus_of(user)
        _licence_remove(user=user, sku=sku)
        entry.change("licenses", before, _skus_of(user))


def licences_set(*, user: DirectoryUser, skus: Iterable[Sku | str]) -> None:
    with audit.action("Update licenses", target=user) as entry:
        require_right(Action.LICENCES)
        before = _skus_of(user)
        _licences_set(user=user, skus=skus)
        entry.change("licenses", before, _skus_of(user))
