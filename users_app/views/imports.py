"""Data import (STUB-01, STUB-03, STUB-05): a CSV of accounts, previewed (its owners, then what the
import and the next background sync do to the environment's users) then imported with stub users;
and the bulk reassign of stub users' records (STUB-04). A refusal names its rule."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal.forms import SearchForm
from portal.htmx import action_response, render_page_or_partial
from users_app.forms.imports import CsvInputForm, DataImportConfirmForm, ReassignPickForm
from users_app.permissions import directory_user_of, environment_admin_required
from users_app.provisioning.rules import RuleViolation
from users_app.selectors import imports as selectors
from users_app.services import imports
from users_app.tables.imports import StubUserTable
from users_app.views.common import act, environment_crumbs, field_errors, refused
from users_app.views.previews import Preview

DATA_IMPORT = "users_app/imports/data_import.html"
DATA_IMPORT_PREVIEW = "users_app/imports/data_import_preview.html"
DATA_REASSIGN = "users_app/imports/data_reassign.html"


def _data_import_context(environment, form=None) -> dict:
    return {
        "environment": environment, "title": "Data import", "section": "import", "form": form or CsvInputForm(),
        "runs": selectors.import_run_list(environment=environment),
        "reassign_url": reverse("imports:data_reassign", args=[environment.environment_id]),
        "sync_history_url": reverse("structure:sync_run_list", args=[environment.environment_id]),
        "breadcrumbs": environment_crumbs(environment, ("Data import", None)),
    }


def _preview_context(environment, preview, text: str, *, result=None) -> dict:
    import_url = reverse("imports:data_import", args=[environment.environment_id])
    return {
        "environment": environment, "title": "Preview the import", "preview": preview, "result": result,
        "confirm_form": DataImportConfirmForm(initial={"csv_text": text}), "import_url": import_url,
        "breadcrumbs": environment_crumbs(environment, ("Data import", import_url), ("Preview", None)),
    }


# What the import and the sync after it do (the impact preview's sentence).
IMPORT_EFFECT = ("The import makes the owners' records now (STUB-01, STUB-05); the next background sync then applies the "
                 "rules to {name}'s users, and may match a stub user whose user name is a directory user's (STUB-05).")


@require_http_methods(["GET", "POST"])
@environment_admin_required(preview=True)
def data_import(request: HttpRequest, environment) -> HttpResponse:
    """GET: upload a CSV of accounts (`name,owner`). POST: the impact preview of the previewed CSV
    (what the import and the next sync do); with confirm=1 the import
    (imports.records_import: STUB-01, STUB-03, STUB-05)."""
    import_url = reverse("imports:data_import", args=[environment.environment_id])
    if request.method == "GET":
        return render_page_or_partial(request, DATA_IMPORT, "data-import", _data_import_context(environment))
    form = DataImportConfirmForm(request.POST)
    if not form.is_valid():  # over the limit (the same as the preview's), a NUL character, or no text at all
        messages.error(request, "Nothing to import: upload the CSV again." if form.has_error("csv_text", "required")
                       else field_errors(form))
        return action_response(request, redirect_to=import_url, template=DATA_IMPORT, partial="data-import",
                               context=_data_import_context(environment))
    text = form.cleaned_data["csv_text"]
    directory_user = directory_user_of(request)
    return act(request, lambda: imports.records_import(  # one bad row refuses the whole file; nothing is written
                   environment=environment, rows=imports.parse_accounts_csv(text),
                   initiated_by=directory_user.login_name if directory_user else ""),
               done=lambda result: f"Imported {result.imported} account(s): {len(result.pre_provisioned)} owner(s) "
                                   f"pre-provisioned (STUB-05), {len(result.stub_users)} stub user(s) created (STUB-01).",
               url=import_url, refused_status=200, template=DATA_IMPORT_PREVIEW, partial="import-preview",
               refused_at=(DATA_IMPORT, "data-import"),  # the text kept in the box, to be fixed
               refused_context=lambda: _data_import_context(environment, CsvInputForm(initial={"csv_text": text})),
               context=lambda result: _preview_context(environment, None, text, result=result),
               preview=Preview(title=f"Import the accounts into {environment.name}?", cancel=import_url,
                               button="Import", icon="document_arrow_up", text=IMPORT_EFFECT.format(name=environment.name),
                               target="#import-preview", swap="outerHTML", environments=[environment]))


@require_POST
@environment_admin_required(preview=True)  # a read: a Global reader sees it too
def data_import_preview(request: HttpRequest, environment) -> HttpResponse:
    """The rows of the uploaded CSV and, per owner, what the import will do; writes nothing.
    One bad row refuses the whole file, naming the row."""
    import_url = reverse("imports:data_import", args=[environment.environment_id])
    form = CsvInputForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, field_errors(form))
        return action_response(request, redirect_to=import_url, template=DATA_IMPORT, partial="data-import",
                               context=_data_import_context(environment, form))
    text = form.cleaned_data["text"]
    try:
        preview = imports.records_import_preview(environment=environment, rows=imports.parse_accounts_csv(text))
    except RuleViolation as violation:  # a read, not a write: the preview is the page itself
        return refused(request, violation, redirect_to=import_url, template=DATA_IMPORT, partial="data-import",
                       context=_data_import_context(environment, form), status=200)
    return render_page_or_partial(request, DATA_IMPORT_PREVIEW, "import-preview", _preview_context(environment, preview, text))


def _reassign_context(request, environment, *, csv_form=None, pick_form=None) -> dict:
    import_url = reverse("imports:data_import", args=[environment.environment_id])
    filters = request.GET if request.method == "GET" else {}
    table = StubUserTable(selectors.stub_user_list(environment=environment, filters=filters),
                          environment=environment).configure(request)
    return {
        "environment": environment, "title": "Reassign records of stub users", "section": "import", "table": table,
        "search_form": SearchForm(filters or None, placeholder="User name", auto_id="stub-%s"),
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
    reassign_url = reverse("imports:data_reassign", args=[environment.environment_id])
    csv_form = pick_form = None
    pairs = []
    if request.POST.get("mode") == "pick":
        pick_form = ReassignPickForm(request.POST, environment=environment)
        valid = pick_form.is_valid()
        if valid:
            pairs.append((pick_form.cleaned_data["source"].domainname, pick_form.cleaned_data["target"].domainname))
        errors = field_errors(pick_form)
    else:
        csv_form = CsvInputForm(request.POST, request.FILES)
        valid = csv_form.is_valid()
        errors = field_errors(csv_form)
    if not valid:
        messages.error(request, errors)
        return action_response(request, redirect_to=reassign_url, template=DATA_REASSIGN, partial="reassign-panel",
                               context=_reassign_context(request, environment, csv_form=csv_form, pick_form=pick_form))

    def reassign():  # one unknown user name refuses every line; nothing moves
        if csv_form is not None:
            pairs[:] = imports.parse_reassign_csv(csv_form.cleaned_data["text"])
        return imports.records_reassign_bulk(environment=environment, pairs=pairs)

    return act(request, reassign,
               done=lambda moved: f"Reassigned {moved} record(s) for {len(pairs)} user pair(s) (STUB-04).",
               url=reassign_url, refused_status=200, template=DATA_REASSIGN, partial="reassign-panel",
               refused_context=lambda: _reassign_context(request, environment, csv_form=csv_form, pick_form=pick_form),
               context=lambda _: _reassign_context(request, environment))
