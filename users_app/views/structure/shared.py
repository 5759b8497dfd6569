"""What the structure screens share: a page of a member list, the URL of a structure page, and a
destructive action behind the one confirmation panel."""
from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from environments_app.models import Environment
from portal.htmx import render_page_or_partial
from users_app.views.common import act

MEMBERS_PER_PAGE = 50


def page_of(request: HttpRequest, rows, per_page: int = MEMBERS_PER_PAGE):
    """One page of a member list (`?page=`), so that big teams and roles stay fast."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def structure_url(name: str, environment: Environment, *args) -> str:
    return reverse(f"structure:{name}", args=[environment.environment_id, *args])


def confirm_then(request: HttpRequest, *, template: str, partial: str, context: Callable[[], dict], confirm: dict,
                 change: Callable, done, url: str, **answer) -> HttpResponse:
    """A destructive action behind the one confirmation panel (templates/portal/_confirm.html):
    GET shows the page with the panel (its `partial` over HTMX); POST runs `change` through `act`
    and answers with the page again (HX-Redirect over HTMX, a redirect otherwise), its toast saying
    what was done. Refused, the panel again with the toast naming the rule over HTMX (a redirect to
    `refused_url`, else `url`, otherwise)."""
    shown = lambda: {**context(), "confirm": {"action": request.path, **confirm}}  # noqa: E731
    if request.method == "GET":
        return render_page_or_partial(request, template, partial, shown())
    return act(request, change, done=done, url=url, leave=True, template=template, partial=partial,
               refused_context=shown, **answer)
