"""The people picker: the field's resolution of names typed without JavaScript, the type-ahead
endpoint (its scopes behind the pages' own gates, 10 matches at most, the chosen left out), and
its cost at scale (a constant number of queries, the trigram index asked rather than the table read)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import HX
from tests.conftest import portal_upn
from users_app import list_search
from users_app.forms.environment_users import AddUsersForm, ManagerForm
from users_app.forms.m365 import GroupMembersAddForm, RoleHolderAddForm
from users_app.forms.pickers import PeoplePickerField
from users_app.models import DirectoryGroup, DirectoryUser, SystemUser
from users_app.selectors import pickers as selectors
from users_app.selectors.environment_users import other_users
from users_app.services import directory

DOMAIN = "contoso.onmicrosoft.com"


def make_users(count, prefix="sam", display=None):
    """`count` directory users prefix000@... named "<Prefix> Lee<i>" (or all `display`)."""
    DirectoryUser.objects.bulk_create([
        DirectoryUser(user_principal_name=f"{prefix}{i:03}@{DOMAIN}",
                      display_name=display or f"{prefix.capitalize()} Lee{i:03}", given_name=prefix.capitalize(),
                      surname=f"Lee{i:03}", mail=f"{prefix}{i:03}@contoso.com")
        for i in range(count)])
    list_search.search_index_refresh()


def people_url(**query):
    from urllib.parse import urlencode
    return reverse("pickers:people") + "?" + urlencode(query, doseq=True)


def env_people_url(env, **query):
    from urllib.parse import urlencode
    return reverse("pickers:environment_people", args=[env.environment_id]) + "?" + urlencode(query, doseq=True)


# --- The field without JavaScript: names resolved, failures named ------------------------------------


def test_a_typed_user_name_resolves_exactly_ignoring_case(portal_tenant):
    form = RoleHolderAddForm({"user": portal_upn("plain").upper()})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["user"] == DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))


def test_a_unique_display_name_resolves(portal_tenant):
    form = RoleHolderAddForm({"user": "Olivia Test"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["user"].user_principal_name == portal_upn("olivia")


def test_a_name_matching_nobody_is_a_field_error_naming_it(portal_tenant):
    form = RoleHolderAddForm({"user": "nobody@nowhere.com"})
    assert not form.is_valid()
    assert form.errors["user"] == ["No directory user 'nobody@nowhere.com'."]


def test_an_ambiguous_name_says_how_many_and_asks_for_the_user_name(portal_tenant):
    make_users(3, "sam", display="Sam")
    form = RoleHolderAddForm({"user": "Sam"})
    assert not form.is_valid()
    assert form.errors["user"] == ["'Sam' matches 3 users: type the user name."]
    partial = RoleHolderAddForm({"user": "Lee00"})  # no exact name, several partial matches
    assert not partial.is_valid() and "matches 3 users" in partial.errors["user"][0]


def test_several_names_one_per_line_and_keys_as_chips_post_them(portal_tenant):
    plain = DirectoryUser.objects.get(user_principal_name=portal_upn("plain"))
    group = DirectoryGroup.objects.get(name="Sales-Env")
    form = GroupMembersAddForm({"users": [f"{portal_upn('olivia')}\n\nGlobal Test", str(plain.pk)],
                                "groups": "sales-env"})
    assert form.is_valid(), form.errors
    assert [u.user_principal_name for u in form.cleaned_data["users"]] == [
        portal_upn("olivia"), portal_upn("global"), portal_upn("plain")]
    assert form.cleaned_data["groups"] == [group]
    both = GroupMembersAddForm({"users": "nobody\nSam"})
    assert not both.is_valid() and len(both.errors["users"]) == 2  # every failing name, each named


def test_one_only_and_nothing_chosen(portal_tenant):
    form = RoleHolderAddForm({"user": f"{portal_upn('plain')}\n{portal_upn('olivia')}"})
    assert not form.is_valid() and form.errors["user"] == ["Choose one only."]
    assert GroupMembersAddForm({"users": "", "groups": ""}).errors["__all__"] == ["Select at least one user or group to add."]


def test_environment_pickers_take_the_forms_own_users_and_keep_their_cleaned_shape(portal_tenant):
    sales = portal_tenant["sales"]
    me = SystemUser.objects.get(environment=sales, domainname=portal_upn("plain"))
    form = ManagerForm({"manager": portal_upn("sysadmin")}, users=other_users(sales, me))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["manager"] == SystemUser.objects.get(environment=sales, domainname=portal_upn("sysadmin"))
    assert ManagerForm({"manager": ""}, users=other_users(sales, me)).is_valid()
    itself = ManagerForm({"manager": portal_upn("plain")}, users=other_users(sales, me))
    assert not itself.is_valid() and itself.errors["manager"] == [f"No user '{portal_upn('plain')}' in this environment."]


def test_add_user_keeps_its_upns_and_suggests_the_addable(portal_tenant):
    sales = portal_tenant["sales"]
    form = AddUsersForm({"users": f"{portal_upn('olivia')}\n{portal_upn('plain')}"}, environment=sales)
    assert form.is_valid(), form.errors
    assert form.upns() == [portal_upn("olivia"), portal_upn("plain")]
    html = str(AddUsersForm(environment=sales)["users"])
    assert reverse("pickers:environment_people", args=[sales.environment_id]) in html and "scope=addable" in html
    assert 'role="combobox"' in html and 'hx-trigger="input changed delay:250ms"' in html and "<textarea" in html
    assert 'src="/static/js/picker.js"' in html


def test_the_widget_shows_the_chosen_as_chips_and_as_names_without_javascript(portal_tenant):
    olivia = DirectoryUser.objects.get(user_principal_name=portal_upn("olivia"))
    form = GroupMembersAddForm({"users": [str(olivia.pk), "nobody"], "groups": ""})
    assert not form.is_valid()
    html = str(form["users"])
    assert f'data-key="{olivia.pk}"' in html and "Olivia Test" in html
    assert f">{portal_upn('olivia')}\nnobody</textarea>" in html  # what a browser without JavaScript shows


def test_an_unknown_scope_is_refused():
    with pytest.raises(ValueError):
        PeoplePickerField(scope="everyone")


# --- The endpoint: scopes, gates, limits --------------------------------------------------------------


def test_directory_search_answers_at_most_ten_options_without_the_chosen(portal_tenant, sign_in):
    make_users(15)
    client = sign_in("useradmin")
    text = client.get(people_url(q="sam"), **HX).content.decode()
    assert text.count('role="option"') == selectors.LIMIT and "<html" not in text
    first = DirectoryUser.objects.order_by("display_name").filter(display_name__startswith="Sam").first()
    assert f'data-key="{first.pk}"' in text
    without = client.get(people_url(q="sam", exclude=[str(first.pk)]), **HX).content.decode()
    assert f'data-key="{first.pk}"' not in without and without.count('role="option"') == selectors.LIMIT
    assert 'class="picker-empty"' in client.get(people_url(q="zzzz"), **HX).content.decode()
    page = client.get(people_url(q="sam")).content.decode()  # no htmx: a page of matches
    assert "<html" in page and "Sam Lee000" in page


def test_groups_scope_and_kind(portal_tenant, sign_in):
    client = sign_in("useradmin")
    text = client.get(people_url(kind="group", q="sales"), **HX).content.decode()
    assert "Sales-Env" in text and portal_upn("plain") not in text
    assert client.get(people_url(scope="environment", q="x"), **HX).status_code == 400


def test_the_directory_needs_the_m365_read_right(portal_tenant, sign_in):
    assert sign_in("plain").get(people_url(q="sam"), **HX).status_code == 403
    assert sign_in("sysadmin").get(people_url(q="sam"), **HX).status_code == 403


def test_an_environment_admin_searches_only_their_environment(portal_tenant, sign_in):
    """sysadmin@ is System Administrator in Sales only: Sales' users yes, Service's no."""
    sales, service = portal_tenant["sales"], portal_tenant["service"]
    client = sign_in("sysadmin")
    found = client.get(env_people_url(sales, scope="environment", q="plain"), **HX)
    assert found.status_code == 200 and portal_upn("plain") in found.content.decode()
    refused = client.get(env_people_url(service, scope="environment", q="plain"), **HX)
    assert refused.status_code == 403 and portal_upn("plain") not in refused.content.decode()
    assert client.get(env_people_url(service, scope="addable", q="sam"), **HX).status_code == 403
    assert client.get(env_people_url(sales, scope="directory", q="sam"), **HX).status_code == 400


def test_addable_leaves_out_the_users_with_a_record(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    make_users(2, "newbie")
    client = sign_in("global")
    text = client.get(env_people_url(sales, scope="addable", q="e"), **HX).content.decode()
    assert "newbie000@" in text
    has_record = SystemUser.objects.filter(environment=sales, azureactivedirectoryobjectid__isnull=False).first()
    answer = client.get(env_people_url(sales, scope="addable", q=has_record.domainname), **HX).content.decode()
    assert 'class="picker-option"' not in answer and 'class="picker-empty"' in answer


def test_environment_scope_narrows_to_users_not_yet_holding_the_role(portal_tenant, sign_in):
    sales = portal_tenant["sales"]
    from environments_app.models import SecurityRole
    role = SecurityRole.objects.get(environment=sales, name="System Administrator")
    client = sign_in("global")
    every = client.get(env_people_url(sales, scope="environment", q="Test"), **HX).content.decode()
    narrowed = client.get(env_people_url(sales, scope="environment", q="Test", without_role=role.roleid), **HX)
    assert portal_upn("sysadmin") in every and portal_upn("sysadmin") not in narrowed.content.decode()


# --- At scale: the index, not the table --------------------------------------------------------------


def test_a_search_costs_the_same_queries_whatever_the_directory(portal_tenant, sign_in):
    client = sign_in("useradmin")
    make_users(5, "kai")
    client.get(people_url(q="kai"), **HX)
    with CaptureQueriesContext(connection) as few:
        assert client.get(people_url(q="kai"), **HX).content.decode().count('role="option"') == 5
    make_users(200, "kim")
    make_users(30, "kaia")
    with CaptureQueriesContext(connection) as many:
        assert client.get(people_url(q="kai"), **HX).content.decode().count('role="option"') == selectors.LIMIT
    assert len(many) == len(few)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_search_asks_the_trigram_index_and_reads_the_directory_by_key(portal_tenant):
    """EXPLAIN QUERY PLAN of the picker's query: the FTS5 index answers the candidates and the
    directory table is read by its primary key, never scanned."""
    make_users(50, "ana")
    queryset = selectors._search(selectors.directory_users(), "ana00")[:selectors.LIMIT]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "SCAN users_app_directoryuser" not in plan.replace('"', ""), plan
    assert "users_app_directoryuser" in plan
