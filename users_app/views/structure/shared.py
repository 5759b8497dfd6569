"""What the structure screens share: a page of a member list, and the URL of a structure page."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse

from environments_app.models import Environment

MEMBERS_PER_PAGE = 50


def page_of(request: HttpRequest, rows, per_page: int = MEMBERS_PER_PAGE):
    """One page of a member list (`?page=`), so that big teams and roles stay fast."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def structure_url(name: str, environment: Environment, *args) -> str:
    return reverse(f"structure:{name}", args=[environment.environment_id, *args])
