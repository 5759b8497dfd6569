"""The rules reference: the catalogue covers every rule ID, docs/rules.md is what the command
writes today (it goes stale when code or tests move), and the portal serves the same text at
/rules/ and /rules/<ID>/, linked from Run diagnostics (DIAG-01)."""
import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from tests.conftest import portal_upn, run_command
from users_app.models import SystemUser
from users_app.provisioning.rules import catalogue
from users_app.provisioning.rules.ids import ALL_RULE_IDS

ROOT = Path(settings.BASE_DIR)
HX = {"HTTP_HX_REQUEST": "true"}


# --- the catalogue -------------------------------------------------------------------------------


def test_catalogue_explains_every_rule_id_once():
    ids = [entry.rule_id for entry in catalogue.ENTRIES]
    assert sorted(ids) == sorted(ALL_RULE_IDS) and len(ids) == len(set(ids)) == 72
    prefixes = [family.prefix for family in catalogue.FAMILIES]
    for entry in catalogue.ENTRIES:
        assert entry.rule_id.rsplit("-", 1)[0] == entry.family and entry.family in prefixes
        assert entry.title and len(entry.title) <= 60, entry.rule_id
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", entry.decides.strip()) if s]
        assert 1 <= len(sentences) <= 3 and entry.decides.endswith("."), entry.rule_id


def test_catalogue_is_pure_data():
    """No Django import: the reference can be read without a configured project."""
    tree = ast.parse(Path(catalogue.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "typing"}


# --- docs/rules.md -------------------------------------------------------------------------------


def test_docs_rules_md_is_current():
    """docs/rules.md is generated from the rules package and the tests; regenerate it with
    `python manage.py rules_reference` when this fails."""
    code, out, err = run_command("rules_reference", "--check")
    assert (code, err) == (0, ""), err


def test_check_refuses_a_stale_file_with_one_error_line(tmp_path):
    target = tmp_path / "rules.md"
    target.write_text("# Rules reference\n\nedited by hand\n")
    code, out, err = run_command("rules_reference", "--check", "--output", str(target))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: rules.md: stale")
    assert target.read_text() == "# Rules reference\n\nedited by hand\n"  # --check writes nothing
    code, *_ = run_command("rules_reference", "--check", "--output", str(tmp_path / "missing.md"))
    assert code == 1


def test_generated_reference_is_deterministic_and_complete(tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    assert run_command("rules_reference", "--output", str(first))[0] == 0
    assert run_command("rules_reference", "--output", str(second))[0] == 0
    text = first.read_text()
    assert text == second.read_text()
    assert run_command("rules_reference", "--check", "--output", str(first))[0] == 0
    headings = re.findall(r"^### ([A-Z]+-\d+): ", text, re.MULTILINE)
    assert sorted(headings) == sorted(ALL_RULE_IDS)
    assert "## System Administrator of an environment" in text and "holds_system_administrator" in text


def _section(text: str, rule_id: str) -> str:
    return text.split(f"### {rule_id}: ", 1)[1].split("\n### ", 1)[0]


def test_reference_finds_the_deciding_code_and_the_naming_tests(tmp_path):
    """DIR-06: the group-cycle check lives in the rules package; this test names the rule in its
    docstring, so the reference lists it among DIR-06's tests."""
    target = tmp_path / "rules.md"
    run_command("rules_reference", "--output", str(target))
    section = _section(target.read_text(), "DIR-06")
    decided = next(line for line in section.splitlines() if line.startswith("- **Decided in**"))
    rules_dir = Path(catalogue.__file__).parent.relative_to(ROOT).as_posix()
    assert f"[`{rules_dir}/" in decided and "check_no_group_cycle" in decided
    tests = next(line for line in section.splitlines() if line.startswith("- **Named by tests**"))
    assert "tests/docs/test_rules_reference.py" in tests
    assert "test_reference_finds_the_deciding_code_and_the_naming_tests" in tests


# --- the pages -----------------------------------------------------------------------------------


def test_rule_list_shows_every_rule_by_family(portal_tenant, sign_in):
    response = sign_in("plain").get(reverse("rules:rule_list"))
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    for family in catalogue.FAMILIES:
        assert f'id="family-{family.prefix.lower()}"' in page
    for rule_id in ALL_RULE_IDS:
        assert f'href="{reverse("rules:rule_detail", args=[rule_id])}"' in page
    assert "System Administrator of an environment" in page


def test_rule_list_htmx_fragment(portal_tenant, sign_in):
    response = sign_in("plain").get(reverse("rules:rule_list"), **HX)
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert text.lstrip().startswith('<div id="rule-families">')


def test_rule_detail_full_page_and_fragment(portal_tenant, sign_in):
    client = sign_in("plain")
    url = reverse("rules:rule_detail", args=["MODE-03"])
    page = client.get(url).content.decode()
    entry = catalogue.BY_ID["MODE-03"]
    assert "<html" in page and f"MODE-03: {entry.title}" in page
    assert f'href="{reverse("rules:rule_detail", args=["MODE-02"])}"' in page  # previous in the family
    fragment = client.get(url, **HX).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="rule" data-rule="MODE-03">')


def test_unknown_rule_is_404(portal_tenant, sign_in):
    assert sign_in("plain").get(reverse("rules:rule_detail", args=["NOPE-01"])).status_code == 404


def test_rule_pages_need_a_signed_in_user(client):
    for url in (reverse("rules:rule_list"), reverse("rules:rule_detail", args=["DIR-01"])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("signin") in response["Location"]


# --- the filter and the diagnostics screen -------------------------------------------------------


def test_rule_link_filter_links_known_ids_only():
    template = Template("{% load rules %}{{ value|rule_link }}")
    linked = template.render(Context({"value": "ELIG-04"}))
    assert linked.startswith(f'<a class="rule-chip" href="{reverse("rules:rule_detail", args=["ELIG-04"])}"')
    assert template.render(Context({"value": "not-found"})) == "not-found"
    assert template.render(Context({"value": "XYZ-99"})) == "XYZ-99"
    assert template.render(Context({"value": "<b>"})) == "&lt;b&gt;"
    sentence = Template("{% load rules %}{{ value|rule_links }}").render(Context({"value": "see ELIG-03 & XYZ-01"}))
    assert reverse("rules:rule_detail", args=["ELIG-03"]) in sentence and "&amp; XYZ-01" in sentence


def test_run_diagnostics_links_each_check_to_its_rule(portal_tenant, sign_in):
    """DIAG-01: every check's rule ID in the diagnostics panel opens its explanation."""
    sales = portal_tenant["sales"]
    target = SystemUser.objects.get(environment=sales, domainname__iexact=portal_upn("plain"))
    url = reverse("users:environment_user_diagnose", args=[sales.environment_id, target.systemuserid])
    text = sign_in("global").post(url, **HX).content.decode()
    for rule_id in ("ELIG-01", "ELIG-02", "ELIG-03", "ELIG-04", "ELIG-05", "ELIG-06", "ROLE-01"):
        assert f'data-rule="{rule_id}"' in text
        assert f'href="{reverse("rules:rule_detail", args=[rule_id])}"' in text
