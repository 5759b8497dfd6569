"""What the portal's view modules share: the one way a view runs a service write and answers it
(`act`, and `form_action` for a page's form: a create or delete side panel, a create or reset
page), forms shown again, who acts, breadcrumbs."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from environments_app.models import Environment
from portal.htmx import action_response, is_fragment_request, render_page_or_partial
from users_app.permissions import can_confirm, directory_user_of, forbidden
from users_app.provisioning.rules import RuleViolation
from users_app.views import previews


def refusal_message(request: HttpRequest, violation: RuleViolation) -> None:
    """A refusal names its rule, and the real service's code where it has one (ROLE-02)."""
    messages.error(request, str(violation), extra_tags=violation.rule)


def refused(request: HttpRequest, violation: RuleViolation, *, redirect_to: str, template: str | None = None,
            partial: str | None = None, context: dict | None = None, status: int = 409) -> HttpResponse:
    """A refused action: nothing was written; over HTMX the partial again with the message (409,
    swapped by static/js/portal.js; without a template, HX-Redirect), otherwise a redirect."""
    refusal_message(request, violation)
    return action_response(request, redirect_to=redirect_to, template=template, partial=partial, context=context,
                           status=status)


def form_answer(request: HttpRequest, *, template: str, partial: str, context: dict, status: int = 200) -> HttpResponse:
    """A form shown again (invalid input or a refusal), keeping what was typed: the partial over
    HTMX, the whole page otherwise."""
    return render_page_or_partial(request, template, partial, {**context, "oob_messages": is_fragment_request(request)},
                                  status=status)


def act(request: HttpRequest, change: Callable[[], object], *, done, url, template: str | None = None,
        partial: str | None = None, context: Callable[[object], dict] | None = None,
        refused_context: Callable[[], dict] | None = None, refused_url: str | None = None,
        refused_at: tuple[str, str] | None = None, question: tuple[str, Callable[[], dict]] | None = None, form=None,
        invalid_context: Callable[[], dict] | None = None,
        keep_form: bool = False, refused_status: int = 409, stay: bool = False, leave=False,
        preview: previews.Preview | None = None) -> HttpResponse:
    """Run one service write and answer it, the same way on every screen. `change()` runs the write.

    Invalid `form`: nothing runs; the form again (400) with `invalid_context()`.

    Refused by a rule: nothing was written; the message names the rule. Over HTMX the fragment with
    `refused_context()` (else `context(None)`) at `refused_status`; otherwise a redirect to
    `refused_url` (else `url`); with no context at all, HX-Redirect or a redirect. `refused_at` is
    (template, partial) when the refusal shows another fragment than the done one. `keep_form`:
    the page again in both cases, keeping what was typed. `question` is (rule, context) for a rule
    that asks first rather than forbids: its refusal is a warning and the form again (400).

    Done: the message `done` (a text, or `done(result)`; a `(level, text[, tags])` tuple for another
    level, a list of them for several), then over HTMX the fragment with `context(result)`, built
    after the write, and otherwise a redirect to `url` (a text or `url(result)`). `stay`: the page
    itself (a secret shown once). `leave` (or `leave(result)` true): HX-Redirect or a redirect only,
    the page is gone.

    `preview` (users_app/views/previews.Preview): a POST without confirm=1 rehearses the change and
    shows its impact in the side panel instead (refused: as above); Confirm re-posts with confirm=1.
    """
    if form is not None and not form.is_valid():
        return form_answer(request, template=template, partial=partial, context=invalid_context(), status=400)
    if not can_confirm(request) and not previews.wanted(request, preview):
        return forbidden(request, previews.READ_ONLY)
    try:
        if previews.wanted(request, preview):
            return previews.answer(request, preview, change)
        result = change()
    except RuleViolation as violation:
        if question and violation.rule == question[0]:
            messages.warning(request, str(violation))
            return form_answer(request, template=template, partial=partial, context=question[1](), status=400)
        answer = refused_context() if refused_context else (context(None) if context else None)
        template, partial = refused_at or (template, partial)
        if keep_form:
            refusal_message(request, violation)
            return form_answer(request, template=template, partial=partial, context=answer, status=refused_status)
        return refused(request, violation, redirect_to=refused_url or url, partial=partial, context=answer,
                       template=template if answer else None, status=refused_status)
    return previews.confirmed(request, preview, _done(request, result, done=done, url=url, template=template,
                                                     partial=partial, context=context, stay=stay, leave=leave))


def _done(request, result, *, done, url, template, partial, context, stay, leave) -> HttpResponse:
    _tell(request, done(result) if callable(done) else done)
    if stay:
        return form_answer(request, template=template, partial=partial, context=context(result))
    redirect_to = url if isinstance(url, str) else url(result)
    if leave(result) if callable(leave) else leave:
        return action_response(request, redirect_to=redirect_to)
    return action_response(request, redirect_to=redirect_to, template=template, partial=partial,
                           context=context(result) if context else None)


def _tell(request: HttpRequest, told) -> None:
    for item in told if isinstance(told, list) else [told]:
        level, text, *tags = item if isinstance(item, tuple) else (messages.SUCCESS, item)
        messages.add_message(request, level, text, extra_tags=tags[0] if tags else "")


def form_action(request: HttpRequest, *, template: str, partial: str, make_form: Callable, panel_context: Callable,
                change: Callable, shown: Callable | None = None, **answer) -> HttpResponse:
    """A page's form (a create or delete side panel, a create or reset page): GET shows it with
    `make_form()`; POST validates `make_form(request.POST)` and runs `change(form)` through `act`,
    the form shown again with `panel_context(form)` when it is invalid or (by default) refused.
    With `stay`, done shows the form's page with `shown(result, form)` added (a secret shown once)."""
    if request.method == "GET":
        return render_page_or_partial(request, template, partial, panel_context(make_form()))
    form = make_form(request.POST)
    answer.setdefault("refused_context", lambda: panel_context(form))
    if shown is not None:
        answer["context"] = lambda result: {**panel_context(form), **shown(result, form)}
    return act(request, lambda: change(form), template=template, partial=partial, form=form,
               invalid_context=lambda: panel_context(form), **answer)


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
