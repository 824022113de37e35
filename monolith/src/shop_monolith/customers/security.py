"""Password hashing (Argon2id) and bearer tokens (signed JWTs)."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shop_monolith.shared.errors import AuthenticationFailed

_hasher = PasswordHasher()
_ALGORITHM = "HS256"
_ISSUER = "shop"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Principal:
    customer_id: uuid.UUID
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def issue_token(principal: Principal, *, secret: str, ttl_seconds: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(principal.customer_id),
        "role": principal.role,
        "iss": _ISSUER,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify_token(token: str, *, secret: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
        return Principal(customer_id=uuid.UUID(claims["sub"]), role=str(claims.get("role")))
    except (jwt.PyJWTError, ValueError, KeyError) as error:
        raise AuthenticationFailed(
            "unauthorized", "The bearer token is invalid or expired."
        ) from error
