"""Signed, expiring bearer tokens (JWT, HS256) made and checked with joserfc.

The signing key is derived from the install's SECRET_KEY, so every web process of one install
accepts the tokens of the others and a new key makes every token invalid. Two kinds:
- app: client credentials of an app registration (`idtyp` "app", `appid` its client id, `roles`
  the application permissions granted to it);
- user: a directory user (`idtyp` "user", `oid` its object id, `upn`), from the password grant or
  the portal's Developers page.
Claims follow the Microsoft identity platform's access tokens where they exist.
"""
from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import OctKey

ALGORITHM = "HS256"
LIFETIME_SECONDS = 3600  # as the identity platform's default access token
APP, USER = "app", "user"


class TokenRejected(Exception):
    """The bearer token is missing, malformed, badly signed or expired: `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _key() -> OctKey:
    secret = hmac.new(settings.SECRET_KEY.encode(), b"portal-api-tokens", hashlib.sha256).digest()
    return OctKey.import_key(secret)


def issuer(tenant_id) -> str:
    return f"https://login.microsoftonline.com/{tenant_id}/v2.0"


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    claims: dict


def issue(*, kind: str, tenant_id, object_id, name: str, app_id=None, roles=(), scope: str = "",
          lifetime: int = LIFETIME_SECONDS) -> Issued:
    """A token for an app registration (kind APP: object_id is its object id, app_id its client id,
    roles its application permissions) or a directory user (kind USER: object_id its object id)."""
    now = int(time.time())
    claims = {
        "iss": issuer(tenant_id), "tid": str(tenant_id), "iat": now, "nbf": now, "exp": now + lifetime,
        "jti": str(uuid.uuid4()), "idtyp": kind, "oid": str(object_id), "sub": str(object_id), "name": name,
    }
    if app_id is not None:
        claims["appid"] = str(app_id)
    if kind == APP:
        claims["roles"] = sorted(roles)
    else:
        claims["upn"] = name
        claims["scp"] = scope or "user_impersonation"
    token = jwt.encode({"alg": ALGORITHM, "typ": "JWT"}, claims, _key(), algorithms=[ALGORITHM])
    return Issued(token, lifetime, claims)


_REGISTRY = jwt.JWTClaimsRegistry(
    exp={"essential": True}, iat={"essential": True}, oid={"essential": True},
    idtyp={"essential": True, "values": [APP, USER]},
)


def verify(token: str) -> dict:
    """The claims of a valid token; TokenRejected otherwise."""
    try:
        decoded = jwt.decode(token, _key(), algorithms=[ALGORITHM])
        _REGISTRY.validate(decoded.claims)
    except jose_errors.ExpiredTokenError:
        raise TokenRejected("The token is expired.") from None
    except jose_errors.JoseError as error:
        raise TokenRejected(f"The token is not valid ({error.error}).") from None
    except ValueError:
        raise TokenRejected("The token is not valid.") from None
    return decoded.claims
