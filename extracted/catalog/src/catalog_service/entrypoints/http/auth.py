"""Bearer tokens: the shop's HS256 JWTs, verified with the shop's key (until step 6 moves
identity out, the monolith issues them). The role is the token's claim (ADR-0017)."""

import uuid

import jwt
from fastapi import Request

from catalog_service.entrypoints.http.problems import ApiProblem

_ISSUER = "shop"
_ALGORITHM = "HS256"


def require_admin(request: Request, secret: str) -> uuid.UUID:
    """The admin's customer id; 401 without a valid token, 403 for a customer's."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem("unauthorized", "Send a bearer token: Authorization: Bearer <token>.")
    try:
        claims = jwt.decode(
            token.strip(),
            secret,
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
        subject = uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as error:
        raise ApiProblem("unauthorized", "The bearer token is invalid or expired.") from error
    if claims.get("role") != "admin":
        raise ApiProblem("forbidden", "This needs the admin role.")
    return subject
