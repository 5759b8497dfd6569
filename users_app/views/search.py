"""The header's search box: /search/?q= lists the directory users and the environments that match,
in two sections, each capped (users_app.selectors.search). A plain GET form: works without JS."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from portal.htmx import render_page_or_partial
from users_app.permissions import admin_roles_of, directory_user_of, directory_user_required, environment_refusal
from users_app.provisioning import portal_access
from users_app.selectors.search import LIMIT, global_search

TEMPLATE = "users_app/search/search_results.html"


@require_GET
@directory_user_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    roles = admin_roles_of(request)
    may_read_users = portal_access.missing_m365_role(roles) is None
    every_environment = portal_access.missing_tenant_pp_role(roles) is None
    context = {"title": f"Search: {q}" if q else "Search", "q": q, "header_q": q, "limit": LIMIT,
               "may_read_users": may_read_users, "every_environment": every_environment,
               "breadcrumbs": [("Search", None)]}
    if q:
        results = global_search(q=q, directory_user=directory_user_of(request), every_environment=every_environment)
        # Which environment pages this user may open (a tenant PP admin: all; else System Administrator
        # or a Dynamics 365 admin in the security group: at most LIMIT checks).
        context["results"] = results
        context["environments"] = [
            (environment, every_environment or environment_refusal(request, environment, write=False) is None)
            for environment in results.environments]
    return render_page_or_partial(request, TEMPLATE, "search-results", context)
