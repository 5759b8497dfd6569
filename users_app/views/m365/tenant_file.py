"""Load a tenant file (Microsoft 365 admin center): a Global administrator uploads a tenant file (cli.md,
"Tenant file"), sees what loading it and the next background sync would do in every environment, and
loads it; a Global reader sees the same preview without Load. The file is checked and loaded by the
code `manage.py load_tenant` runs (users_app.services.tenant_upload), with the same refusals."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portal.htmx import render_page_or_partial
from users_app.forms.tenant_file import TenantFileForm
from users_app.permissions import admin_roles_of, m365_required
from users_app.provisioning.rules import admin_roles
from users_app.provisioning.rules.admin_roles import Action
from users_app.services import tenant_upload
from users_app.views.common import act, form_answer
from users_app.views.previews import Preview

from .common import T, crumbs

PAGE = (T + "tenant_file.html", "tenant-file")


def _context(request, form=None) -> dict:
    roles = admin_roles_of(request)
    return {"title": "Load a tenant file", "form": form or TenantFileForm(),
            "may_load": admin_roles.may(roles, Action.LOAD_TENANT_FILE),
            "may_preview": admin_roles.may(roles, Action.LOAD_TENANT_FILE) or admin_roles.GLOBAL_READER in roles,
            "breadcrumbs": crumbs(("Service information", reverse("m365:service_information")),
                                  ("Load a tenant file", None))}


def _summary_text(summary: dict) -> str:
    parts = []
    for kind, counts in summary.items():
        shown = ", ".join(f"{n} {what}" for what, n in counts.items() if n and what != "unchanged")
        if shown:
            parts.append(f"{kind}: {shown}")
    return "; ".join(parts) or "nothing to change"


@require_http_methods(["GET", "POST"])
@m365_required(write=Action.LOAD_TENANT_FILE, preview=True)
def tenant_file_load(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: the preview of the file (or the rule that refuses it); with
    confirm=1 the load, one transaction (a refused file writes nothing)."""
    if request.method == "GET":
        return render_page_or_partial(request, *PAGE, _context(request))
    form = TenantFileForm(request.POST, request.FILES)
    page = reverse("m365:tenant_file_load")
    if not form.is_valid():
        return form_answer(request, template=PAGE[0], partial=PAGE[1], context=_context(request, form), status=400)
    text, name = form.cleaned_data["text"], form.cleaned_data["name"]
    if form.cleaned_data.get("file") is not None:  # Confirm posts the posted fields again: the file's text joins them
        request.POST = request.POST.copy()
        request.POST.setlist("tenant_text", [text])
        request.POST.setlist("tenant_name", [name])
    preview = Preview(
        title=f"Load {name}?", cancel=page, button="Load", icon="document_arrow_up",
        text=(f"The directory and the environments are made to match {name}; then the background sync applies "
              f"the rules in every environment. Objects the file does not name are left as they are."),
        target="#tenant-file", swap="outerHTML")
    return act(request, lambda: tenant_upload.tenant_file_load(text=text, name=name), preview=preview,
               done=lambda summary: (f"Loaded {name}: {_summary_text(summary)}. The background sync applies it in "
                                     f"every environment at its next run."), url=page,
               template=PAGE[0], partial=PAGE[1], context=lambda _: _context(request), keep_form=True,
               refused_context=lambda: _context(request))
