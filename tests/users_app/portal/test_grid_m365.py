"""Active users as a data grid: the selection, the commands the admin may use, Manage product licences
per user (DIR-02 seats), Block sign-in through one confirmation (DIR-05 per user), the quick look,
Edit columns and the export."""
import csv
import io

from django.urls import reverse

from tests.builders import HX
from tests.conftest import portal_upn
from users_app.models import DirectoryUser, LicenceAssignment, Sku


def user(local):
    return DirectoryUser.objects.get(user_principal_name=portal_upn(local))


def select(client, locals_, **extra):
    ids = [str(user(local).pk) for local in locals_]
    return client.post(reverse("m365:active_user_selection"), {"page_ids": ids, "selected": ids}, **extra)


def test_commands_follow_the_selection_and_the_admin_role(portal_tenant, sign_in):
    client = sign_in("useradmin")
    none = client.get(reverse("m365:active_user_list")).content.decode()
    assert "Edit columns" in none and "Export" in none and "Block sign-in" not in none
    assert 'name="selected"' in none and "Select all users on this page" in none
    several = select(client, ["plain", "olivia"], **HX).content.decode()
    assert "2 selected" in several and "Block sign-in" in several and "Manage product licences" in several
    licadmin = sign_in("licadmin")
    shown = select(licadmin, ["plain", "olivia"], **HX).content.decode()
    assert "Manage product licences" in shown and "Block sign-in" not in shown  # a License admin does not block


def test_bulk_licences_assign_until_the_seats_run_out(portal_tenant, sign_in):
    sku = Sku.objects.get(sku_part_number="E3")
    sku.seats = LicenceAssignment.objects.filter(sku=sku).count() + 1
    sku.save(update_fields=["seats"])
    client = sign_in("licadmin")
    select(client, ["plain", "sysadmin"])
    url = reverse("m365:active_user_bulk_licences")
    assert 'id="bulk-licences-panel"' in client.get(url, **HX).content.decode()
    text = client.post(url, {"change": "add", "sku": sku.pk, "confirm": "1"}, **HX).content.decode()
    assert "1 of 2" in text and "DIR-02" in text and "toast-warning" in text
    assert LicenceAssignment.objects.filter(sku=sku, user__in=[user("plain"), user("sysadmin")]).count() == 1


def test_bulk_block_asks_once_then_blocks_each(portal_tenant, sign_in):
    client = sign_in("useradmin")
    select(client, ["plain", "global"])
    url = reverse("m365:active_user_bulk_block")
    confirm = client.get(url, **HX).content.decode()
    assert 'id="bulk-block-panel"' in confirm and "btn-danger" in confirm and "Cancel" in confirm
    text = client.post(url, {"confirm": "1"}, headers={"HX-Request": "true",
                                         "HX-Current-URL": "http://testserver" + reverse("m365:active_user_list")}).content.decode()
    assert "DIR-05" in text and "1 of 2" in text  # a User administrator may not block a Global administrator
    assert 'id="user-table" hx-swap-oob="true"' in text and "Sign-in blocked" in text  # the grid behind, as it is now
    assert not user("plain").account_enabled and user("global").account_enabled
    # Without JavaScript: Post/Redirect/Get, the results shown once.
    client.post(reverse("m365:active_user_bulk_unblock"), {"confirm": "1"})
    page = client.get(reverse("m365:active_user_bulk_unblock")).content.decode()
    assert "of 2</strong> done" in page and user("plain").account_enabled


def test_quick_look_columns_and_export(portal_tenant, sign_in):
    client = sign_in("useradmin")
    plain = user("plain")
    look = client.get(reverse("m365:active_user_quick_look", args=[plain.pk]), **HX).content.decode()
    assert 'id="quick-look-panel"' in look and "Dynamics 365 Sales" in look and "Sign-in allowed" in look
    assert reverse("m365:active_user_detail", args=[plain.pk]) in look and "<dt>Groups</dt><dd>1</dd>" in look
    client.post(reverse("m365:active_user_columns"), {"columns": ["user_principal_name", "mail"]})
    page = client.get(reverse("m365:active_user_list")).content.decode()
    assert "Email" in page and "Licenses" not in page
    plain.display_name = "+1 call me"
    plain.save(update_fields=["display_name"])
    response = client.get(reverse("m365:active_user_export"), {"sort": "display_name"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Display name", "Username", "Email"]
    assert ["'+1 call me", portal_upn("plain")] == rows[[r[1] for r in rows].index(portal_upn("plain"))][:2]
    assert 'filename="active-users.csv"' in response["Content-Disposition"]
