"""Signed, expiring links for people who do not log in: a customer's preferences page, a
partner's download. A link carries what it opens and until when, signed with HMAC-SHA256
under the link secret; nothing about it is stored, so it cannot be looked up, only checked.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class LinkRefused(Exception):
    """A link that was altered, is of another purpose, or has expired."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "tampered")
        self.expired = expired


@dataclass(frozen=True)
class LinkSigner:
    secret: bytes

    def sign(self, purpose: str, claims: dict[str, Any], expires_at: datetime) -> str:
        body = {"p": purpose, "x": int(expires_at.timestamp()), **claims}
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{self._mac(payload)}"

    def verify(self, purpose: str, token: str, now: datetime) -> dict[str, Any]:
        """The link's claims; LinkRefused when it is not one we signed for `purpose`, or
        has expired (checked only once the signature holds, so expiry is never a guess)."""
        payload, _, mac = token.partition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise LinkRefused(expired=False)
        try:
            body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, binascii.Error):
            raise LinkRefused(expired=False) from None
        if not isinstance(body, dict) or body.get("p") != purpose:
            raise LinkRefused(expired=False)
        if int(body["x"]) <= now.timestamp():
            raise LinkRefused(expired=True)
        return body

    def expires(self, token: str) -> datetime:
        payload = token.partition(".")[0]
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(body["x"]), UTC)

    @functools.cached_property
    def _keyed(self) -> hmac.HMAC:
        """The HMAC with the key taken in, copied for each link: a mailing signs two links
        per message, and keying costs as much as the rest."""
        return hmac.new(self.secret, digestmod=hashlib.sha256)

    def _mac(self, payload: str) -> str:
        mac = self._keyed.copy()
        mac.update(payload.encode())
        return _b64(mac.digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def link_secret(configured: str, files_dir: Path) -> bytes:
    """The configured secret; on a bare laptop without one, a random one kept beside the
    files so links survive a restart and every process of one install agrees."""
    if configured:
        return configured.encode()
    path = files_dir / "link-secret"
    if not path.exists():
        files_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()
