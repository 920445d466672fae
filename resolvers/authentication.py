"""Turning an `Authorization` header into the caller, once per request."""

from __future__ import annotations

from dataclasses import dataclass

from domain.actors import Actor
from infra.auth.accounts import actor_for
from resolvers.context import Services


@dataclass(frozen=True)
class Credentials:
    actor: Actor | None
    problem: str | None
    bearer: str | None


async def authenticate(services: Services, authorization: str | None) -> Credentials:
    if not authorization:
        return Credentials(None, None, None)
    scheme, _, bearer = authorization.partition(" ")
    bearer = bearer.strip()
    if scheme.lower() != "bearer" or not bearer:
        return Credentials(None, "The Authorization header must be `Bearer <token>`.", None)
    async with services.engine.connect() as db:
        actor = await actor_for(db, bearer)
    if actor is None:
        return Credentials(None, "The token is unknown, expired or revoked.", bearer)
    return Credentials(actor, None, bearer)
