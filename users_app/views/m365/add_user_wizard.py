"""Microsoft 365 admin center > Active users > Add a user: the four-step wizard (DIR-01) of the real
admin center: Basics, Product licenses, Optional settings, Review and finish.

Each step posts to the one URL with the wizard's id and the step's name; Next validates the step
and keeps what was typed in the session (signed, one entry per wizard, dropped at Finish or
Cancel), Back keeps what was typed without validating it. Nothing is written before Finish, which
creates the user, its licences and its roles in one service call (one transaction); a refusal by
a rule (DIR-02 seats, DIR-05 roles, DIR-10 usage location) shows on the Review step. The new
password is shown once, in Finish's answer only. Without JavaScript every button is a plain POST
and the next step a redirect; over htmx the wizard's body is swapped in place."""
from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.htmx import action_response, is_fragment_request
from users_app.choices import AdminRole
from users_app.forms import m365_wizard as wizard_forms
from users_app.permissions import m365_required, m365_rights
from users_app.provisioning.rules.admin_roles import Action
from users_app.selectors import m365 as selectors
from users_app.services import directory
from users_app.views.common import act, form_answer

from .common import T, no_store, users_crumbs

TEMPLATE, PARTIAL = T + "active_user_create.html", "add-user-wizard"
# (name, label in the step list, heading of the step)
STEPS = (("basics", "Basics", "Set up the basics"),
         ("licences", "Product licenses", "Assign product licenses"),
         ("optional", "Optional settings", "Optional settings"),
         ("review", "Finish", "Review and finish"))
FORM_STEPS = ("basics", "licences", "optional")
SESSION_KEY = "m365_add_user_wizards"
SALT = "users_app.m365.add_user_wizard"
KEPT = 5  # wizards kept per session (several tabs); the oldest goes first


# --- The wizard's state in the session -----------------------------------------------------------

def _wizards(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _load(request, wizard_id: str) -> dict | None:
    signed = _wizards(request).get(wizard_id or "")
    if signed is None:
        return None
    try:
        return signing.loads(signed, salt=SALT, max_age=settings.SESSION_COOKIE_AGE)
    except signing.BadSignature:
        return None


def _save(request, wizard_id: str, state: dict) -> None:
    wizards = {key: value for key, value in _wizards(request).items() if key != wizard_id}
    wizards[wizard_id] = signing.dumps(state, salt=SALT, compress=True)
    request.session[SESSION_KEY] = dict(list(wizards.items())[-KEPT:])


def _clear(request, wizard_id: str) -> None:
    wizards = _wizards(request)
    if wizard_id in wizards:
        request.session[SESSION_KEY] = {key: value for key, value in wizards.items() if key != wizard_id}


# --- The steps' forms --------------------------------------------------------------------------

def _grantable(request) -> list[str]:
    """The admin roles this admin may grant (DIR-05: all of them, or none)."""
    return list(AdminRole.values) if m365_rights(request)[Action.ADMIN_ROLES.name.lower()] else []


def _form(request, step: str, data=None, initial=None):
    if step == "basics":
        domains = selectors.tenant_domains()
        initial = {"domain": domains[0] if domains else "", **(initial or {})}
        return wizard_forms.BasicsForm(data, initial=initial, domains=domains)
    if step == "licences":
        return wizard_forms.LicencesStepForm(data, initial=initial, licence_choices=selectors.licence_choices())
    return wizard_forms.OptionalSettingsForm(data, initial=initial, grantable=_grantable(request))


def _raw(form, post) -> dict:
    """What a step posted, for its fields only (kept in the session)."""
    return {name: post.getlist(name) for name in form.fields if name in post}


def _bound(request, state: dict, step: str):
    return _form(request, step, MultiValueDict(state.get(step) or {}))


def _shown(request, state: dict, step: str):
    """A step shown again: what was kept, as initial values (no errors before a Next)."""
    raw = state.get(step)
    if raw is None:
        return _form(request, step)
    form = _form(request, step)
    initial = {}
    for name, field in form.fields.items():
        values = raw.get(name, [])
        if isinstance(field, wizard_forms.forms.MultipleChoiceField):
            initial[name] = values
        elif isinstance(field, wizard_forms.forms.BooleanField):
            initial[name] = bool(values) and values[0] not in ("", "false", "0")
        else:
            initial[name] = values[0] if values else ""
    return _form(request, step, initial=initial)


def _first_invalid(request, state: dict) -> str | None:
    for step in FORM_STEPS:
        if step not in state.get("valid", []) or not _bound(request, state, step).is_valid():
            return step
    return None


# --- Answers -----------------------------------------------------------------------------------

def _step_url(wizard_id: str, step: str) -> str:
    return f"{reverse('m365:active_user_create')}?{urlencode({'w': wizard_id, 'step': step})}"


def _context(request, wizard_id: str, state: dict, step: str, **extra) -> dict:
    valid = set(state.get("valid", []))
    reachable, steps = True, []
    for name, label, _ in STEPS:
        steps.append({"name": name, "label": label, "current": name == step, "done": name in valid,
                      "url": _step_url(wizard_id, name) if reachable and name != step else ""})
        reachable = reachable and name in valid
    skus = {sku.sku_part_number: sku for sku in selectors.sku_list()}
    return {"title": "Add a user", "wizard_id": wizard_id, "step": step, "steps": steps,
            "heading": dict((name, heading) for name, _, heading in STEPS)[step],
            "clear_text_warning": directory.CLEAR_TEXT_WARNING, "skus": skus,
            "breadcrumbs": users_crumbs(("Active users", reverse("m365:active_user_list")), ("Add a user", None)),
            **extra}


def _render_step(request, wizard_id: str, state: dict, step: str, form=None, status: int = 200) -> HttpResponse:
    if step == "review":
        return _render_review(request, wizard_id, state, status=status)
    form = form or _shown(request, state, step)
    context = _context(request, wizard_id, state, step, form=form)
    if step == "licences":
        context["licence_rows"] = [(box, context["skus"].get(box.data["value"])) for box in form["licences"]]
    return form_answer(request, template=TEMPLATE, partial=PARTIAL, context=context, status=status)


def _review_context(request, wizard_id: str, state: dict) -> dict:
    forms = {step: _bound(request, state, step) for step in FORM_STEPS}
    for form in forms.values():
        form.is_valid()
    context = _context(request, wizard_id, state, "review", forms=forms)
    basics, licences, optional = (forms[step].cleaned_data for step in FORM_STEPS)
    context["summary"] = {
        "basics": basics, "licences": [context["skus"][part] for part in licences["licences"]
                                       if part in context["skus"]],
        "usage_location": dict(wizard_forms.usage_location_choices()).get(licences["usage_location"], ""),
        "roles": [AdminRole(role).label for role in optional["admin_roles"]],
        "profile": [(optional_field.label, optional[optional_field.name])
                    for optional_field in forms["optional"].profile_fields() if optional[optional_field.name]],
        "manual_password": basics["password_mode"] == wizard_forms.MANUAL,
    }
    return context


def _render_review(request, wizard_id: str, state: dict, status: int = 200) -> HttpResponse:
    return form_answer(request, template=TEMPLATE, partial=PARTIAL,
                       context=_review_context(request, wizard_id, state), status=status)


def _go(request, wizard_id: str, state: dict, step: str) -> HttpResponse:
    """To another step: in place over htmx (its URL pushed), a redirect (Post/Redirect/Get) otherwise."""
    url = _step_url(wizard_id, step)
    if is_fragment_request(request):
        response = _render_step(request, wizard_id, state, step)
        response["HX-Push-Url"] = url
        return response
    return action_response(request, redirect_to=url)


# --- The view ----------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@m365_required(Action.CREATE_USER)
def active_user_create(request: HttpRequest) -> HttpResponse:
    """Add a user: GET shows a step (`?w=<wizard>&step=<name>`, a new wizard without them); POST
    moves on (Next, Back), gives up (Cancel) or creates the user (Finish, on Review)."""
    if request.method == "GET":
        wizard_id, state = request.GET.get("w", ""), _load(request, request.GET.get("w", ""))
        if state is None:
            return _render_step(request, secrets.token_urlsafe(12), {}, "basics")
        step = request.GET.get("step", "basics")
        step = step if step in dict((s[0], s) for s in STEPS) else "basics"
        blocked = _first_invalid(request, state)
        if blocked is not None and [s[0] for s in STEPS].index(step) > FORM_STEPS.index(blocked):
            step = blocked
        return _render_step(request, wizard_id, state, step)
    return _post(request)


def _post(request) -> HttpResponse:
    wizard_id = request.POST.get("w", "")
    state = _load(request, wizard_id)
    step, nav = request.POST.get("step", "basics"), request.POST.get("nav", "next")
    if nav == "cancel":
        _clear(request, wizard_id)
        return action_response(request, redirect_to=reverse("m365:active_user_list"))
    if state is None and step != "basics":  # ended (finished, cancelled, expired): start again
        messages.warning(request, "This Add a user wizard has ended: start again from Basics.")
        return _render_step(request, secrets.token_urlsafe(12), {}, "basics", status=400)
    if state is None:  # a new wizard's first Next
        wizard_id, state = wizard_id or secrets.token_urlsafe(12), {}
    if step == "review":
        return _finish(request, wizard_id, state) if nav == "finish" else _go(request, wizard_id, state, "optional")
    if step not in FORM_STEPS:
        step = "basics"
    form = _form(request, step, request.POST)
    state[step] = _raw(form, request.POST)
    valid = [s for s in state.get("valid", []) if s != step]
    if nav == "back":
        state["valid"] = valid
        _save(request, wizard_id, state)
        return _go(request, wizard_id, state, FORM_STEPS[max(FORM_STEPS.index(step) - 1, 0)])
    if not form.is_valid():
        state["valid"] = valid
        _save(request, wizard_id, state)
        return _render_step(request, wizard_id, state, step, form=form, status=400)
    if step == "basics":  # the display name the server made from first and last name (no JS)
        state[step]["display_name"] = [form.cleaned_data["display_name"]]
    state["valid"] = valid + [step]
    _save(request, wizard_id, state)
    following = [s[0] for s in STEPS][[s[0] for s in STEPS].index(step) + 1]
    return _go(request, wizard_id, state, _first_invalid(request, state) or following
               if following == "review" else following)


def _finish(request, wizard_id: str, state: dict) -> HttpResponse:
    """Finish adding: every step valid, then one service call; the password is in this answer only."""
    blocked = _first_invalid(request, state)
    if blocked is not None:
        return _go(request, wizard_id, state, blocked)
    forms = [_bound(request, state, step) for step in FORM_STEPS]
    for form in forms:
        form.is_valid()
    arguments = wizard_forms.service_arguments(*forms)

    def finished(result) -> dict:
        _clear(request, wizard_id)
        user, shown = result
        return {**_context(request, wizard_id, {"valid": list(FORM_STEPS)}, "review"), "created": user,
                "password": shown or arguments["password"], "emailed_to": arguments["email_password_to"]}

    return no_store(act(
        request, lambda: directory.directory_user_create(**arguments), done=[], stay=True, keep_form=True,
        url=reverse("m365:active_user_list"), template=TEMPLATE, partial=PARTIAL, context=finished,
        refused_context=lambda: _review_context(request, wizard_id, state)))
