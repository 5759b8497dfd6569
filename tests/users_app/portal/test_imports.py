"""Data import with stub users (STUB-01, STUB-03, STUB-05) and the bulk reassign (STUB-04).

Every URL's sign-in redirect, refusal and page and fragment: the battery of tests/portal/test_pages.py.
Every POST action: the HTMX answer and the plain redirect; a refused
action writes nothing and its message names the rule. The stub list keeps a fixed number of queries."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import portal_upn
from users_app.choices import UserType
from users_app.models import Account, SyncRun, SystemUser
from users_app.services import directory
from users_app.services.imports import OWNER_EXISTING, OWNER_PRE_PROVISIONED, OWNER_STUB, records_import_preview
from users_app.tables.imports import StubUserTable

from tests.builders import HX

PP_ROLE_TEXT = "System Administrator security role in this environment"


# --- Data import (STUB) ------------------------------------------------------------------------------


@pytest.fixture
def newcomer(portal_tenant):
    """A directory user holding a `dataverse` licence who has no record in Service yet."""
    user = directory.directory_user_create(user_principal_name=portal_upn("newcomer"), display_name="New Comer",
                                           usage_location="US", licences=["DYN"])
    return user[0] if isinstance(user, tuple) else user


IMPORT_CSV = ("name,owner\n"
              "Fourth Coffee,ghost@fabrikam.com\n"
              "Litware,{newcomer}\n"
              "Adventure Works,{plain}\n"
              "Contoso Pharma,{olivia}\n"
              "Blue Yonder,GHOST@fabrikam.com\n").format(newcomer=portal_upn("newcomer"), plain=portal_upn("plain"),
                                                       olivia=portal_upn("olivia"))


def test_import_preview_decides_each_owner_without_writing_stub_05(portal_tenant, newcomer):
    """STUB-01 / STUB-05: existing record kept, licensed owner pre-provisioned, everyone else a stub;
    the preview writes nothing."""
    from users_app.services.imports import parse_accounts_csv
    before = (SystemUser.objects.count(), Account.objects.count(), SyncRun.objects.count())
    preview = records_import_preview(environment=portal_tenant["service"], rows=parse_accounts_csv(IMPORT_CSV))
    outcomes = {owner.upn.lower(): owner.outcome for owner in preview.owners}
    assert outcomes == {"ghost@fabrikam.com": OWNER_STUB, portal_upn("newcomer"): OWNER_PRE_PROVISIONED,
                        portal_upn("plain"): OWNER_EXISTING, portal_upn("olivia"): OWNER_STUB}
    assert [o.accounts for o in preview.owners if o.upn.lower() == "ghost@fabrikam.com"] == [2]
    assert preview.default_role == "Basic User"  # STUB-03
    assert (SystemUser.objects.count(), Account.objects.count(), SyncRun.objects.count()) == before


def test_import_preview_page_and_fragment(sign_in, portal_tenant, newcomer):
    url = reverse("imports:data_import_preview", args=[portal_tenant["service"].environment_id])
    client = sign_in("ppadmin")
    page = client.post(url, {"file": SimpleUploadedFile("accounts.csv", IMPORT_CSV.encode())})
    text = page.content.decode()
    assert page.status_code == 200 and "<html" in text and 'id="import-preview"' in text
    assert "Create a stub user" in text and "Pre-provision the user" in text and "Use the existing record" in text
    assert 'name="csv_text"' in text and "Fourth Coffee" in text  # the CSV travels in the hidden textarea
    fragment = client.post(url, {"csv_text": IMPORT_CSV}, **HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode() and 'id="import-preview"' in fragment.content.decode()


def test_import_preview_get_is_not_allowed(sign_in, portal_tenant):
    response = sign_in("ppadmin").get(reverse("imports:data_import_preview", args=[portal_tenant["service"].environment_id]))
    assert response.status_code == 405


def test_import_creates_stub_with_default_role_and_pre_provisions_stub_01_03_05(sign_in, portal_tenant, newcomer):
    """STUB-01: the unknown owner becomes a disabled stub with no directory object; STUB-03: it
    gets Basic User (no Sales here); STUB-05: the licensed owner is pre-provisioned as a real,
    enabled user, and the owner with a record keeps it (no second record)."""
    service = portal_tenant["service"]
    url = reverse("imports:data_import", args=[service.environment_id])
    before = SystemUser.objects.filter(environment=service).count()
    response = sign_in("ppadmin").post(url, {"csv_text": IMPORT_CSV, "confirm": "1"}, **HX)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="import-preview"' in text and "Imported 5 account" in text
    stub = SystemUser.objects.get(environment=service, domainname__iexact="ghost@fabrikam.com")
    assert stub.user_type == UserType.STUB and stub.isdisabled and stub.azureactivedirectoryobjectid is None
    assert [r.name for r in stub.roles.all()] == ["Basic User"]  # STUB-03
    real = SystemUser.objects.get(environment=service, domainname=portal_upn("newcomer"))
    assert real.user_type == UserType.REGULAR and not real.isdisabled and real.azureactivedirectoryobjectid == newcomer.id
    assert "Basic User" in [r.name for r in real.roles.all()]  # STUB-03
    olivia_stub = SystemUser.objects.get(environment=service, domainname=portal_upn("olivia"))
    assert olivia_stub.user_type == UserType.STUB  # Microsoft 365 licence only: no pre-provisioning
    assert SystemUser.objects.filter(environment=service).count() == before + 3
    assert SystemUser.objects.filter(environment=service, domainname__iexact=portal_upn("plain")).count() == 1
    assert Account.objects.filter(environment=service, owner=stub).count() == 2


def test_import_plain_post_redirects_and_shows_the_run(sign_in, portal_tenant, newcomer, followed_text):
    service = portal_tenant["service"]
    url = reverse("imports:data_import", args=[service.environment_id])
    client = sign_in("ppadmin")
    response = client.post(url, {"csv_text": IMPORT_CSV, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == url
    text = followed_text(client, response)
    assert "Imported 5 account(s)" in text and "ghost@fabrikam.com" in text and "STUB-01" in text


def test_import_bad_row_refuses_the_whole_file_naming_the_row(sign_in, portal_tenant, newcomer, followed_text):
    """One bad row refuses the whole file, naming the row; nothing is written."""
    service = portal_tenant["service"]
    bad = "name,owner\nFourth Coffee,ghost@fabrikam.com\nLitware,not-a-upn\n"
    client = sign_in("ppadmin")
    before = (SystemUser.objects.count(), Account.objects.count())
    preview = client.post(reverse("imports:data_import_preview", args=[service.environment_id]), {"csv_text": bad}, **HX)
    assert preview.status_code == 200 and "row 3" in preview.content.decode() and 'id="data-import"' in preview.content.decode()
    imported = client.post(reverse("imports:data_import", args=[service.environment_id]), {"csv_text": bad})
    assert "row 3" in followed_text(client, imported)
    assert (SystemUser.objects.count(), Account.objects.count()) == before


def test_import_refused_in_on_premises_environment_onprem_01(sign_in, portal_tenant, onprem):
    """ONPREM-01: an on-premises environment takes no directory users; nothing is written."""
    before = (SystemUser.objects.count(), Account.objects.count())
    response = sign_in("ppadmin").post(reverse("imports:data_import", args=[onprem.environment_id]),
                                       {"csv_text": "name,owner\nA,ghost@fabrikam.com\n"}, **HX)
    assert "ONPREM-01" in response.content.decode()
    assert (SystemUser.objects.count(), Account.objects.count()) == before

# --- Bulk reassign (STUB-04) ---------------------------------------------------------------------------


def test_reassign_picked_stub_moves_records_htmx_stub_04(sign_in, imported):
    """STUB-04: records owned by a stub user go to another user in bulk."""
    stub = SystemUser.objects.get(environment=imported, domainname="ghost@fabrikam.com")
    target = SystemUser.objects.get(environment=imported, domainname=portal_upn("plain"))
    response = sign_in("ppadmin").post(reverse("imports:data_reassign", args=[imported.environment_id]),
                                       {"mode": "pick", "source": str(stub.systemuserid), "target": str(target.systemuserid)}, **HX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="reassign-panel"' in text and "Reassigned 2 record(s)" in text
    assert Account.objects.filter(owner=target).count() == 2 and not Account.objects.filter(owner=stub).exists()


def test_reassign_file_moves_records_plain_redirect_stub_04(sign_in, imported, followed_text):
    """STUB-04: `sourceUPN,targetUPN` lines as Add-BulkRecordsToUsers takes them."""
    url = reverse("imports:data_reassign", args=[imported.environment_id])
    lines = f"ghost@fabrikam.com,{portal_upn('plain')}\nspirit@fabrikam.com,{portal_upn('global')}\n"
    client = sign_in("ppadmin")
    response = client.post(url, {"mode": "file", "file": SimpleUploadedFile("users.csv", lines.encode())})
    assert response.status_code == 302 and response["Location"] == url
    assert "Reassigned 3 record(s)" in followed_text(client, response)
    assert Account.objects.filter(environment=imported, owner__domainname=portal_upn("plain")).count() == 2
    assert Account.objects.filter(environment=imported, owner__domainname=portal_upn("global")).count() == 1


def test_reassign_unknown_user_refuses_every_line(sign_in, imported):
    """STUB-04: one unknown user name refuses the whole file; nothing moves."""
    owners = dict(Account.objects.filter(environment=imported).values_list("pk", "owner_id"))
    lines = f"ghost@fabrikam.com,{portal_upn('plain')}\nspirit@fabrikam.com,nobody@contoso.com\n"
    response = sign_in("ppadmin").post(reverse("imports:data_reassign", args=[imported.environment_id]),
                                       {"mode": "file", "csv_text": lines}, **HX)
    assert "not-found" in response.content.decode() and "nobody@contoso.com" in response.content.decode()
    assert dict(Account.objects.filter(environment=imported).values_list("pk", "owner_id")) == owners


# --- Table, search and query budget ------------------------------------------------------------------


def test_stub_user_table_sorts_by_every_orderable_column(sign_in, imported, assert_sorts_both_ways):
    assert_sorts_both_ways(sign_in("ppadmin"), StubUserTable, reverse("imports:data_reassign", args=[imported.environment_id]))


def test_stub_user_search_narrows_rows(sign_in, imported):
    client = sign_in("ppadmin")
    stubs = client.get(reverse("imports:data_reassign", args=[imported.environment_id]), {"q": "spirit"}, **HX).content.decode()
    assert "spirit@fabrikam.com" in stubs and "ghost@fabrikam.com" not in stubs


def test_reassign_page_query_count_is_fixed(sign_in, portal_tenant, django_assert_max_num_queries, queries_of):
    from users_app.services.imports import records_import
    service = portal_tenant["service"]
    url = reverse("imports:data_reassign", args=[service.environment_id])
    client = sign_in("ppadmin")
    records_import(environment=service, rows=[{"name": f"A{i}", "owner": f"stub{i}@fabrikam.com"} for i in range(5)])
    small = queries_of(client, url)
    records_import(environment=service, rows=[{"name": f"B{i}", "owner": f"stub{i}@fabrikam.com"} for i in range(5, 30)])
    with django_assert_max_num_queries(small):
        client.get(url)



# --- A refused file: every bad row named, the pasted text kept, the file to be chosen again -------------


BAD_ROWS = "name,owner\nFourth Coffee,ghost@fabrikam.com\nNo owner,\n,nobody@fabrikam.com\nFine,ok@fabrikam.com\nBad,owner-without-at\n"


def test_data_import_preview_names_every_bad_row_and_keeps_the_pasted_text(portal_tenant, sign_in):
    env = portal_tenant["service"]
    response = sign_in("global").post(reverse("imports:data_import_preview", args=[env.environment_id]),
                                      {"csv_text": BAD_ROWS}, **HX)
    text = response.content.decode()
    assert "3 rows to fix" in text and "row 3" in text and "row 4" in text and "row 6" in text
    assert "Fourth Coffee,ghost@fabrikam.com" in text  # the textarea keeps what was pasted
    assert "Choose the file again" not in text


def test_data_import_preview_of_a_bad_file_says_to_choose_it_again(portal_tenant, sign_in):
    env = portal_tenant["service"]
    upload = SimpleUploadedFile("accounts.csv", BAD_ROWS.encode(), content_type="text/csv")
    text = sign_in("global").post(reverse("imports:data_import_preview", args=[env.environment_id]),
                                  {"file": upload}, **HX).content.decode()
    assert "3 rows to fix" in text and "Choose the file again" in text


def test_parse_accounts_csv_names_at_most_twenty_rows():
    from users_app.provisioning.rules import InvalidInput
    from users_app.services.imports import parse_accounts_csv
    with pytest.raises(InvalidInput) as refused:
        parse_accounts_csv("name,owner\n" + "x,\n" * 25)
    assert refused.value.message.startswith("25 rows to fix: row 2:") and "row 21:" in refused.value.message
    assert "row 22:" not in refused.value.message and refused.value.message.endswith("and 5 more.")
