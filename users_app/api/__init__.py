"""The Microsoft-compatible APIs: the same services and rules as the portal's screens, for
scripts and Microsoft's SDKs.

- oauth.py: the token endpoint (`POST /{tenant}/oauth2/v2.0/token`), in the identity platform's shape.
- tokens.py: signed, expiring JWTs (joserfc) for app registrations and directory users.
- callers.py: who a bearer token is (an app registration or a directory user) and the audit actor
  it acts as, so admin-role limits (DIR-05) and the audit log apply to API writes unchanged.
- endpoint.py: `api_view`: bearer authentication, the actor, and every failure in the API's own
  error shape (no traceback, no 500 page ever reaches a script).
- errors.py: the three error shapes (Graph, Dataverse, Power Platform admin).
- odata.py: OData query options ($select, $filter through odata-query, $orderby, $top) and keyset
  paging with absolute nextLinks, so that a page costs the same at any depth of a large list.
- graph/, dataverse/, powerplatform/: the three APIs.
"""
