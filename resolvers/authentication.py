"""Turning an `Authorization` header into the caller, once per request."""

from __future__ import annotations

from dataclasses import dataclass

from domain.actors import Actor
from infra.auth.caller_cache import CallerCache
from infra.db.snapshot import RequestReads


@dataclass(frozen=True)
class Credentials:
    actor: Actor | None
    problem: str | None
    bearer: str | None
    currency: str | None = None


async def authenticate(
    reads: RequestReads, callers: CallerCache, authorization: str | None, writes: bool = False
) -> Credentials:
    """`writes`: the request is a mutation (infra/auth/caller_cache.py)."""
    if not authorization:
        return Credentials(None, None, None)
    scheme, _, bearer = authorization.partition(" ")
    bearer = bearer.strip()
    if scheme.lower() != "bearer" or not bearer:
        return Credentials(None, "The Authorization header must be `Bearer <token>`.", None)
    caller = await callers.caller_for(reads, bearer, writes)
    if caller is None:
        return Credentials(None, "The token is unknown, expired or revoked.", bearer)
    return Credentials(caller.actor, None, bearer, caller.currency)
