"""Passwords (argon2), API bearer tokens, what a session cookie says, and CSRF tokens.

A token and a session cookie both carry the person's id and their session version
(`Person.session_version`) at the time they were issued; `api.deps` signs someone in only
while the two versions still agree, so raising the version ends every earlier cookie and token.
Cookies and tokens from before versions existed read as version 0: they stop working at the
person's first sign-out, password change or "sign out everywhere".
"""

import functools
import hmac
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

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


def _claims(data: object) -> tuple[int, int] | None:
    """(person id, session version) from a token's or a cookie's content, if well formed."""
    if not isinstance(data, dict):
        return None
    sub, version = data.get("sub"), data.get("sv", 0)
    if type(sub) is not int or type(version) is not int:
        return None
    return sub, version


def make_token(secret: str, person_id: int, session_version: int, salt: str = "api-token") -> str:
    return _serializer(secret, salt).dumps({"sub": person_id, "sv": session_version})


def read_token(secret: str, token: str, max_age: int, salt: str = "api-token") -> tuple[int, int] | None:
    """(person id, session version) of a valid token, None for a forged or expired one."""
    signed = _signed_claims(secret, salt, token)
    if signed is None or time.time() - signed[1] > max_age:
        return None
    return signed[0]


@functools.lru_cache(maxsize=4096)
def _signed_claims(secret: str, salt: str, token: str) -> tuple[tuple[int, int], int] | None:
    """(claims, issued at) of a token whose signature holds. A voter sends the same token with
    every request: its signature is checked once (key derivation, HMAC, base64, JSON cost more
    than the vote's own statements), its age on every use. Only the exact same string hits:
    a token is never taken for another, and a forged one stays refused."""
    try:
        data, issued = _serializer(secret, salt).loads(token, return_timestamp=True)
    except BadSignature:
        return None
    claims = _claims(data)
    return None if claims is None else (claims, int(issued.timestamp()))


def start_session(cookie: dict, person_id: int, session_version: int) -> None:
    """Sign a browser in: a fresh session cookie naming the person and their session version
    (nothing kept from before, such as the CSRF token of whoever used the browser last)."""
    cookie.clear()
    cookie["pid"] = person_id
    cookie["sv"] = session_version


def read_session(cookie: dict) -> tuple[int, int] | None:
    """(person id, session version) the session cookie was issued for, if any."""
    return _claims({"sub": cookie.get("pid"), "sv": cookie.get("sv", 0)})


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
