"""HTMX conventions of the portal, in one place.

- A page template carries its fragments as named partials ({% partialdef name inline %});
  an HTMX request gets `<template>#<partial>`, a normal request the whole page.
- A POST action answers in place over HTMX (the re-rendered partial, plus the messages
  region out of band) and redirects otherwise (Post/Redirect/Get).
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


def is_fragment_request(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def render_page_or_partial(request: HttpRequest, template: str, partial: str, context: dict, *, status: int = 200) -> HttpResponse:
    name = f"{template}#{partial}" if is_fragment_request(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def action_response(request: HttpRequest, *, redirect_to: str, template: str | None = None, partial: str | None = None,
                    context: dict | None = None, status: int = 200) -> HttpResponse:
    """After a POST action: over HTMX, the partial that shows the result (messages come out of
    band with it, see portal/_messages.html); otherwise a redirect to `redirect_to`."""
    if is_fragment_request(request):
        if template is None:
            return HttpResponseClientRedirect(redirect_to)
        context = {**(context or {}), "oob_messages": True}
        return render_page_or_partial(request, template, partial, context, status=status)
    return redirect(redirect_to)

