"""Accounts: the environment's business records with their owners, assigned or shared, disabled
users included (ROLE-05)."""
from __future__ import annotations

from django.views.decorators.http import require_GET, require_POST

from portal.htmx import render_page_or_partial
from users_app.permissions import environment_admin_required
from users_app.provisioning.rules import InvalidInput
from users_app.selectors.structure import account_get, account_list as account_list_query, account_people
from users_app.services import records
from users_app.views.common import act, environment_crumbs
from users_app.views.structure.shared import page_of, structure_url

ACCOUNT_LIST = "users_app/structure/account_list.html"


def _account_context(request, environment, **extra) -> dict:
    return {"environment": environment, "title": f"Accounts · {environment.name}", "section": "accounts",
            "accounts": page_of(request, account_list_query(environment=environment)),
            "people": account_people(environment=environment),
            "breadcrumbs": environment_crumbs(environment, ("Accounts", None)), **extra}


@require_GET
@environment_admin_required
def account_list(request, environment):
    """Business records with their owners; assign them or share them, disabled users included (ROLE-05)."""
    return render_page_or_partial(request, ACCOUNT_LIST, "account-table", _account_context(request, environment))


@require_POST
@environment_admin_required
def account_update(request, environment, accountid):
    account = account_get(environment=environment, accountid=accountid)
    people = account_people(environment=environment)
    person = people.filter(pk=request.POST.get("user") or 0).first()
    share = request.POST.get("action") == "share"

    def change():
        if person is None:
            raise InvalidInput("user", "Choose a user of the environment.")
        if share:
            records.account_share(account=account, systemuser=person)
        else:
            records.account_owner_set(account=account, owner=person)

    def done(_):
        text = f"{account.name} is {'shared with' if share else 'assigned to'} {person.domainname}."
        if person.isdisabled:
            text += " The user is disabled: records can still be assigned to and shared with them (ROLE-05)."
        return text

    return act(request, change, done=done, url=structure_url("account_list", environment), template=ACCOUNT_LIST,
               partial="account-table", context=lambda _: _account_context(request, environment))
