"""No 500 ever: odd bodies, keys and query options on the Graph users endpoints each get a 400 or
a 404 in Graph's shape (both databases: PostgreSQL refuses mismatched comparisons SQLite allows)."""
from __future__ import annotations

import itertools

from tests.conftest import portal_upn

VALUES = [None, True, 5, 1.5, "", "x", "US", "a" * 3000, [], ["x"], {}, {"password": 5}, "\x00", "é@x",
          "00000000-0000-0000-0000-000000000000"]
PROPS = ["accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile", "usageLocation",
         "businessPhones", "userType", "city", "mail", "givenName"]
KEYS = ["%00", "a" * 2000, "x@" + "y" * 300, "%20", "'", "@"]
QUERIES = ["$filter=displayName eq 'é%00'", '$search="displayName:%00"', '$search="displayName:%25_"',
           "$orderby=displayName,userPrincipalName desc", "$select=", "$top=-1", "$count=maybe",
           "$filter=not accountEnabled", "$filter=city eq null or length(displayName) gt 3", "$filter=displayName eq city",
           "$filter=id eq 00000000-0000-0000-0000-000000000000"]


def test_odd_input_never_gets_a_500(portal_tenant, api):
    from users_app.models import DirectoryUser

    token = api.user_token("global")
    olivia = str(DirectoryUser.objects.get(user_principal_name=portal_upn("olivia")).pk)
    base = {"accountEnabled": True, "displayName": "F", "mailNickname": "f", "userPrincipalName": "f@contoso.onmicrosoft.com",
            "passwordProfile": {"password": "Xx-Pass-2026!"}}
    answers = []
    for prop, value in itertools.product(PROPS, VALUES):
        answers.append((prop, value, api.post("/v1.0/users", token, {**base, prop: value})))
        answers.append((prop, value, api.patch(f"/v1.0/users/{olivia}", token, {prop: value})))
    for add, remove in itertools.product(VALUES, VALUES[:6]):
        body = {"addLicenses": add, "removeLicenses": remove}
        answers.append(("assignLicense", body, api.post(f"/v1.0/users/{olivia}/assignLicense", token, body)))
    for key in KEYS:
        answers.append(("key", key, api.get(f"/v1.0/users/{key}", token)))
        answers.append(("key", key, api.post(f"/v1.0/directory/deletedItems/{key}/restore", token)))
    for query in QUERIES:
        answers.append(("query", query, api.client.get("/v1.0/users?" + query, HTTP_AUTHORIZATION=f"Bearer {token}",
                                                      HTTP_CONSISTENCYLEVEL="eventual")))
    failed = [(what, value, r.status_code) for what, value, r in answers if r.status_code >= 500]
    assert not failed
    assert all(r["Content-Type"].startswith("application/json") for *_, r in answers if r.status_code >= 400)
    assert all("error" in r.json() for *_, r in answers if r.status_code >= 400)
