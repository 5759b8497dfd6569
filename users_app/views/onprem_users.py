"""On-premises records (ONPREM-02): the Active Directory users read once at creation, and their
edit form; after creation nothing synchronises, the admin edits a record by hand."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portal.forms import SearchForm
from portal.htmx import render_page_or_partial
from users_app.forms.onprem_users import OnPremisesUserForm
from users_app.permissions import environment_admin_required
from users_app.selectors import onprem_users as selectors
from users_app.services import records
from users_app.tables.onprem_users import OnPremisesUserTable
from users_app.views.common import act, environment_crumbs, field_errors

ONPREM_USER_LIST = "users_app/onprem_users/onprem_user_list.html"
ONPREM_USER_EDIT = "users_app/onprem_users/onprem_user_edit.html"


@require_GET
@environment_admin_required
def onprem_user_list(request: HttpRequest, environment) -> HttpResponse:
    table = OnPremisesUserTable(selectors.onprem_user_list(environment=environment, filters=request.GET),
                                environment=environment).configure(request)
    context = {
        "environment": environment, "table": table, "title": "Active Directory users", "section": "onprem",
        "search_form": SearchForm(request.GET, placeholder="Logon name, name, e-mail or city"),
        "breadcrumbs": environment_crumbs(environment, ("Active Directory users", None)),
    }
    return render_page_or_partial(request, ONPREM_USER_LIST, "onprem-user-table", context)


def _onprem_edit_context(environment, record, form=None) -> dict:
    list_url = reverse("onprem_users:onprem_user_list", args=[environment.environment_id])
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
    edit_url = reverse("onprem_users:onprem_user_edit", args=[environment.environment_id, systemuserid])
    form = OnPremisesUserForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Check the form: {field_errors(form)}")
        return render_page_or_partial(request, ONPREM_USER_EDIT, "onprem-user-form",
                                      {**_onprem_edit_context(environment, record, form), "oob_messages": True})

    def done(changed):
        if not changed:
            return messages.INFO, "Nothing to save: no field changed."
        labels = [str(form.fields[name].label) for name in changed if name in form.fields]
        return f"Saved {record.domainname}: {', '.join(labels)} (ONPREM-02: edited by hand)."

    return act(request, lambda: records.on_premises_user_update(systemuser=record, **form.cleaned_data), done=done,
               url=edit_url, template=ONPREM_USER_EDIT, partial="onprem-user-form", refused_status=200,
               refused_context=lambda: _onprem_edit_context(environment, record, form),
               context=lambda _: _onprem_edit_context(
                   environment, selectors.onprem_user_get(environment=environment, systemuserid=systemuserid)))
