"""Impact previews on the Microsoft 365 side (issue 12): every save that the rules read (licences on the
user, in bulk and the tenant's Marketing licence; block and unblock sign-in, one user and in bulk;
delete and restore) first shows, in the side panel or as a page, what the next background sync would do
in each environment, and writes nothing; Confirm (confirm=1) makes the change. A refusal is answered as
on save; a Global reader sees the preview without Confirm; without the read right, 403."""
import re

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import reverse

from environments_app.changes import change_counter
from tests.builders import HX_HEADERS as HX
from tests.conftest import portal_upn
from users_app.models import DirectoryUser, LicenceAssignment, Sku, SystemUser, Tenant
from users_app.provisioning.sync import directory_sync
from users_app.services import directory
from users_app.views.previews import PER_PAGE


def user(local: str) -> DirectoryUser:
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def snapshot():
    """Every table's row count, the change counter, and the states a preview could touch."""
    counts = {model._meta.label: model.objects.count() for model in apps.get_models() if model is not Session}
    return (counts, change_counter(),
            list(SystemUser.objects.order_by("pk").values_list("pk", "isdisabled", "accessmode")),
            list(DirectoryUser.objects.order_by("pk").values_list("pk", "account_enabled", "deleted_state")),
            sorted(LicenceAssignment.objects.values_list("user_id", "sku_id")),
            list(Tenant.objects.values_list("marketing_licence", flat=True)))


def count_row(text: str, environment: str) -> list[int]:
    """The counts of one environment in the preview: added, enabled, disabled, updated, unchanged, not entitled."""
    row = re.search(rf'<tr><th scope="row">{environment}</th>(.*?)</tr>', text)
    assert row, f"no counts for {environment}"
    return [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", row.group(1))]


def records_of(local: str) -> dict[str, bool]:
    return {r.environment.name: r.isdisabled for r in SystemUser.objects.filter(
        domainname__iexact=portal_upn(local)).select_related("environment")}


def licences_url(local: str) -> str:
    return reverse("m365:active_user_licences", args=[user(local).pk])


def select(client, locals_):
    ids = [str(user(local).pk) for local in locals_]
    client.post(reverse("m365:active_user_selection"), {"page_ids": ids, "selected": ids})


# --- Licenses tab -------------------------------------------------------------------------------------------


def test_removing_a_dataverse_licence_previews_elig03_in_each_environment_and_writes_nothing(portal_tenant, sign_in):
    """ELIG-03: plain@ holds Dynamics 365 Sales and has a record in Sales and in Service; the preview of
    removing it disables both, names ELIG-03, and nothing is written (rows, runs, change number, audit)."""
    client = sign_in("global")
    before = snapshot()
    response = client.post(licences_url("plain"), {}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#panel-host"
    assert 'id="preview-panel"' in text and "<html" not in text
    assert count_row(text, "Sales")[:4] == [0, 0, 1, 0] and count_row(text, "Service")[:4] == [0, 0, 1, 0]
    assert 'href="/rules/ELIG-03/"' in text and portal_upn("plain") in text and "Run diagnostics" in text
    assert 'name="confirm" value="1"' in text and "Save changes" in text
    assert 'hx-target="#licence-form"' in text  # Confirm answers the tab's form, as saving did
    assert snapshot() == before


def test_confirmed_licence_removal_is_saved_and_the_sync_does_what_was_previewed(portal_tenant, sign_in):
    client = sign_in("global")
    client.post(licences_url("plain"), {}, headers=HX)
    response = client.post(licences_url("plain"), {"confirm": "1"}, headers=HX)
    assert response.status_code == 200 and 'id="licence-form"' in response.content.decode()
    assert 'id="panel-host" hx-swap-oob="innerHTML"' in response.content.decode()  # the panel closes
    assert not LicenceAssignment.objects.filter(user=user("plain"), sku__sku_part_number="DYN").exists()
    directory_sync()
    assert records_of("plain") == {"Sales": True, "Service": True}


def test_licence_preview_as_a_page_without_javascript(portal_tenant, sign_in):
    client = sign_in("global")
    before = snapshot()
    text = client.post(licences_url("plain"), {}).content.decode()
    assert "<html" in text and 'id="preview-panel"' in text and "ELIG-03" in text
    assert snapshot() == before
    assert client.post(licences_url("plain"), {"confirm": "1"}).status_code == 302
    assert not user("plain").licence_assignments.exists()


def test_a_change_no_environment_reads_says_so(portal_tenant, sign_in):
    """An Office 365 licence added to a user who is entitled already: no environment changes."""
    text = sign_in("global").post(licences_url("plain"), {"skus": ["DYN", "E3"]}, headers=HX).content.decode()
    assert "No environment changes" in text and "preview-counts" not in text


def test_licence_seats_refusal_dir02_is_shown_instead_of_a_preview(portal_tenant, sign_in):
    """DIR-02: no free seat of Dynamics 365 Sales; the tab answers the refusal, as saving would."""
    dyn = Sku.objects.get(sku_part_number="DYN")
    dyn.seats = LicenceAssignment.objects.filter(sku=dyn).count()
    dyn.save(update_fields=["seats"])
    before = snapshot()
    response = sign_in("global").post(licences_url("olivia"), {"skus": ["E3", "DYN"]}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 409 and "DIR-02" in text and "preview-panel" not in text
    assert snapshot() == before


def test_licence_usage_location_refusal_dir10_is_shown_instead_of_a_preview(portal_tenant, sign_in):
    """DIR-10: a licence needs a usage location."""
    DirectoryUser.objects.filter(pk=user("ppadmin").pk).update(usage_location="")
    before = snapshot()
    response = sign_in("global").post(licences_url("ppadmin"), {"skus": ["DYN"]}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 409 and "DIR-10" in text and "preview-panel" not in text
    assert snapshot() == before


def test_global_reader_sees_the_preview_without_confirm_and_cannot_confirm(portal_tenant, sign_in):
    client = sign_in("greader")
    before = snapshot()
    page = client.get(licences_url("plain")).content.decode()
    assert "Preview changes" in page and "Save changes" not in page
    response = client.post(licences_url("plain"), {}, headers=HX)
    text = response.content.decode()
    assert response.status_code == 200 and "ELIG-03" in text and count_row(text, "Sales")[2] == 1
    assert "your role cannot make this change" in text and "btn-primary" not in text
    assert client.post(licences_url("plain"), {"confirm": "1"}, headers=HX).status_code == 403
    assert snapshot() == before


def test_without_the_read_right_a_preview_is_refused(portal_tenant, sign_in):
    client = sign_in("plain")  # no admin role
    assert client.post(licences_url("olivia"), {}, headers=HX).status_code == 403
    assert client.post(reverse("m365:active_user_block", args=[user("olivia").pk]), {"blocked": "on"}).status_code == 403


# --- Block, unblock, delete, restore ---------------------------------------------------------------------


def test_block_previews_the_disabling_then_blocks_on_confirm(portal_tenant, sign_in):
    client = sign_in("global")
    url = reverse("m365:active_user_block", args=[user("plain").pk])
    before = snapshot()
    text = client.post(url, {"blocked": "on"}, headers=HX).content.decode()
    assert count_row(text, "Sales")[2] == 1 and "ELIG-02" in text and "btn-danger" in text and "Block sign-in" in text
    assert snapshot() == before
    response = client.post(url, {"blocked": "on", "confirm": "1"}, headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"]
    assert not user("plain").account_enabled


def test_a_refused_block_dir05_is_shown_instead_of_a_preview(portal_tenant, sign_in):
    """DIR-05: a User administrator cannot block a Global administrator."""
    before = snapshot()
    response = sign_in("useradmin").post(reverse("m365:active_user_block", args=[user("global").pk]),
                                         {"blocked": "on"}, headers=HX)
    assert response.status_code == 409 and "DIR-05" in response.content.decode()
    assert "preview-panel" not in response.content.decode() and snapshot() == before


def test_unblock_previews_the_enabling(portal_tenant, sign_in):
    directory.directory_user_update(user=user("plain"), account_enabled=False)
    directory_sync()
    client = sign_in("global")
    url = reverse("m365:active_user_unblock", args=[user("plain").pk])
    before = snapshot()
    text = client.post(url, {}, headers=HX).content.decode()
    assert count_row(text, "Sales")[1] == 1 and count_row(text, "Service")[1] == 1 and "Unblock sign-in" in text
    assert snapshot() == before
    client.post(url, {"confirm": "1"}, headers=HX)
    assert user("plain").account_enabled


def test_delete_previews_then_deletes_and_restore_previews_then_restores(portal_tenant, sign_in):
    client = sign_in("global")
    plain = user("plain")
    delete = reverse("m365:active_user_delete", args=[plain.pk])
    before = snapshot()
    text = client.post(delete, {}, headers=HX).content.decode()
    assert count_row(text, "Sales")[2] == 1 and "Delete user" in text and "btn-danger" in text
    assert snapshot() == before
    client.post(delete, {"confirm": "1"}, headers=HX)
    plain.refresh_from_db()
    assert plain.is_deleted
    directory_sync()
    restore = reverse("m365:active_user_restore", args=[plain.pk])
    before = snapshot()
    text = client.post(restore, {"query": ""}, headers=HX).content.decode()
    assert count_row(text, "Sales")[1] == 1 and "Restore user" in text and portal_upn("plain") in text
    assert 'hx-target="#deleted-user-table"' in text and snapshot() == before
    # From the user's page without JavaScript: the preview as a page, then Confirm.
    page = client.post(restore, {"return": "detail"}).content.decode()
    assert "<html" in page and 'name="return" value="detail"' in page and snapshot() == before
    assert client.post(restore, {"return": "detail", "confirm": "1"}).status_code == 302
    plain.refresh_from_db()
    assert not plain.is_deleted


# --- Bulk and the licence page --------------------------------------------------------------------------


def test_bulk_licence_removal_previews_then_applies(portal_tenant, sign_in):
    client = sign_in("global")
    select(client, ["plain", "sysadmin"])
    url = reverse("m365:active_user_bulk_licences")
    dyn = Sku.objects.get(sku_part_number="DYN")
    before = snapshot()
    text = client.post(url, {"change": "remove", "sku": dyn.pk}, headers=HX).content.decode()
    assert count_row(text, "Sales")[2] == 2 and "ELIG-03" in text and "Apply" in text
    assert f'name="sku" value="{dyn.pk}"' in text and snapshot() == before
    text = client.post(url, {"change": "remove", "sku": dyn.pk, "confirm": "1"}, headers=HX).content.decode()
    assert "2 of 2" in text
    assert not LicenceAssignment.objects.filter(sku=dyn, user__in=[user("plain"), user("sysadmin")]).exists()


def test_bulk_licence_refusals_dir02_are_named_in_the_preview(portal_tenant, sign_in):
    """DIR-02 per user: one free seat for two users; the preview names the user who would be refused."""
    e3 = Sku.objects.get(sku_part_number="E3")
    e3.seats = LicenceAssignment.objects.filter(sku=e3).count() + 1
    e3.save(update_fields=["seats"])
    client = sign_in("global")
    select(client, ["plain", "sysadmin"])
    before = snapshot()
    text = client.post(reverse("m365:active_user_bulk_licences"), {"change": "add", "sku": e3.pk}, headers=HX).content.decode()
    assert "would be refused" in text and 'href="/rules/DIR-02/"' in text
    assert snapshot() == before


def test_bulk_block_and_unblock_preview_then_apply(portal_tenant, sign_in):
    client = sign_in("global")
    select(client, ["plain", "olivia"])
    block = reverse("m365:active_user_bulk_block")
    before = snapshot()
    text = client.post(block, {}, headers=HX).content.decode()
    assert count_row(text, "Sales")[2] == 1 and "btn-danger" in text and snapshot() == before
    assert "2 of 2" in client.post(block, {"confirm": "1"}, headers=HX).content.decode()
    assert not user("plain").account_enabled and not user("olivia").account_enabled
    directory_sync()
    unblock = reverse("m365:active_user_bulk_unblock")
    before = snapshot()
    text = client.post(unblock, {}, headers=HX).content.decode()
    assert count_row(text, "Sales")[1] == 1 and snapshot() == before
    client.post(unblock, {"confirm": "1"}, headers=HX)
    assert user("plain").account_enabled and user("olivia").account_enabled


def test_who_may_not_open_a_panel_may_not_preview_it(portal_tenant, sign_in):
    """Block and the bulk panels are read with their own right (DIR-05): a Global reader opens neither,
    so it previews neither; the Marketing licence page it reads, so it previews that without Confirm."""
    client = sign_in("greader")
    select(client, ["plain"])
    before = snapshot()
    assert client.post(reverse("m365:active_user_bulk_block"), {}, headers=HX).status_code == 403
    assert client.post(reverse("m365:active_user_block", args=[user("plain").pk]), {"blocked": "on"}).status_code == 403
    text = client.post(reverse("m365:tenant_licence_update"), {"marketing_licence": "1"}, headers=HX).content.decode()
    assert "your role cannot make this change" in text and 'name="confirm"' in text and "btn-primary" not in text
    assert client.post(reverse("m365:tenant_licence_update"), {"marketing_licence": "1", "confirm": "1"}).status_code == 403
    assert snapshot() == before


def test_marketing_licence_removal_previews_elig03(portal_tenant, sign_in):
    """ELIG-03 c: the tenant's Marketing licence; removing it when held is previewed, then made."""
    directory.tenant_update(marketing_licence=True)
    client = sign_in("global")
    url = reverse("m365:tenant_licence_update")
    before = snapshot()
    response = client.post(url, {"marketing_licence": "0"}, headers=HX)
    assert response.status_code == 200 and 'id="preview-panel"' in response.content.decode()
    assert "Remove the Marketing licence?" in response.content.decode() and snapshot() == before
    response = client.post(url, {"marketing_licence": "0", "confirm": "1"}, headers=HX)
    assert 'id="tenant-licences"' in response.content.decode()
    assert not Tenant.objects.get().marketing_licence


@pytest.mark.django_db
def test_a_big_preview_is_paged_and_its_pager_posts_the_same_fields(portal_tenant, sign_in):
    """60 users lose their Dataverse licence: counts first, then 25 users a page; the pager re-posts
    the same fields with a page number and never confirm."""
    bulk = Sku.objects.create(sku_part_number="BULKSKU", name="Bulk licence", seats=100, kind="dataverse")
    names = []
    for i in range(60):
        made = directory.directory_user_create(user_principal_name=f"bulk{i:03}@contoso.onmicrosoft.com",
                                               usage_location="US", licences=["BULKSKU"], temporary_password=False)
        names.append(made)
    directory_sync()
    client = sign_in("global")
    ids = [str(u.pk) for u in DirectoryUser.objects.filter(user_principal_name__startswith="bulk")]
    client.post(reverse("m365:active_user_selection"), {"page_ids": ids, "selected": ids})
    url = reverse("m365:active_user_bulk_licences")
    before = snapshot()
    first = client.post(url, {"change": "remove", "sku": bulk.pk}, headers=HX).content.decode()
    assert count_row(first, "Service")[2] == 60 and "Page 1 of 3" in first
    assert first.count('class="preview-user"') == PER_PAGE
    assert 'name="preview_page" value="2"' in first
    pager = first.split('class="pagination preview-pager"')[1].split("</nav>")[0]
    assert 'name="confirm"' not in pager and 'name="sku"' in pager
    second = client.post(url, {"change": "remove", "sku": bulk.pk, "preview_page": "2"}, headers=HX).content.decode()
    assert "Page 2 of 3" in second and "bulk025@" in second and "bulk000@" not in second
    assert 'name="preview_page"' not in second.split('class="preview-confirm"')[1]  # Confirm posts no page
    assert snapshot() == before
