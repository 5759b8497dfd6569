"""Bad input refused clearly with nothing written.

The text check's truth table; the tenant file's cases (a)-(f) of finding 13 and the password
validation of finding 12, each through `load_tenant` on the command line; the CSV import's
limits of finding 14 through the screens; the escaped CLI output of finding 15."""
import pytest

from users_app.provisioning.rules import RuleViolation
from users_app.provisioning.rules.text import check_text, escape_controls, has_control

# --- check_text: the truth table ----------------------------------------------------------------

CONTROL_SAMPLES = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9b",
                   "\x9f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
                   "\ud800", "\udfff"]  # and lone surrogates (JSON's \\ud800): no database or terminal encodes them
LINE_BREAKS = ["\t", "\n", "\r\n"]
PRINTABLE = ["", "Alice Ng", "Zoë Ångström", "李小龍", "עברית", "😀 emoji", "a\\x1bb (a backslash, no escape)",
             "\u200b zero width space", "\u00a0 no-break space", "\u2028 line separator (Zl, not Cc)",
             "\u202f narrow no-break space", "\u2065 unassigned beside the isolates", "\ufeff BOM"]


@pytest.mark.parametrize("value", PRINTABLE)
@pytest.mark.parametrize("multiline", [False, True])
def test_printable_text_passes_unchanged(value, multiline):
    assert check_text("name", value, max_length=100, multiline=multiline) == value
    assert not has_control(value, multiline=multiline)


@pytest.mark.parametrize("char", CONTROL_SAMPLES)
@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_control_characters_are_refused_anywhere_naming_the_character(char, multiline, where):
    value = {"start": char + "abc", "middle": "ab" + char + "c", "end": "abc" + char}[where]
    with pytest.raises(RuleViolation) as exc:
        check_text("display_name", value, max_length=100, multiline=multiline)
    assert exc.value.rule == "display_name"
    assert f"U+{ord(char):04X}" in exc.value.message
    position = {"start": 1, "middle": 3, "end": 4}[where]
    assert f"at position {position}" in exc.value.message
    assert char not in str(exc.value)  # the message never carries the character itself


@pytest.mark.parametrize("brk", LINE_BREAKS + ["\r"])
def test_line_breaks_only_in_multiline_text(brk):
    value = f"first line{brk}second line"
    with pytest.raises(RuleViolation):
        check_text("name", value, max_length=100)
    if brk == "\r":  # a lone carriage return rewrites the line on a terminal: never allowed
        with pytest.raises(RuleViolation):
            check_text("street", value, max_length=100, multiline=True)
    else:
        assert check_text("street", value, max_length=100, multiline=True) == value


@pytest.mark.parametrize(("length", "max_length", "ok"), [
    (0, 0, True), (1, 0, False), (255, 256, True), (256, 256, True), (257, 256, False), (100_000, 256, False),
])
def test_length_limit_is_inclusive_and_counts_characters(length, max_length, ok):
    value = "é" * length  # characters, not UTF-8 bytes
    if ok:
        assert check_text("name", value, max_length=max_length) == value
    else:
        with pytest.raises(RuleViolation) as exc:
            check_text("name", value, max_length=max_length)
        assert exc.value.message == f"longer than {max_length} characters ({length} given)."


def test_length_is_checked_before_control_characters_and_the_value_is_never_echoed():
    with pytest.raises(RuleViolation) as exc:
        check_text("name", "\x00" * 300, max_length=256)
    assert "longer than 256" in exc.value.message


def test_not_text_is_refused():
    with pytest.raises(RuleViolation, match="must be text"):
        check_text("name", 12, max_length=10)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "shown"), [
    ("plain", "plain"),
    ("Esc\x1b]0;pwned\x07Name", "Esc\\x1b]0;pwned\\x07Name"),
    ("a\x1b[2Jb", "a\\x1b[2Jb"),
    ("tab\there", "tab\\there"),
    ("two\nlines\r\n", "two\\nlines\\r\\n"),
    ("\x00\x9b", "\\x00\\x9b"),
    ("right\u202eto left", "right\\u202eto left"),
    ("lone\udc00", "lone\\udc00"),
    ("back\\slash", "back\\slash"),
])
def test_escape_controls(value, shown):
    assert escape_controls(value) == shown
    assert not has_control(escape_controls(value))


# --- the tenant file: every bad file is one `error: tenant-file: ...` line, nothing written --------------

import io  # noqa: E402
import json  # noqa: E402

from django.core.management import call_command  # noqa: E402

from tests import builders  # noqa: E402
from tests.builders import DOMAIN, HX, set_user, sku, tenant_file  # noqa: E402
from tests.conftest import PORTAL_PASSWORD, portal_tenant_data, portal_upn, row_counts, run_command  # noqa: E402


def load(path) -> tuple[int, str, str]:
    return run_command("load_tenant", str(path))


def small_tenant() -> dict:
    return tenant_file(
        skus=[sku("DYN", "Dynamics 365 Sales", seats=5)],
        users=[builders.user("alice", display_name="Alice Ng", usage_location="US", licences=["DYN"]),
               builders.user("bob", display_name="Bob Lee")],
        groups=[{"name": "Sales-Env", "members": [f"alice@{DOMAIN}"]}],
        environments=[{"name": "Sales", "security_group": "Sales-Env", "app_pass_capacity": 1}],
    )




def assert_refused(tmp_path, content, expected_start: str) -> str:
    """`content` (a dict, or the file's text) loaded over the small tenant: exit 1, one line
    `error: tenant-file: ...` that starts as expected, no traceback, nothing on stdout, no row changed."""
    assert load(_write(tmp_path / "first.json", small_tenant()))[0] == 0
    before = row_counts()
    code, out, err = load(_write(tmp_path / "bad.json", content))
    assert (code, out) == (1, ""), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(expected_start), err
    assert row_counts() == before
    return err


def _write(path, content):
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _user(data, upn, **values):
    return set_user(data, upn, new=builders.user, **values)


@pytest.mark.django_db
def test_finding_13a_100000_nested_brackets(tmp_path):
    err = assert_refused(tmp_path, "[" * 100_000, "error: tenant-file: ")
    assert "nested too deeply" in err


@pytest.mark.django_db
def test_nesting_the_decoder_reads_is_refused_without_recursing_in_messages(tmp_path):
    """2,000 nested lists parse, then meet a text field: the message describes, never prints them."""
    data = small_tenant()
    _user(data, f"alice@{DOMAIN}", display_name=json.loads("[" * 2000 + "]" * 2000))
    assert_refused(tmp_path, data, f"error: tenant-file: users[0].display_name must be text, not a list.")


@pytest.mark.django_db
def test_finding_13b_seats_beyond_the_column(tmp_path):
    text = json.dumps(small_tenant()).replace('"seats": 5', '"seats": 100000000000000000000000000000')
    assert_refused(tmp_path, text, "error: tenant-file: skus[0] (DYN).seats: ")
    data = small_tenant()
    data["skus"][0]["seats"] = 2**31  # one past PositiveIntegerField's range on every database
    err = assert_refused(tmp_path, data, "error: tenant-file: skus[0] (DYN).seats: ")
    assert "2147483647" in err
    data["skus"][0]["seats"] = 2**31 - 1
    assert load(_write(tmp_path / "max.json", data))[0] == 0


@pytest.mark.django_db
def test_finding_13c_app_pass_capacity_beyond_the_column(tmp_path):
    text = json.dumps(small_tenant()).replace('"app_pass_capacity": 1', '"app_pass_capacity": ' + "1" + "0" * 23)
    err = assert_refused(tmp_path, text, "error: tenant-file: environments[0] (Sales).app_pass_capacity: ")
    assert "2147483647" in err


@pytest.mark.django_db
def test_a_number_too_long_to_read(tmp_path):
    text = json.dumps(small_tenant()).replace('"seats": 5', '"seats": ' + "9" * 5000)
    assert_refused(tmp_path, text, "error: tenant-file: ")


@pytest.mark.django_db
def test_finding_13d_display_name_longer_than_its_column(tmp_path):
    data = _user(small_tenant(), f"bob@{DOMAIN}", display_name="A" * 100_000)
    err = assert_refused(tmp_path, data, f"error: tenant-file: users[1] (bob@{DOMAIN}).display_name: "
                                         "longer than 256 characters")
    assert len(err) < 300
    data = _user(small_tenant(), f"bob@{DOMAIN}", display_name="A" * 256)  # exactly the column: loads
    assert load(_write(tmp_path / "ok.json", data))[0] == 0


@pytest.mark.parametrize(("where", "change", "start"), [
    ("given_name", lambda d: _user(d, f"bob@{DOMAIN}", given_name="G" * 65), "users[1] (bob@{D}).given_name: longer than 64"),
    ("mail", lambda d: _user(d, f"bob@{DOMAIN}", mail="m" * 256), "users[1] (bob@{D}).mail: longer than 255"),
    ("upn", lambda d: _user(d, "u" * 250 + f"@{DOMAIN}"), "users[2].upn: longer than 255"),
    ("sku name", lambda d: {**d, "skus": [{**d["skus"][0], "name": "S" * 201}]}, "skus[0] (DYN).name: longer than 200"),
    ("group", lambda d: {**d, "groups": d["groups"] + [{"name": "G" * 257}]}, "groups[1].name: longer than 256"),
    ("environment", lambda d: {**d, "environments": [{"name": "E" * 201}]}, "environments[0].name: longer than 200"),
    ("tenant", lambda d: {**d, "tenant": {"name": "T" * 201}}, "tenant.name: longer than 200"),
    ("licence ref", lambda d: _user(d, f"bob@{DOMAIN}", licences=["L" * 101]), "users[1] (bob@{D}).licences[0]: longer"),
    ("app", lambda d: {**d, "apps": [{"name": "A" * 201, "app_id": "00000000-0000-0000-0000-000000000009"}]},
     "apps[0].name: longer than 200"),
    ("ad user", lambda d: {**d, "environments": [{"name": "Onprem", "deployment": "on_premises", "ad_users": [
        {"logon_name": "CONTOSO\\ann", "first_name": "F" * 65}]}]},
     "environments[0] (Onprem).ad_users[0] (CONTOSO\\ann).first_name: longer than 64"),
])
@pytest.mark.django_db
def test_every_text_is_checked_against_its_column(tmp_path, where, change, start):
    assert_refused(tmp_path, change(small_tenant()), "error: tenant-file: " + start.replace("{D}", DOMAIN))


@pytest.mark.django_db
def test_finding_13e_nul_in_a_name(tmp_path):
    data = _user(small_tenant(), f"bob@{DOMAIN}", display_name="bad\u0000name")
    assert_refused(tmp_path, data, f"error: tenant-file: users[1] (bob@{DOMAIN}).display_name: contains the control "
                                   "character U+0000 NUL at position 4")


@pytest.mark.parametrize(("change", "start"), [
    (lambda d: _user(d, f"esc\x1b]0;pwned\x07@{DOMAIN}"), "users[2].upn: contains the control character U+001B"),
    (lambda d: _user(d, f"bob@{DOMAIN}", display_name="Esc\x1b]0;pwned-title\x07Test"),
     "users[1] (bob@{D}).display_name: contains the control character U+001B ESCAPE at position 4"),
    (lambda d: _user(d, f"bob@{DOMAIN}", city="Right\u202eto left"), "users[1] (bob@{D}).city: contains the control "
                                                                      "character U+202E"),
    (lambda d: _user(d, f"bob@{DOMAIN}", job_title="x\ud800"), "users[1] (bob@{D}).job_title: contains a lone surrogate "
                                                              "U+D800"),
    (lambda d: {**d, "groups": [{"name": "Sales\x1b[2J-Env"}]}, "groups[0].name: contains"),
    (lambda d: {**d, "environments": [{"name": "Sales\x9b2J"}]}, "environments[0].name: contains"),
    (lambda d: _user(d, f"bob@{DOMAIN}", custom_attributes={"dept": "x\x07"}),
     "users[1] (bob@{D}).custom_attributes.dept: contains"),
    (lambda d: _user(d, f"bob@{DOMAIN}", custom_attributes={"ke\x00y": "x"}),
     "users[1] (bob@{D}).custom_attributes (a key): contains"),
    (lambda d: {**d, "groups": [{"name": "G", "members": [f"alice@{DOMAIN}\n"]}]}, "groups[0] (G).members[0]: contains"),
])
@pytest.mark.django_db
def test_finding_13f_control_characters_in_upns_and_names(tmp_path, change, start):
    err = assert_refused(tmp_path, change(small_tenant()), "error: tenant-file: " + start.replace("{D}", DOMAIN))
    assert "\x1b" not in err and "\x07" not in err and "\x00" not in err


@pytest.mark.parametrize(("value", "why"), [
    (2**63, "does not fit in 64 bits"), (-(2**63) - 1, "does not fit in 64 bits"),
    (float("nan"), "finite"), (float("inf"), "finite"),
    (json.loads("[" * 20 + "]" * 20), "nested more than 8 levels deep"),
])
@pytest.mark.django_db
def test_custom_attributes_hold_json_every_database_stores(tmp_path, value, why):
    data = _user(small_tenant(), f"bob@{DOMAIN}", custom_attributes={"x": value})
    err = assert_refused(tmp_path, json.dumps(data, allow_nan=True),
                         f"error: tenant-file: users[1] (bob@{DOMAIN}).custom_attributes.x")
    assert why in err


@pytest.mark.django_db
def test_an_unknown_key_is_named_printably(tmp_path):
    data = _user(small_tenant(), f"bob@{DOMAIN}", **{"x\x1b[2J" + "k" * 500: 1})
    err = assert_refused(tmp_path, data, "error: tenant-file: users[1] has unknown key(s) \"x\\u001b[2J")
    assert len(err) < 600


# --- finding 12, the tenant file's part: passwords meet the validators ------------------------------------


@pytest.mark.parametrize(("password", "says"), [
    ("a", "too short"),
    (f"bob@{DOMAIN}", "user name"),
    ("password1234", "too common"),
    ("123456789012345", "entirely numeric"),
])
@pytest.mark.django_db
def test_a_weak_tenant_file_password_refuses_the_file(tmp_path, password, says):
    data = _user(small_tenant(), f"bob@{DOMAIN}", password=password)
    err = assert_refused(tmp_path, data, f"error: tenant-file: users[1] (bob@{DOMAIN}).password: ")
    assert says in err.lower()
    from django.contrib.auth import authenticate
    assert authenticate(username=f"bob@{DOMAIN}", password=password) is None


@pytest.mark.django_db
def test_the_test_tenants_passwords_meet_the_validators(tmp_path):
    """The tests' own tenant (tests/conftest.py) and the passwords the tenant-file tests use load."""
    from users_app.passwords import password_problems

    for user in portal_tenant_data()["users"]:
        assert password_problems(user["password"], upn=user["upn"], display_name=user["display_name"]) == []
    data = _user(small_tenant(), f"bob@{DOMAIN}", password="Demo-Pass-2026!")
    assert load(_write(tmp_path / "t.json", data))[0] == 0
    assert password_problems(PORTAL_PASSWORD, upn=portal_upn("plain"), display_name="Plain Test") == []


# --- finding 15: control characters never reach the terminal raw ------------------------------------------

PWNED = "Esc\x1b]0;pwned\x07\x1b[2JName"


def _cli(*args, **options) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err, **options)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_finding_15_export_users_shows_escape_sequences_escaped(portal_tenant):
    """Old data (written before the checks, here straight through the ORM) with OSC and CSI
    sequences: the table shows them as \\x1b, never raw; JSON escapes them as JSON does."""
    from users_app.models import DirectoryUser, SystemUser

    DirectoryUser.objects.filter(user_principal_name=portal_upn("plain")).update(display_name=PWNED)
    SystemUser.objects.filter(environment=portal_tenant["sales"], domainname=portal_upn("plain")).update(
        fullname=PWNED, jobtitle="Line\nbreak")
    code, out, err = _cli("export_users", environment="Sales")
    assert (code, err) == (0, "")
    assert "\x1b" not in out and "\x07" not in out
    assert "Esc\\x1b]0;pwned\\x07\\x1b[2JName" in out
    lines = out.splitlines()
    assert len({len(line.rstrip()) for line in lines[:1]}) == 1 and lines[-1].endswith(" users")
    code, out, _ = _cli("export_users", environment="Sales", format="json")
    assert code == 0 and "\x1b" not in out
    assert PWNED in [u["fullname"] for u in json.loads(out)]  # the data itself, losslessly


@pytest.mark.django_db
def test_finding_15_the_error_line_shows_control_characters_escaped(portal_tenant):
    code, out, err = _cli("refresh_user", environment="Sales", user=f"x\x1b]0;pwned\x07@{DOMAIN}")
    assert (code, out) == (1, "")
    assert err.startswith("error: not-found: ") and err.count("\n") == 1
    assert "\x1b" not in err and "\x07" not in err and "\\x1b]0;pwned\\x07" in err


def test_render_table_keeps_one_line_per_row():
    from users_app.management.base import render_table, terminal_text

    table = render_table(("Name", "Roles"), [("a\nb\x1b[31m", ["x\ty", "z"]), ("plain", [])])
    assert table.splitlines()[2:] == ["a\\nb\\x1b[31m  x\\ty, z", "plain"]
    assert terminal_text("one\ntwo\x1b[2J\r\n") == "one\ntwo\\x1b[2J\\r\n"


# --- finding 14: the CSV import's limits ---------------------------------------------------------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.urls import reverse  # noqa: E402

from users_app.forms.imports import MAX_UPLOAD_BYTES, CsvInputForm, DataImportConfirmForm  # noqa: E402
from users_app.services.imports import parse_accounts_csv  # noqa: E402



def _import_state() -> tuple:
    from users_app.models import Account, SyncRun, SystemUser

    return SystemUser.objects.count(), Account.objects.count(), SyncRun.objects.count()


def _preview_and_import(client, env, text: str) -> tuple[str, str]:
    """The preview (pasted text) and the import (the text posted back) of `text`, as fragments."""
    preview = client.post(reverse("imports:data_import_preview", args=[env.environment_id]), {"csv_text": text}, **HX)
    imported = client.post(reverse("imports:data_import", args=[env.environment_id]), {"csv_text": text, "confirm": "1"},
                           **HX)
    assert preview.status_code == 200 and imported.status_code == 200
    return preview.content.decode(), imported.content.decode()


@pytest.mark.parametrize(("row", "says"), [
    ("N" * 100_000 + ",ghost@fabrikam.com", "row 3, name: longer than 160 characters (100000 given)"),  # the review's
    ("N" * 200_000 + ",ghost@fabrikam.com", "row 3: cannot be read as CSV"),  # over the csv module's field limit
    ("N" * 161 + ",ghost@fabrikam.com", "row 3, name: longer than 160 characters (161 given)"),
    ("Esc\x1b]0;pwned\x07,ghost@fabrikam.com", "row 3, name: contains the control character U+001B ESCAPE"),
    ("Acme,ghost\x1b[2J@fabrikam.com", "row 3, owner: contains the control character U+001B"),
    ("Acme," + "g" * 60 + "@" + "f" * 50 + ".com", "row 3, owner: longer than 100 characters (115 given)"),
    ("Acme," + "g" * 65 + "@f.com", "row 3, owner: the part before @ is longer than 64 characters"),
])
@pytest.mark.django_db
def test_finding_14_bad_rows_are_refused_in_preview_and_import_naming_the_row(portal_tenant, sign_in, row, says):
    text = f"name,owner\nFourth Coffee,ghost@fabrikam.com\n{row}\n"
    before = _import_state()
    preview, imported = _preview_and_import(sign_in("global"), portal_tenant["sales"], text)
    assert says in preview and says in imported
    assert _import_state() == before


@pytest.mark.django_db
def test_nul_in_the_csv_is_refused_by_the_file_check_and_by_the_text_fields(portal_tenant, sign_in):
    """An uploaded file reaches the row check; pasted or posted-back text meets Django's own
    refusal of NUL in a form field: either way a message on the page, nothing written."""
    client, env = sign_in("global"), portal_tenant["sales"]
    text = "name,owner\nFourth Coffee,ghost@fabrikam.com\nBad\x00name,ghost@fabrikam.com\n"
    before = _import_state()
    upload = SimpleUploadedFile("a.csv", text.encode(), content_type="text/csv")
    preview = client.post(reverse("imports:data_import_preview", args=[env.environment_id]), {"file": upload}, **HX)
    assert "row 3, name: contains the control character U+0000 NUL" in preview.content.decode()
    pasted, imported = _preview_and_import(client, env, text)
    assert "Null characters are not allowed" in pasted and "Null characters are not allowed" in imported
    assert "Choose a CSV file" not in pasted
    assert _import_state() == before


@pytest.mark.django_db
def test_finding_14_a_name_of_exactly_the_column_imports(portal_tenant, sign_in):
    from users_app.models import Account

    text = "name,owner\n" + "N" * 160 + ",ghost@fabrikam.com\n"
    _preview_and_import(sign_in("global"), portal_tenant["sales"], text)
    assert Account.objects.filter(name="N" * 160).count() == 1


def _csv_of_size(size: int, *, line_end: str = "\n") -> str:
    row = f"Account,{portal_upn('plain')}{line_end}"
    head = "name,owner" + line_end
    text = head + row * ((size - len(head)) // len(row))
    return text + "x" * (size - len(text))  # the last row's name takes the remainder


def test_finding_14_one_limit_for_both_steps_whatever_the_line_ends():
    """A text the preview takes (5 MB, LF line ends) comes back from the browser's textarea with
    CR LF: the import takes it too. One byte more is refused by both, as a form error."""
    text = _csv_of_size(MAX_UPLOAD_BYTES)
    assert len(text.encode()) == MAX_UPLOAD_BYTES
    preview = CsvInputForm({"csv_text": text})
    assert preview.is_valid(), preview.errors
    confirm = DataImportConfirmForm({"csv_text": preview.cleaned_data["text"].replace("\n", "\r\n")})
    assert confirm.is_valid(), confirm.errors
    assert confirm.cleaned_data["csv_text"] == preview.cleaned_data["text"]
    upload = CsvInputForm({}, {"file": SimpleUploadedFile("a.csv", text.encode())})
    assert upload.is_valid() and upload.cleaned_data["text"] == text
    over = text + "y"
    for form in (CsvInputForm({"csv_text": over}), DataImportConfirmForm({"csv_text": over}),
                 CsvInputForm({}, {"file": SimpleUploadedFile("a.csv", over.encode())})):
        assert not form.is_valid()
        assert "larger than 5 MB" in str(form.errors)
    multibyte = "name,owner\n" + "é" * (MAX_UPLOAD_BYTES // 2)  # 5 MB of UTF-8 in 2.5 M characters
    assert not CsvInputForm({"csv_text": multibyte}).is_valid()


@pytest.mark.django_db
def test_finding_14_over_the_limit_is_a_form_error_not_a_400(portal_tenant, sign_in):
    """Between 5 MB and the request's own cap: the pasted text and the posted-back text are
    refused with the form's message (200, the import page), nothing written."""
    client, env = sign_in("global"), portal_tenant["sales"]
    over = _csv_of_size(MAX_UPLOAD_BYTES + 1)
    before = _import_state()
    preview, imported = _preview_and_import(client, env, over)
    assert "larger than 5 MB" in preview and "larger than 5 MB" in imported
    upload = SimpleUploadedFile("big.csv", over.encode(), content_type="text/csv")
    response = client.post(reverse("imports:data_import_preview", args=[env.environment_id]), {"file": upload}, **HX)
    assert response.status_code == 200 and "larger than 5 MB" in response.content.decode()
    assert _import_state() == before


@pytest.mark.django_db
def test_finding_14_import_records_command_names_the_row(portal_tenant, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("name,owner\nAcme,ghost@fabrikam.com\n" + "N" * 161 + ",ghost@fabrikam.com\n")
    before = _import_state()
    code, out, err = _cli("import_records", str(path), environment="Sales")
    assert (code, out) == (1, "")
    assert err == "error: row 3, name: longer than 160 characters (161 given).\n"
    assert _import_state() == before


@pytest.mark.parametrize("text", ["name,owner\nA,b@c\n", "name,owner\r\nA,b@c\r\n", "\ufeffname,owner\nA,b@c"])
def test_good_csv_still_parses(text):
    assert parse_accounts_csv(text.lstrip("\ufeff")) == [{"name": "A", "owner": "b@c"}]
