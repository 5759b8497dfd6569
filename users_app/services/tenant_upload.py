"""Load tenant file in the portal (Microsoft 365 admin center): a tenant file (cli.md, "Tenant file")
uploaded by a Global administrator and loaded by the code `manage.py load_tenant` runs
(users_app.tenant_file.load_tenant), with the same refusals: `tenant-file` for a malformed file,
`not-found`, DIR-02, DIR-06, DIR-10, ENV-06 ... Recorded in the audit log as one action."""
from __future__ import annotations

import json
import sys

from django.db import DataError, IntegrityError

from users_app.list_search import search_index_refresh
from users_app.provisioning.rules import InvalidInput
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import audit
from users_app.services.directory.rights import require_right
from users_app.tenant_file import TENANT_FILE, load_tenant


def tenant_file_data(text: str, *, name: str) -> dict:
    """The file's JSON, or the refusal `manage.py load_tenant` gives the same file (tenant-file)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(TENANT_FILE, f"{name}: invalid JSON ({exc}).") from None
    except RecursionError:
        raise InvalidInput(TENANT_FILE, f"{name}: invalid JSON (nested too deeply to read).") from None
    except ValueError:  # a number of more than sys.get_int_max_str_digits() digits
        raise InvalidInput(TENANT_FILE, f"{name}: invalid JSON (a number of more than "
                                        f"{sys.get_int_max_str_digits()} digits).") from None


def _summary(result: dict, kwargs) -> list[tuple]:
    """What the load did, per kind of object, as the audit log's changes."""
    return [(f"{kind} {what}", 0, n) for kind, counts in result.items() for what, n in counts.items()
            if n and what != "unchanged"]


@audit.audited("Load tenant file", target=lambda kwargs: kwargs["name"], summary=_summary)
def _load(*, text: str, name: str) -> dict:
    require_right(Action.LOAD_TENANT_FILE)
    data = tenant_file_data(text, name=name)
    try:
        return load_tenant(data)
    except IntegrityError as exc:
        raise InvalidInput(TENANT_FILE, f"the file conflicts with the database ({' '.join(str(exc).split())}).") from None
    except DataError as exc:  # a value the checks let through but the database refuses; nothing is written
        raise InvalidInput(TENANT_FILE, f"the database refuses a value of the file ({' '.join(str(exc).split())}).") from None


def tenant_file_load(*, text: str, name: str) -> dict:
    """Load the tenant file's `text` (`name`: the file's name, for the messages); answers the counts
    per kind of object, as `load_tenant --format json` prints them. One transaction: a refusal
    writes nothing. The lists' search index is brought up to date after a real load."""
    summary = _load(text=text, name=name)
    if not audit.rehearsing_now():
        search_index_refresh()
    return summary
