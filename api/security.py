"""Passwords (argon2), API bearer tokens and CSRF tokens."""

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        # Spend the same time as a real check so that unknown accounts are not revealed.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def make_token(secret: str, person_id: int, salt: str = "api-token") -> str:
    return _serializer(secret, salt).dumps({"sub": person_id})


def read_token(secret: str, token: str, max_age: int, salt: str = "api-token") -> int | None:
    try:
        data = _serializer(secret, salt).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    sub = data.get("sub") if isinstance(data, dict) else None
    return sub if isinstance(sub, int) else None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
