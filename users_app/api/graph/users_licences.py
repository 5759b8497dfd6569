"""Graph licences: POST /users/{id}/assignLicense, GET /users/{id}/licenseDetails, GET /subscribedSkus.

assignLicense is one call of the licence service (licences_set: removals first, then additions),
so it is all or nothing in one transaction: DIR-02 (seats) and DIR-10 (usage location) refuse the
whole request, naming the rule, and nothing is written.
"""
from __future__ import annotations

import uuid

from django.http import JsonResponse

from users_app.models import LicenceAssignment, Sku, Tenant
from users_app.selectors.m365 import sku_list
from users_app.services import directory

from .. import errors
from ..endpoint import api_view, json_body
from ..errors import GRAPH
from . import objects
from .users_common import live_user, require_read

# A service plan is a name here; Graph gives each a GUID: a stable one made from the name.
SERVICE_PLAN_NAMESPACE = uuid.UUID("0b6f9d3e-6a43-4a8e-9a0c-6f1d2c7e5b11")


def service_plans(sku: Sku) -> list[dict]:
    return [{"servicePlanId": str(uuid.uuid5(SERVICE_PLAN_NAMESPACE, name)), "servicePlanName": name,
             "provisioningStatus": "Success", "appliesTo": "User"} for name in sku.service_plans or ()]


def _guid(value, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(value) if isinstance(value, str) else uuid.UUID("x")
    except ValueError:
        raise errors.bad_request(GRAPH, f"Invalid value specified for property '{where}': {value!r} is not a "
                                        f"GUID.") from None


def _requested(body: dict) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    if "addLicenses" not in body and "removeLicenses" not in body:
        raise errors.bad_request(GRAPH, "Property 'addLicenses' and 'removeLicenses' are required.")
    add, remove = body.get("addLicenses") or [], body.get("removeLicenses") or []
    if not isinstance(add, list) or not all(isinstance(item, dict) for item in add):
        raise errors.bad_request(GRAPH, "Invalid value specified for property 'addLicenses': a list of "
                                        "{skuId, disabledPlans} objects.")
    if not isinstance(remove, list):
        raise errors.bad_request(GRAPH, "Invalid value specified for property 'removeLicenses': a list of skuIds.")
    added = []
    for item in add:
        added.append(_guid(item.get("skuId"), "addLicenses.skuId"))
        plans = item.get("disabledPlans") or []
        if not isinstance(plans, list) or plans:
            raise errors.bad_request(GRAPH, "Invalid value specified for property 'addLicenses.disabledPlans': "
                                            "service plans cannot be disabled one by one here; send [].")
    removed = [_guid(value, "removeLicenses") for value in remove]
    both = set(added) & set(removed)
    if both:
        raise errors.bad_request(GRAPH, f"License {sorted(both)[0]} is both added and removed.")
    return added, removed


@api_view(GRAPH, methods=("POST",))
def assign_license(request, key: str):
    target = live_user(key)
    added, removed = _requested(json_body(request, GRAPH))
    skus = {sku.sku_id: sku for sku in sku_list()}
    unknown = [str(i) for i in added + removed if i not in skus]
    if unknown:
        raise errors.bad_request(GRAPH, f"License {unknown[0]} does not correspond to a valid company License.")
    held = [a.sku for a in LicenceAssignment.objects.filter(user=target).select_related("sku")]
    wanted = [sku for sku in held if sku.sku_id not in removed]
    wanted += [skus[i] for i in dict.fromkeys(added) if skus[i] not in wanted]
    directory.licences_set(user=target, skus=wanted)  # DIR-02, DIR-10, DIR-05: one transaction
    target = live_user(str(target.pk))
    return JsonResponse(objects.user_json(target, (*objects.USER_DEFAULT, "assignedLicenses")))


@api_view(GRAPH)
def license_details(request, key: str):
    target = live_user(key)
    require_read(request.caller, target)
    assignments = LicenceAssignment.objects.filter(user=target).select_related("sku").order_by("sku__name")
    return JsonResponse({"value": [{
        "id": f"{target.pk.hex}_{a.sku.sku_id.hex}",
        "skuId": str(a.sku.sku_id),
        "skuPartNumber": a.sku.sku_part_number,
        "servicePlans": service_plans(a.sku),
    } for a in assignments]})


@api_view(GRAPH)
def subscribed_skus(request):
    require_read(request.caller)
    tenant = Tenant.objects.order_by("pk").first()
    prefix = str(tenant.tenant_id) if tenant else ""
    return JsonResponse({"value": [{
        "id": f"{prefix}_{sku.sku_id}",
        "skuId": str(sku.sku_id),
        "skuPartNumber": sku.sku_part_number,
        "appliesTo": "User",
        "capabilityStatus": "Enabled",
        "consumedUnits": sku.used,
        "prepaidUnits": {"enabled": sku.seats, "suspended": 0, "warning": 0, "lockedOut": 0},
        "servicePlans": service_plans(sku),
    } for sku in sku_list()]})
