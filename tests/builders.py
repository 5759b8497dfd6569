"""One builder for the tenants the tests need: tenant-file dicts (cli.md's `load_tenant` format).

A test builds its tenant from these pieces and loads it with `load_tenant`, so the data goes
through the real services, as it does in production:

    data = tenant_file(skus=[sku("DYN", "Dynamics 365")], users=[person("alice", licences=["DYN"])],
                       environments=[{"name": "Sales"}])
    load_tenant(set_user(changed(data), "alice", enabled=False))

- `user(name, **fields)` is the bare entry (only what the test names); `person(...)` a full one
  with names, mail and usage location; `clerk(...)` a licensed person with a job title.
- `set_user`, `set_env`, `hard_delete` edit a dict in place and return it, so they chain.
- `changed(base, **sections)` is a deep copy with whole sections replaced: a module-level base
  tenant is never edited by a test.
- The demo-like portal tenant (a sign-in for every admin role) is `tests.conftest.portal_tenant_data`,
  built from the same pieces.
"""
from __future__ import annotations

import copy

DOMAIN = "contoso.onmicrosoft.com"

# The HTMX request marker, as the test client's extra (client.get(url, **HX)) and as headers=.
HX = {"HTTP_HX_REQUEST": "true"}
HX_HEADERS = {"HX-Request": "true"}


def upn(name: str, domain: str = DOMAIN) -> str:
    """alice -> alice@contoso.onmicrosoft.com; a full UPN is kept as it is."""
    return name if "@" in name else f"{name}@{domain}"


def user(name: str, **fields) -> dict:
    """The bare user entry: the UPN and only the fields given."""
    return {"upn": upn(name), **fields}


def person(name: str, *, licences=(), job_title: str | None = None, **fields) -> dict:
    """A user as a person: given name from the local part, surname Test, mail at contoso.com,
    usage location US (so licences may be assigned, DIR-10)."""
    local = name.split("@")[0]
    entry = {"upn": upn(name), "given_name": local.capitalize(), "surname": "Test",
             "display_name": f"{local.capitalize()} Test", "mail": f"{local}@contoso.com", "usage_location": "US",
             "licences": list(licences)}
    if job_title is not None:
        entry["job_title"] = job_title
    entry.update(fields)
    return entry


def clerk(name: str, *, licences=("DYN365",), **fields) -> dict:
    """A person with a Dynamics 365 licence (of STANDARD_SKUS) and the job title Clerk."""
    return person(name, licences=licences, **{"job_title": "Clerk", **fields})


def sku(code: str, name: str, *, seats: int = 50, kind: str = "dataverse", **fields) -> dict:
    return {"sku": code, "name": name, "seats": seats, "kind": kind, **fields}


# A Dataverse, a Microsoft 365 and an Office SKU (ELIG-03: only the first entitles in the background).
STANDARD_SKUS = [sku("DYN365", "Dynamics 365 Sales"), sku("E3", "Office 365 E3", kind="m365"),
                 sku("APPS", "Microsoft 365 Apps", kind="office")]


def tenant_file(*, users, skus=None, groups=None, apps=None, environments=None, name: str = "Contoso",
                domain: str = DOMAIN, **tenant) -> dict:
    """A tenant file. A section left at None is left out of the file (not written as empty)."""
    data = {"tenant": {"name": name, "domain": domain, **tenant},
            "skus": copy.deepcopy(STANDARD_SKUS if skus is None else list(skus)), "users": list(users)}
    for key, value in (("groups", groups), ("apps", apps), ("environments", environments)):
        if value is not None:
            data[key] = list(value)
    return data


def changed(base: dict, **sections) -> dict:
    """A deep copy of `base` with the given top-level sections replaced."""
    data = copy.deepcopy(base)
    data.update(sections)
    return data


def set_user(data: dict, name: str, *, new=None, **fields) -> dict:
    """Update the user `name` (local part or UPN) with `fields`. When the file has no such user,
    `new(name, **fields)` is appended (pass new=user, person or clerk); without `new`, KeyError."""
    for entry in data["users"]:
        if entry["upn"] == upn(name):
            entry.update(fields)
            return data
    if new is None:
        raise KeyError(f"no user {upn(name)} in the tenant file")
    data["users"].append(new(name, **fields))
    return data


def hard_delete(data: dict, name: str) -> dict:
    """The user permanently deleted in the file: marked deleted "hard", and named in no group any more."""
    set_user(data, name, deleted="hard")
    for group in data.get("groups", []):
        group["members"] = [m for m in group["members"] if m != upn(name)]
        if "owners" in group:
            group["owners"] = [m for m in group["owners"] if m != upn(name)]
    return data


def set_env(data: dict, name: str, **fields) -> dict:
    """Update the environment `name`; add it ({"name": name, **fields}) when the file has none."""
    for entry in data.setdefault("environments", []):
        if entry["name"] == name:
            entry.update(fields)
            return data
    data["environments"].append({"name": name, **fields})
    return data
