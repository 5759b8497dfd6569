"""The Licences page says plainly what the tenant Marketing licence keeps and what it does not (B20, ELIG-03 c)."""
from django.urls import reverse

from users_app.services.directory import tenant_update


def test_licences_page_says_what_the_marketing_licence_keeps_b20(portal_tenant, sign_in):
    tenant_update(marketing_licence=True)
    text = sign_in("global").get(reverse("m365:licence_list")).content.decode()
    assert "users without a Power Apps or Dynamics 365 licence keep" in text
    assert "background sync never adds or enables anyone on its strength" in text
    assert "If you remove it" in text and 'href="/rules/ELIG-03/"' in text
    assert "The background sync does not use it" not in text
