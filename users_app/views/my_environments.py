"""My environments (SYNC-02): every online environment with Dataverse and the signed-in user's
record there; Open applies the rules to that user at once, naming each refusing rule."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from environments_app.choices import EnvironmentType
from portal.forms import SearchSelectForm
from portal.htmx import is_fragment_request, render_page_or_partial
from users_app.permissions import directory_user_of, directory_user_required
from users_app.provisioning.sync import user_sign_in
from users_app.selectors import my_environments as selectors
from users_app.tables.my_environments import MyEnvironmentTable
from users_app.views.common import act

MY_ENVIRONMENT_LIST = "users_app/my_environments/my_environment_list.html"


OUTCOME_TEXT = {
    "added": "You were added to {env}.",
    "enabled": "Your record in {env} was enabled again.",
    "updated": "Your record in {env} was brought up to date.",
    "unchanged": "Your record in {env} is up to date: nothing changed.",
}


def _refusals(result) -> list[dict]:
    """Each refusing rule with its reason and fix, as the engine reported it."""
    if result is None or result.decision is None:
        return []
    checks = list(result.decision.checks) + list(result.decision.extra)
    found = [{"rule": c.rule, "reason": c.reason, "fix": c.fix} for c in checks if c.failed and c.rule in result.refused_by]
    reported = {item["rule"] for item in found}
    return found + [{"rule": rule, "reason": result.decision.reason, "fix": ""} for rule in result.refused_by
                    if rule not in reported]


def _my_environments_context(request, *, opened=None, result=None) -> dict:
    directory_user = directory_user_of(request)
    filters = request.GET if request.method == "GET" else {}
    table = MyEnvironmentTable(selectors.my_environment_list(directory_user=directory_user, filters=filters)).configure(request)
    table.refusals = selectors.open_refusals(directory_user=directory_user, environments=[row.record for row in table.page.object_list])
    record = selectors.my_record_get(directory_user=directory_user, environment=opened) if opened is not None else None
    return {
        "title": "My environments", "table": table, "search_form": SearchSelectForm(filters or None, placeholder="Environment name", name="type", select_label="Type",
                                        empty_label="All types", choices=EnvironmentType.choices),
        "opened": opened, "result": result, "record": record, "refusals": _refusals(result),
        "team_roles": selectors.team_roles_of(record) if record is not None else [],
        "breadcrumbs": [("My environments", None)],
    }


@require_GET
@directory_user_required
def my_environment_list(request: HttpRequest) -> HttpResponse:
    """Every online environment with Dataverse and the signed-in user's record there."""
    opened = selectors.my_environment_find(environment_id=request.GET.get("opened", ""))
    return render_page_or_partial(request, MY_ENVIRONMENT_LIST, "my-environment-table",
                                  _my_environments_context(request, opened=opened))


@require_POST
@directory_user_required
def my_environment_open(request: HttpRequest, environment_id) -> HttpResponse:
    """Open: the first-access path (SYNC-02) applies the rules to the signed-in user at once."""
    environment = selectors.my_environment_get(environment_id=environment_id)
    directory_user = directory_user_of(request)

    def told(result) -> list:
        """One message, never repeated: over HTMX the card beside the list says it all (no toast);
        after a plain POST the redirected page cannot show the card's result, so one toast does."""
        if is_fragment_request(request):
            return []
        if not result.refused_by:
            text = OUTCOME_TEXT.get(result.outcome, "{env}: " + result.outcome + ".").format(env=environment.name)
            roles = [role.name for role in result.systemuser.roles.all()] if result.systemuser is not None else []
            return [f"{text} Security roles: {', '.join(roles) if roles else 'none yet (ROLE-01)'}."]
        verb = "Your record in {env} was disabled" if result.outcome == "disabled" else "You can't open {env}"
        reasons = " ".join(f"{item['rule']}: {item['reason']}" for item in _refusals(result))
        return [(messages.ERROR, verb.format(env=environment.name) + ": refused by " + ", ".join(result.refused_by)
                 + ". " + reasons)]

    return act(request, lambda: user_sign_in(environment=environment, directory_user=directory_user), done=told,
               url=f"{reverse('my_environments:my_environment_list')}?opened={environment.environment_id}",
               refused_url=reverse("my_environments:my_environment_list"), refused_status=200,
               template=MY_ENVIRONMENT_LIST, partial="my-environments",
               refused_context=lambda: _my_environments_context(request, opened=environment),
               context=lambda result: _my_environments_context(request, opened=environment, result=result))
