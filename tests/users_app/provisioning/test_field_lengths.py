"""FIELD-01, FIELD-02: a directory value longer than the Dataverse column it follows is cut to the
column (fullname 200, jobtitle 100, internalemailaddress 100), on both engines, and a second sync
changes nothing (it does not see the cut as a difference)."""
from environments_app.models import Environment
from users_app.models import DirectoryUser, SystemUser
from users_app.provisioning import rules
from users_app.provisioning.reference import environment_sync_reference
from users_app.provisioning.sync import directory_sync
from tests.builders import sku, tenant_file, user
from users_app.tenant_file import load_tenant


def test_field_column_lengths_match_the_model():
    for column, length in rules.COLUMN_LENGTHS.items():
        assert SystemUser._meta.get_field(column).max_length == length
    shorter = {column for column, field in rules.FIELD_MAP
               if SystemUser._meta.get_field(column).max_length < DirectoryUser._meta.get_field(field).max_length}
    assert shorter == set(rules.COLUMN_LENGTHS)


def test_field_01_long_directory_values_are_cut_to_the_column_and_stay_stable(db):
    load_tenant(tenant_file(
        skus=[sku("DYN", "Dynamics 365", seats=5)],
        users=[user("long", display_name="D" * 256, job_title="J" * 128, mail="m" * 240 + "@contoso.com",
                    usage_location="US", licences=["DYN"])],
        environments=[{"name": "Sales"}],
    ))
    directory_sync()
    record = SystemUser.objects.get(domainname="long@contoso.onmicrosoft.com")
    assert record.fullname == "D" * 200 and record.jobtitle == "J" * 100
    assert record.internalemailaddress == ("m" * 240)[:100]
    (run,) = directory_sync(full=True)
    assert run.updated == 0 and run.added == 0
    counts, _ = environment_sync_reference(environment=Environment.objects.get(name="Sales"))
    assert counts.get("updated", 0) == 0
