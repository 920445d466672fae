"""Secrets handed to callers (session tokens, API keys) and how they are stored.

Secrets are 256 random bits, so a SHA-256 digest is enough to store them: unlike passwords
they cannot be guessed, and a fast digest keeps every authenticated request cheap.
Passwords get argon2 (infra/auth/passwords.py).
"""

from __future__ import annotations

import hashlib
import secrets

SESSION_PREFIX = "fys_"
API_KEY_PREFIX = "fyk_"


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
