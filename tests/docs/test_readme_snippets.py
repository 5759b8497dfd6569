"""The README's APIs section shows the same snippets as the portal's Developers page: both are
rendered by users_app/api/snippets.py, the README's with `make run`'s addresses (127.0.0.1, the
https port 8443, the `organizations` tenant, the CA at var/tls/ca.pem relative to the checkout)."""
from pathlib import Path

import pytest
from django.conf import settings

from users_app.api import snippets

README = Path(settings.BASE_DIR) / "README.md"
MAKE_RUN_URLS = snippets.urls_for(host="127.0.0.1", port=8443, tenant_id="organizations", ca_file="var/tls/ca.pem")


@pytest.mark.parametrize("name", list(snippets.all_snippets(MAKE_RUN_URLS)))
def test_the_readme_holds_the_developers_page_snippet(name):
    text = snippets.all_snippets(MAKE_RUN_URLS)[name].rstrip("\n")
    assert text in README.read_text(encoding="utf-8"), (
        f"README.md's APIs section no longer shows the {name} snippet of users_app/api/snippets.py: "
        "render it again with snippets.urls_for(host='127.0.0.1', port=8443, tenant_id='organizations', "
        "ca_file='var/tls/ca.pem')")


def test_the_readme_names_make_runs_https_port_and_ca():
    text = README.read_text(encoding="utf-8")
    assert "https://127.0.0.1:8443" in text and "var/tls/ca.pem" in text
    assert "REQUESTS_CA_BUNDLE" in text and "SSL_CERT_FILE" in text
