"""Area C screens: application users (APP), data import with stub users and bulk reassign
(STUB), on-premises records edited by hand (ONPREM-02) and My environments (SYNC-02).

Views parse the request, call one selector or service and render; every rule lives in
users_app/services and users_app/provisioning. A refusal names its rule (portal.htmx.refuse)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.htmx import action_response, render_page_or_partial, refuse
from users_app.selectors import apps as selectors
from users_app.filters.apps import AppUserFilterSet, MyEnvironmentFilterSet, OnPremisesUserFilterSet, StubUserFilterSet
from users_app.forms.apps import (
    AppUserCreateForm,
    AppUserEditForm,
    AppUserStatusForm,
    CsvInputForm,
    DataImportConfirmForm,
    DeleteConfirmForm,
    OnPremisesUserForm,
    ReassignPickForm,
)
from users_app.permissions import directory_user_of, directory_user_required, environment_admin_required
from users_app.provisioning.rules import APP_USER_DISABLE_WARNING, RuleViolation
from users_app.provisioning.sync import user_sign_in
from users_app.services import imports, records
from users_app.tables.apps import AppUserTable, MyEnvironmentTable, OnPremisesUserTable, StubUserTable
from users_app.views.common import environment_crumbs

APP_USER_LIST = "users_app/apps/app_user_list.html"
APP_USER_CREATE = "users_app/apps/app_user_create.html"
APP_USER_DETAIL = "users_app/apps/app_user_detail.html"
DATA_IMPORT = "users_app/apps/data_import.html"
DATA_IMPORT_PREVIEW = "users_app/apps/data_import_preview.html"
DATA_REASSIGN = "users_app/apps/data_reassign.html"
ONPREM_USER_LIST = "users_app/apps/onprem_user_list.html"
ONPREM_USER_EDIT = "users_app/apps/onprem_user_edit.html"
MY_ENVIRONMENT_LIST = "users_app/apps/my_environment_list.html"


# --- Helpers: links and breadcrumbs ---------------------------------------------------------------


def _field_errors(form) -> str:
    return " ".join(f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
                    for name, errors in form.errors.items())


# --- Application users (APP-01..05) -------------------------------------------------------------------


@require_GET
@environment_admin_required
def app_user_list(request: HttpRequest, environment) -> HttpResponse:
    table = AppUserTable(selectors.app_user_list(environment=environment, filters=request.GET),
                         environment=environment).configure(request)
    context = {
        "environment": environment, "table": table, "title": "Application users", "section": "app-users",
        "filter_form": AppUserFilterSet(request.GET).form,
        "breadcrumbs": environment_crumbs(environment, ("Application users", None)),
        "users_url": reverse("users:environment_user_list", args=[environment.environment_id]),
    }
    return render_page_or_partial(request, APP_USER_LIST, "app-user-table", context)


def _app_user_create_context(environment, form) -> dict:
    list_url = reverse("apps:app_user_list", args=[environment.environment_id])
    return {"environment": environment, "form": form, "title": "Create a new app user",
            "breadcrumbs": environment_crumbs(environment, ("Application users", list_url), ("New app user", None))}


@require_http_methods(["GET", "POST"])
@environment_admin_required
def app_user_create(request: HttpRequest, environment) -> HttpResponse:
    """+ New app user: an app registration, a business unit, an e-mail and security roles (APP-01, APP-02)."""
    form = AppUserCreateForm(request.POST or None, environment=environment)
    create_url = reverse("apps:app_user_create", args=[environment.environment_id])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            app_user = records.app_user_create(environment=environment, app=data["app"], business_unit=data["business_unit"],
                                               roles=list(data["roles"]), email=data["email"])
        except RuleViolation as violation:  # APP-05: one application user per app registration
            return refuse(request, violation, redirect_to=create_url, template=APP_USER_CREATE, partial="app-user-form",
                          context=_app_user_create_context(environment, form))
        messages.success(request, f"Application user {app_user.fullname} created, active, with "
                                  f"{len(data['roles'])} security role(s) (APP-01).")
        return action_response(request, redirect_to=reverse("apps:app_user_detail",
                                                            args=[environment.environment_id, app_user.systemuserid]))
    return render_page_or_partial(request, APP_USER_CREATE, "app-user-form", _app_user_create_context(environment, form))


def _app_user_context(environment, systemuserid, *, confirm: str = "", edit_form=None) -> dict:
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    list_url = reverse("apps:app_user_list", args=[environment.environment_id])
    return {
        "environment": environment, "app_user": app_user, "title": app_user.fullname,
        "edit_form": edit_form or AppUserEditForm(initial=AppUserEditForm.initial_for(app_user), environment=environment),
        "status_form": AppUserStatusForm(), "delete_form": DeleteConfirmForm(),
        "confirm": confirm if confirm in ("deactivate", "delete") else "",
        "disable_warning": APP_USER_DISABLE_WARNING,
        "detail_url": reverse("apps:app_user_detail", args=[environment.environment_id, app_user.systemuserid]),
        "breadcrumbs": environment_crumbs(environment, ("Application users", list_url), (app_user.fullname, None)),
    }


@require_GET
@environment_admin_required
def app_user_detail(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Details (AP): Name, Microsoft Entra application ID, State, Assigned security roles, App type,
    Business unit, Email address; edit business unit, e-mail and roles only (APP-05)."""
    context = _app_user_context(environment, systemuserid, confirm=request.GET.get("confirm", ""))
    return render_page_or_partial(request, APP_USER_DETAIL, "app-user-panel", context)


def _detail_url(environment, systemuserid, confirm: str = "") -> str:
    url = reverse("apps:app_user_detail", args=[environment.environment_id, systemuserid])
    return f"{url}?confirm={confirm}" if confirm else url


@require_POST
@environment_admin_required
def app_user_update(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """APP-05: business unit, e-mail address and security roles, saved together (ROLE-02, ROLE-06 apply)."""
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    form = AppUserEditForm(request.POST, environment=environment)
    if not form.is_valid():
        messages.error(request, f"Check the form: {_field_errors(form)}")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                               partial="app-user-panel", context=_app_user_context(environment, systemuserid, edit_form=form))
    data = form.cleaned_data
    try:
        changed = records.app_user_edit(systemuser=app_user, email=data["email"], business_unit=data["business_unit"],
                                        roles=data["roles"])
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                      partial="app-user-panel", context=_app_user_context(environment, systemuserid, edit_form=form))
    if changed:
        messages.success(request, f"Saved: {', '.join(changed)}.")
    else:
        messages.info(request, "Nothing to save: no field changed.")
    return action_response(request, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                           partial="app-user-panel", context=_app_user_context(environment, systemuserid))


@require_POST
@environment_admin_required
def app_user_status(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Activate / Deactivate (APP-03): locked unless the environment allows status edits;
    deactivating asks for confirmation first (every integration using it breaks)."""
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    form = AppUserStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Activate or Deactivate.")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                               partial="app-user-panel", context=_app_user_context(environment, systemuserid))
    activate = form.cleaned_data["action"] == "activate"
    if not activate and not form.cleaned_data["confirm"]:
        messages.warning(request, f"Confirm to deactivate: {APP_USER_DISABLE_WARNING}")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid, "deactivate"),
                               template=APP_USER_DETAIL, partial="app-user-panel",
                               context=_app_user_context(environment, systemuserid, confirm="deactivate"))
    try:
        records.app_user_set_status(systemuser=app_user, enabled=activate)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                      partial="app-user-panel", context=_app_user_context(environment, systemuserid))
    messages.success(request, f"{app_user.fullname} is {'active' if activate else 'inactive'}.")
    return action_response(request, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                           partial="app-user-panel", context=_app_user_context(environment, systemuserid))


@require_POST
@environment_admin_required
def app_user_delete(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """Delete (APP-05): only while inactive, once its records are reassigned."""
    app_user = selectors.app_user_get(environment=environment, systemuserid=systemuserid)
    form = DeleteConfirmForm(request.POST)
    if not (form.is_valid() and form.cleaned_data["confirm"]):
        messages.warning(request, "Confirm to delete the application user: this cannot be undone.")
        return action_response(request, redirect_to=_detail_url(environment, systemuserid, "delete"),
                               template=APP_USER_DETAIL, partial="app-user-panel",
                               context=_app_user_context(environment, systemuserid, confirm="delete"))
    try:
        records.app_user_delete(systemuser=app_user)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=_detail_url(environment, systemuserid), template=APP_USER_DETAIL,
                      partial="app-user-panel", context=_app_user_context(environment, systemuserid))
    messages.success(request, f"Application user {app_user.fullname} deleted.")
    return action_response(request, redirect_to=reverse("apps:app_user_list", args=[environment.environment_id]))


# --- Data import and bulk reassign (STUB-01..05) ---------------------------------------------------------


def _data_import_context(environment, form=None) -> dict:
    return {
        "environment": environment, "title": "Data import", "section": "import", "form": form or CsvInputForm(),
        "runs": selectors.import_run_list(environment=environment),
        "reassign_url": reverse("apps:data_reassign", args=[environment.environment_id]),
        "sync_history_url": reverse("structure:sync_run_list", args=[environment.environment_id]),
        "breadcrumbs": environment_crumbs(environment, ("Data import", None)),
    }


def _preview_context(environment, preview, text: str, *, result=None) -> dict:
    import_url = reverse("apps:data_import", args=[environment.environment_id])
    return {
        "environment": environment, "title": "Preview the import", "preview": preview, "result": result,
        "confirm_form": DataImportConfirmForm(initial={"csv_text": text}), "import_url": import_url,
        "breadcrumbs": environment_crumbs(environment, ("Data import", import_url), ("Preview", None)),
    }


@require_http_methods(["GET", "POST"])
@environment_admin_required
def data_import(request: HttpRequest, environment) -> HttpResponse:
    """GET: upload a CSV of accounts (`name,owner`). POST: import the previewed CSV
    (imports.records_import: STUB-01, STUB-03, STUB-05)."""
    import_url = reverse("apps:data_import", args=[environment.environment_id])
    if request.method == "GET":
        return render_page_or_partial(request, DATA_IMPORT, "data-import", _data_import_context(environment))
    form = DataImportConfirmForm(request.POST)
    if not form.is_valid():  # over the limit (the same as the preview's), a NUL character, or no text at all
        messages.error(request, "Nothing to import: upload the CSV again." if form.has_error("csv_text", "required")
                       else _field_errors(form))
        return action_response(request, redirect_to=import_url, template=DATA_IMPORT, partial="data-import",
                               context=_data_import_context(environment))
    text = form.cleaned_data["csv_text"]
    directory_user = directory_user_of(request)
    try:
        rows = imports.parse_accounts_csv(text)
        result = imports.records_import(environment=environment, rows=rows,
                                        initiated_by=directory_user.login_name if directory_user else "")
    except RuleViolation as violation:  # one bad row refuses the whole file; nothing is written
        return refuse(request, violation, redirect_to=import_url, template=DATA_IMPORT, partial="data-import",
                      context=_data_import_context(environment))
    messages.success(request, f"Imported {result.imported} account(s): {len(result.pre_provisioned)} owner(s) "
                              f"pre-provisioned (STUB-05), {len(result.stub_users)} stub user(s) created (STUB-01).")
    return action_response(request, redirect_to=import_url, template=DATA_IMPORT_PREVIEW, partial="import-preview",
                           context=_preview_context(environment, None, text, result=result))


@require_POST
@environment_admin_required
def data_import_preview(request: HttpRequest, environment) -> HttpResponse:
    """The rows of the uploaded CSV and, per owner, what the import will do; writes nothing.
    One bad row refuses the whole file, naming the row."""
    import_url = reverse("apps:data_import", args=[environment.environment_id])
    form = CsvInputForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _field_errors(form))
        return action_response(request, redirect_to=import_url, template=DATA_IMPORT, partial="data-import",
                               context=_data_import_context(environment, form))
    text = form.cleaned_data["text"]
    try:
        preview = imports.records_import_preview(environment=environment, rows=imports.parse_accounts_csv(text))
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=import_url, template=DATA_IMPORT, partial="data-import",
                      context=_data_import_context(environment, form))
    return render_page_or_partial(request, DATA_IMPORT_PREVIEW, "import-preview", _preview_context(environment, preview, text))


def _reassign_context(request, environment, *, csv_form=None, pick_form=None) -> dict:
    import_url = reverse("apps:data_import", args=[environment.environment_id])
    filters = request.GET if request.method == "GET" else {}
    table = StubUserTable(selectors.stub_user_list(environment=environment, filters=filters),
                          environment=environment).configure(request)
    return {
        "environment": environment, "title": "Reassign records of stub users", "section": "import", "table": table,
        "filter_form": StubUserFilterSet(filters).form,
        "csv_form": csv_form or CsvInputForm(), "pick_form": pick_form or ReassignPickForm(environment=environment),
        "breadcrumbs": environment_crumbs(environment, ("Data import", import_url), ("Reassign records", None)),
        "import_url": import_url,
    }


@require_http_methods(["GET", "POST"])
@environment_admin_required
def data_reassign(request: HttpRequest, environment) -> HttpResponse:
    """STUB-04: reassign the records of stub users in bulk, from `sourceUPN,targetUPN` lines
    (Add-BulkRecordsToUsers) or from a stub user and a target picked in lists."""
    if request.method == "GET":
        return render_page_or_partial(request, DATA_REASSIGN, "stub-user-table", _reassign_context(request, environment))
    reassign_url = reverse("apps:data_reassign", args=[environment.environment_id])
    csv_form = pick_form = None
    if request.POST.get("mode") == "pick":
        pick_form = ReassignPickForm(request.POST, environment=environment)
        valid = pick_form.is_valid()
        if valid:
            pairs = [(pick_form.cleaned_data["source"].domainname, pick_form.cleaned_data["target"].domainname)]
        errors = _field_errors(pick_form)
    else:
        csv_form = CsvInputForm(request.POST, request.FILES)
        valid = csv_form.is_valid()
        errors = _field_errors(csv_form)
    if not valid:
        messages.error(request, errors)
        return action_response(request, redirect_to=reassign_url, template=DATA_REASSIGN, partial="reassign-panel",
                               context=_reassign_context(request, environment, csv_form=csv_form, pick_form=pick_form))
    try:
        if csv_form is not None:
            pairs = imports.parse_reassign_csv(csv_form.cleaned_data["text"])
        moved = imports.records_reassign_bulk(environment=environment, pairs=pairs)
    except RuleViolation as violation:  # one unknown user name refuses every line; nothing moves
        return refuse(request, violation, redirect_to=reassign_url, template=DATA_REASSIGN, partial="reassign-panel",
                      context=_reassign_context(request, environment, csv_form=csv_form, pick_form=pick_form))
    messages.success(request, f"Reassigned {moved} record(s) for {len(pairs)} user pair(s) (STUB-04).")
    return action_response(request, redirect_to=reassign_url, template=DATA_REASSIGN, partial="reassign-panel",
                           context=_reassign_context(request, environment))


# --- On-premises records (ONPREM-02) --------------------------------------------------------------------


@require_GET
@environment_admin_required
def onprem_user_list(request: HttpRequest, environment) -> HttpResponse:
    table = OnPremisesUserTable(selectors.onprem_user_list(environment=environment, filters=request.GET),
                                environment=environment).configure(request)
    context = {
        "environment": environment, "table": table, "title": "Active Directory users", "section": "onprem",
        "filter_form": OnPremisesUserFilterSet(request.GET).form,
        "breadcrumbs": environment_crumbs(environment, ("Active Directory users", None)),
    }
    return render_page_or_partial(request, ONPREM_USER_LIST, "onprem-user-table", context)


def _onprem_edit_context(environment, record, form=None) -> dict:
    list_url = reverse("apps:onprem_user_list", args=[environment.environment_id])
    return {
        "environment": environment, "record": record, "title": f"Edit {record.fullname or record.domainname}",
        "form": form or OnPremisesUserForm(initial=OnPremisesUserForm.initial_for(record)),
        "list_url": list_url,
        "breadcrumbs": environment_crumbs(environment, ("Active Directory users", list_url),
                                           (record.fullname or record.domainname, None)),
    }


@require_http_methods(["GET", "POST"])
@environment_admin_required
def onprem_user_edit(request: HttpRequest, environment, systemuserid) -> HttpResponse:
    """ONPREM-02: after creation nothing synchronises; the admin edits the record by hand."""
    record = selectors.onprem_user_get(environment=environment, systemuserid=systemuserid)
    if request.method == "GET":
        return render_page_or_partial(request, ONPREM_USER_EDIT, "onprem-user-form", _onprem_edit_context(environment, record))
    edit_url = reverse("apps:onprem_user_edit", args=[environment.environment_id, systemuserid])
    form = OnPremisesUserForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Check the form: {_field_errors(form)}")
        return render_page_or_partial(request, ONPREM_USER_EDIT, "onprem-user-form",
                                      {**_onprem_edit_context(environment, record, form), "oob_messages": True})
    try:
        changed = records.on_premises_user_update(systemuser=record, **form.cleaned_data)
    except RuleViolation as violation:
        return refuse(request, violation, redirect_to=edit_url, template=ONPREM_USER_EDIT, partial="onprem-user-form",
                      context=_onprem_edit_context(environment, record, form))
    if changed:
        labels = [str(form.fields[name].label) for name in changed if name in form.fields]
        messages.success(request, f"Saved {record.domainname}: {', '.join(labels)} (ONPREM-02: edited by hand).")
    else:
        messages.info(request, "Nothing to save: no field changed.")
    record = selectors.onprem_user_get(environment=environment, systemuserid=systemuserid)
    return action_response(request, redirect_to=edit_url, template=ONPREM_USER_EDIT, partial="onprem-user-form",
                           context=_onprem_edit_context(environment, record))


# --- My environments (SYNC-02) ----------------------------------------------------------------------------

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
    record = selectors.my_record_get(directory_user=directory_user, environment=opened) if opened is not None else None
    return {
        "title": "My environments", "table": table, "filter_form": MyEnvironmentFilterSet(filters).form,
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
    try:
        result = user_sign_in(environment=environment, directory_user=directory_user)
    except RuleViolation as violation:
        list_url = reverse("apps:my_environment_list")
        return refuse(request, violation, redirect_to=list_url, template=MY_ENVIRONMENT_LIST, partial="my-environments",
                      context=_my_environments_context(request, opened=environment))
    refusals = _refusals(result)
    if result.refused_by:
        verb = "Your record in {env} was disabled" if result.outcome == "disabled" else "You can't open {env}"
        messages.error(request, verb.format(env=environment.name) + ": refused by "
                       + ", ".join(result.refused_by) + ".")
        for item in refusals:
            messages.error(request, f"{item['rule']}: {item['reason']}", extra_tags=item["rule"])
    else:
        text = OUTCOME_TEXT.get(result.outcome, "{env}: " + result.outcome + ".").format(env=environment.name)
        roles = [role.name for role in result.systemuser.roles.all()] if result.systemuser is not None else []
        messages.success(request, f"{text} Security roles: {', '.join(roles) if roles else 'none yet (ROLE-01)'}.")
    redirect_to = f"{reverse('apps:my_environment_list')}?opened={environment.environment_id}"
    return action_response(request, redirect_to=redirect_to, template=MY_ENVIRONMENT_LIST, partial="my-environments",
                           context=_my_environments_context(request, opened=environment, result=result))
