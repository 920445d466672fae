"""Secrets handed to callers (session tokens, API keys) and how they are stored.

Secrets are 256 random bits, so a SHA-256 digest is enough to store them: unlike passwords
they cannot be guessed, and a fast digest keeps every authenticated request cheap.
Passwords get argon2.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SESSION_PREFIX = "fys_"
API_KEY_PREFIX = "fyk_"
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the email is unknown, so a wrong email takes as long as a wrong
    password and does not reveal which emails have accounts."""
    return _hasher.hash("not a password")


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
