"""Service information: read-only, for every signed-in directory user."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from portal.htmx import render_page_or_partial
from users_app.permissions import directory_user_of, directory_user_required
from users_app.selectors import m365 as selectors

from .common import T, crumbs


@require_GET
@directory_user_required
def service_information(request: HttpRequest) -> HttpResponse:
    """The tenant, the user's account, the environments count."""
    context = selectors.service_information(user=directory_user_of(request))
    context.update(title="Service information", breadcrumbs=crumbs(("Service information", None)))
    return render_page_or_partial(request, T + "service_information.html", "service-information", context)
