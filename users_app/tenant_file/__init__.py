"""The tenant file (cli.md, "Tenant file"): make the directory and the environments match a
JSON description, idempotently.

Three steps, all inside one transaction: parse (schema: shape, types, enum values:
`tenant-file`), plan (references and rules against the database and the file together:
`not-found`, `usage_location`, DIR-02, DIR-06, DIR-10, ENV-02, ENV-06, ENV-07, ONPREM-01), then
apply, writing only what differs. Any refusal leaves the database exactly as it was.

A tenant of 100,000 users loads in seconds: the directory is read in a few queries,
users, licences, roles, memberships and ownerships are written set-based (users_app.bulk),
all stamped with the load's one change number; the few lifecycle changes (passwords,
deletions, restores) and the environments go through the services, which keep their rules.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from django.db import transaction

from users_app.models import Sku, Tenant
from users_app.provisioning.rules import InvalidInput

from .apply import (
    _apply_apps,
    _apply_environments,
    _apply_groups,
    _apply_skus,
    _apply_tenant,
    _apply_users,
    _is_tenant_wide,
    _Summary,
    _Writer,
)
from .plan import _check_seats, _Directory, _plan_environments, _plan_groups, _plan_users
from .schema import (
    AD_USER_KEYS,
    APP_KEYS,
    ENV_KEYS,
    GROUP_KEYS,
    NOT_FOUND,
    SKU_KEYS,
    TENANT_FILE,
    TENANT_KEYS,
    TOP_KEYS,
    USER_KEYS,
    parse,
)

__all__ = ["load_tenant", "load_tenant_file", "parse", "TENANT_FILE", "NOT_FOUND", "TOP_KEYS", "TENANT_KEYS", "SKU_KEYS",
           "USER_KEYS", "GROUP_KEYS", "APP_KEYS", "ENV_KEYS", "AD_USER_KEYS"]

def load_tenant(data: dict) -> dict:
    """Make the directory and the environments match the tenant file `data` (cli.md).

    Refuses the whole file with RuleViolation (nothing written) for: a malformed file
    (`tenant-file`), an unknown name in a reference (`not-found`), a usage location that
    is not two letters (`usage_location`), licences beyond seats (DIR-02), a licence
    without usage location (DIR-10), a nested-group cycle (DIR-06), a security group on
    a Default / Developer / Teams environment or a second Default (ENV-06). Loading the
    same file twice writes nothing the second time (and takes no change number).

    One transaction; the directory is read in a few queries and written set-based (a
    100,000-user file in seconds), every row it writes stamped with one change number;
    a few lifecycle changes (passwords, deletions, restores) and the environments go
    through their services. Returns counts per kind of object."""
    spec = parse(data)
    with transaction.atomic():
        if spec["users"]:  # DIR-02 is checked on the final state: no seat may be taken meanwhile
            list(Sku.objects.select_for_update().values_list("pk", flat=True))
        db = _Directory()
        plans = _plan_users(spec, db)
        _check_seats(spec, db, plans)
        groups_plan = _plan_groups(spec, db, plans)
        envs_plan = _plan_environments(spec, db, plans, groups_plan)

        tenant = Tenant.objects.order_by("pk").first()
        writer = _Writer(tenant_wide=_is_tenant_wide(spec, db, groups_plan, tenant))
        summary = _Summary()
        if spec["tenant"] or tenant is None:
            _apply_tenant(spec, tenant, writer, summary)
        skus = _apply_skus(spec, db, writer, summary)
        _apply_apps(spec, summary)
        ids = _apply_users(plans, skus, writer, db, summary)
        group_ids = _apply_groups(spec, groups_plan, ids, db, writer, summary)
        _apply_environments(envs_plan, group_ids, ids, db, summary)
    return summary.as_dict()


def load_tenant_file(path) -> dict:
    """Read a tenant file (JSON; YAML too when PyYAML is installed) and load it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(TENANT_FILE, f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(TENANT_FILE, f"{path}: cannot be read ({exc}).") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # noqa: PLC0415
        except ImportError:
            raise InvalidInput(TENANT_FILE, f"{path}: YAML needs PyYAML, which is not installed; use JSON.") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInput(TENANT_FILE, f"{path}: invalid YAML ({str(exc).splitlines()[0]}).") from None
        except RecursionError:
            raise InvalidInput(TENANT_FILE, f"{path}: nested too deeply to read.") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(TENANT_FILE, f"{path}: invalid JSON ({exc}).") from None
        except RecursionError:  # e.g. 100,000 nested [: the decoder gives up before the end
            raise InvalidInput(TENANT_FILE, f"{path}: invalid JSON (nested too deeply to read).") from None
        except ValueError:  # the only other: a number of more than sys.get_int_max_str_digits() digits
            raise InvalidInput(TENANT_FILE, f"{path}: invalid JSON (a number of more than "
                                             f"{sys.get_int_max_str_digits()} digits).") from None
    return load_tenant(data)
