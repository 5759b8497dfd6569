"""Fuzzing the two ways data comes in as files.

Tenant files: a small valid tenant with random JSON values put in random places (over-long text,
control characters, huge and non-finite numbers, deep nesting, known keys in the wrong object,
cut-off text), loaded by `load_tenant` over the same tenant: it loads, or it exits 1 with exactly
one `error: ` line and no traceback, and then no row of any table changed.

CSV imports: random rows (quotes, commas, line breaks, control characters, long names, owners
that are and are not users) through the data import's preview and import screens: a page with the
result or a message, never an exception, and on refusal nothing written.

Each example runs in a transaction rolled back at its end, so examples do not see each other's
loads. The examples' number comes from the suite's hypothesis profile (tests/conftest.py)."""
import copy
import csv
import io
import json

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests import builders
from tests.builders import DOMAIN, HX, sku, user
from tests.conftest import portal_upn, row_counts, run_command
from users_app import tenant_file

pytestmark = pytest.mark.django_db
DEEP = "__deeply_nested__"  # a placeholder value, replaced in the file's text by deep nesting


class Rollback(Exception):
    pass



# --- tenant files ---------------------------------------------------------------------------------------

# Every key of the tenant file once (the fuzzer's paths are drawn from this file).
BASE = builders.tenant_file(
    marketing_licence=False,
    skus=[sku("DYN", "Dynamics 365 Sales", seats=5, service_plans=["X"]), sku("E3", "Office 365 E3", seats=5, kind="m365")],
    users=[
        user("alice", given_name="Alice", surname="Ng", display_name="Alice Ng", mail="alice@contoso.com",
             usage_location="US", licences=["DYN"], admin_roles=[], custom_attributes={"dept": "Sales", "level": 3},
             password="Fuzz-Pass-2026!"),
        user("bob", display_name="Bob Lee", usage_location="GB", licences=["E3"], enabled=True, user_type="Member",
             deleted=None),
        user("kim_fabrikam.com#EXT#", user_type="Guest", home_tenant_licences=["DYN"]),
    ],
    groups=[{"name": "Sales-Env", "type": "security", "members": [f"alice@{DOMAIN}", "Interns"],
             "owners": [f"bob@{DOMAIN}"]},
            {"name": "Interns", "members": [f"bob@{DOMAIN}"]},
            {"name": "Team-Group", "type": "m365", "members": [f"alice@{DOMAIN}"]}],
    apps=[{"name": "ERP connector", "app_id": "00000000-0000-0000-0000-000000000001"}],
    environments=[
        {"name": "Sales", "type": "Production", "security_group": "Sales-Env", "app_pass_capacity": 1},
        {"name": "Team", "type": "Teams", "teams_group": "Team-Group"},
        {"name": "Onprem", "deployment": "on_premises", "ad_users": [{"logon_name": "CONTOSO\\ann", "first_name": "Ann"}]},
    ],
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


PATHS = list(_paths(BASE))
KEYS = sorted({k for table in (tenant_file.TOP_KEYS, tenant_file.TENANT_KEYS, tenant_file.SKU_KEYS,
                               tenant_file.USER_KEYS, tenant_file.GROUP_KEYS, tenant_file.APP_KEYS,
                               tenant_file.ENV_KEYS, tenant_file.AD_USER_KEYS) for k in table})
# Values the file's vocabulary knows, so that many examples get past the shape checks to the rules.
VOCABULARY = ["", "DYN", "E3", "Sales-Env", "Interns", "Team-Group", "Sales", "Production", "Default", "Teams",
              "Developer", "Sandbox", "security", "m365", "dataverse", "office", "soft", "hard", "Member", "Guest",
              "US", "usa", "standard", "app_pass", "online", "on_premises", "Global Administrator",
              "User Administrator", f"alice@{DOMAIN}", f"bob@{DOMAIN}", f"new@{DOMAIN}", "ghost@fabrikam.com",
              "00000000-0000-0000-0000-000000000002", "not a guid", "Fuzz-Pass-2026!", "a", f"bob@{DOMAIN}"]
NASTY_TEXT = ["\x00", "bad\x00name", "Esc\x1b]0;pwned\x07Name", "\x1b[2J", "\u202eevil", "tab\there", "line\nbreak",
              "\x85", "A" * 257, "B" * 1025, "C" * 100_001, " padded ", "😀", "\ufffd"]
LONE_SURROGATE = "lone\ud800surrogate"  # JSON's \ud800 escape reads as one; no browser or UTF-8 file holds it
HUGE_NUMBERS = [2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, -1, 10**4000]

texts = st.one_of(st.sampled_from(VOCABULARY), st.sampled_from([*NASTY_TEXT, LONE_SURROGATE]), st.text(max_size=12),
                  st.text(alphabet=st.characters(max_codepoint=0x2070), min_size=1, max_size=8))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.sampled_from(HUGE_NUMBERS),
                    st.floats(allow_nan=True, allow_infinity=True), texts, st.just(DEEP))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.one_of(st.sampled_from(KEYS), texts), inner, max_size=3), max_leaves=6)


def _container(data, path):
    """The object or list at `path`, or None when an earlier change removed it."""
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


@st.composite
def tenant_files(draw) -> str:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        op = draw(st.sampled_from(["replace", "replace", "add", "delete"]))
        if not path:
            data = draw(json_values) if op == "replace" else data
            continue
        parent = _container(data, path[:-1])
        if parent is None or isinstance(parent, (str, int, float, bool)):
            continue
        step = path[-1]
        if isinstance(parent, dict):
            if op == "add":
                parent[draw(st.one_of(st.sampled_from(KEYS), texts))] = draw(json_values)
            elif op == "delete":
                parent.pop(step, None)
            else:
                parent[step] = draw(json_values)
        elif isinstance(parent, list) and isinstance(step, int) and step < len(parent):
            if op == "add":
                parent.append(draw(json_values))
            elif op == "delete":
                del parent[step]
            else:
                parent[step] = draw(json_values)
    text = json.dumps(data, allow_nan=True)
    depth = draw(st.sampled_from([1, 50, 999, 3000, 100_000]))
    text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth)
    if draw(st.integers(0, 9)) == 0:  # a file cut off part-way
        text = text[:draw(st.integers(0, len(text)))]
    return text



@pytest.fixture
def base_file(tmp_path):
    path = tmp_path / "base.json"
    path.write_text(json.dumps(BASE))
    return path


@given(text=tenant_files())
def test_a_malformed_tenant_file_loads_or_is_one_error_line_with_nothing_written(text, base_file, tmp_path):
    path = tmp_path / "fuzz.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        with transaction.atomic():
            assert run_command("load_tenant", str(base_file))[0] == 0
            before = row_counts()
            code, out, err = run_command("load_tenant", str(path))  # any exception but the command's SystemExit fails the test
            if code != 0:
                assert code == 1 and out == ""
                assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
                assert not any(c in err for c in "\x00\x07\x1b\x85\u202e"), err  # printable, whatever the file held
                assert row_counts() == before
            raise Rollback
    except Rollback:
        pass


# --- CSV imports ------------------------------------------------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(["Fourth Coffee", "Litware, Inc.", '"quoted"', "", " ", "N" * 160, "N" * 161, "N" * 200_000,
                     portal_upn("plain"), portal_upn("olivia"), "ghost@fabrikam.com", "no-at-sign",
                     "g" * 65 + "@f.com", "x@" + "y" * 120, "=cmd|' /C calc'!A0"]),
    st.sampled_from(NASTY_TEXT), st.text(max_size=10))
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=3), max_size=6)
HEADERS = st.sampled_from(["name,owner", "Name, Owner", "name", "owner,name", "name,owner,extra", "", "\ufeffname,owner"])


@st.composite
def csv_texts(draw) -> str:
    header, rows = draw(HEADERS), draw(ROWS)
    if draw(st.booleans()):  # well-quoted CSV
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
        writer.writerows(rows)
        body = buffer.getvalue()
    else:  # cells joined by hand: unbalanced quotes, stray separators
        body = "".join(",".join(row) + draw(st.sampled_from(["\n", "\r\n", "\r", ""])) for row in rows)
    return header + "\n" + body


@given(text=csv_texts(), as_file=st.booleans())
def test_a_csv_import_answers_a_page_and_writes_nothing_on_refusal(text, as_file, portal_tenant, sign_in):
    """Preview then import, as the screens do them: each answers 200 (an HTMX fragment with the
    result or a message), never an exception; the import either imports every row or nothing."""
    from users_app.models import Account
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = sign_in("global")
    env = portal_tenant["sales"]
    try:
        with transaction.atomic():
            before = row_counts()
            if as_file:
                upload = SimpleUploadedFile("a.csv", text.encode("utf-8", "surrogatepass"), content_type="text/csv")
                data = {"file": upload}
            else:
                data = {"csv_text": text}
            preview = client.post(reverse("imports:data_import_preview", args=[env.environment_id]), data, **HX)
            assert preview.status_code == 200
            assert row_counts() == before  # the preview never writes
            imported = client.post(reverse("imports:data_import", args=[env.environment_id]),
                                   {"csv_text": text, "confirm": "1"}, **HX)
            assert imported.status_code == 200
            after = row_counts()
            if "Imported " in imported.content.decode():
                assert after["users_app.Account"] > before["users_app.Account"]
            else:
                assert after == before, imported.content.decode()[-500:]
                assert Account.objects.count() == before["users_app.Account"]
            raise Rollback
    except Rollback:
        pass
