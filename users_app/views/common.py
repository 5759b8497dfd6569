"""What the portal's view modules share: refusals, forms shown again, who acts, breadcrumbs."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from environments_app.models import Environment
from portal.htmx import action_response, is_fragment_request, render_page_or_partial
from users_app.permissions import directory_user_of
from users_app.provisioning.rules import RuleViolation


def refusal_message(request: HttpRequest, violation: RuleViolation) -> None:
    """A refusal names its rule, and the real service's code where it has one (ROLE-02)."""
    messages.error(request, str(violation), extra_tags=violation.rule)


def refused(request: HttpRequest, violation: RuleViolation, *, redirect_to: str, template: str, partial: str,
            context: dict) -> HttpResponse:
    """A refused action: nothing was written; over HTMX the partial again with the message (409,
    swapped by static/js/portal.js), otherwise a redirect."""
    refusal_message(request, violation)
    return action_response(request, redirect_to=redirect_to, template=template, partial=partial, context=context,
                           status=409)


def form_answer(request: HttpRequest, *, template: str, partial: str, context: dict, status: int = 200) -> HttpResponse:
    """A form shown again (invalid input or a refusal), keeping what was typed: the partial over
    HTMX, the whole page otherwise."""
    if is_fragment_request(request):
        return render_page_or_partial(request, template, partial, {**context, "oob_messages": True}, status=status)
    return render(request, template, context, status=status)


def initiated_by(request: HttpRequest) -> str:
    user = directory_user_of(request)
    return user.user_principal_name if user is not None else request.user.get_username()


def environment_crumbs(environment: Environment, *trail) -> list[tuple[str, str | None]]:
    """Environments › <env name> › <page> (› <item>)."""
    return [("Environments", reverse("environments:environment_list")),
            (environment.name, reverse("environments:environment_detail", args=[environment.environment_id])), *trail]


def field_errors(form) -> str:
    """A bound form's errors in one line, each after its field's label."""
    return " ".join(f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
                    for name, errors in form.errors.items())
