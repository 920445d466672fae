"""Organisations, staff users, sessions and API keys: creating them and checking credentials."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Update, func, insert, select, update
from sqlalchemy import null as sql_null
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.actors import Actor, ActorKind
from domain.customers.contact import Email, clean_email
from domain.customers.customer import FIRST_REFERENCE_NUMBER
from domain.errors import InvalidCredentials, InvalidInput, NotFound, ProblemCollector
from domain.roles import Role, effective_roles
from domain.tenancy import clean_tenant, slug_for
from domain.text import clean_text
from infra.auth.passwords import Passwords, hash_password
from infra.auth.secrets import API_KEY_PREFIX, SESSION_PREFIX, digest, new_secret
from infra.auth.throttle import LoginAttempt, LoginThrottle
from infra.clock import utc_now
from infra.db import tables as t

MIN_PASSWORD_LENGTH = 10


def _roles_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(r.value for r in roles))


def _roles(text: str) -> frozenset[Role]:
    return effective_roles(Role(r) for r in text.split(",") if r)


async def create_tenant(engine: AsyncEngine, name: str, currency: str = "GBP") -> str:
    """Create an organisation and return its slug (made unique with a number if needed)."""
    cleaned, code = clean_tenant(name, currency)
    async with engine.begin() as db:
        base = slug_for(cleaned)
        taken = set(
            (
                await db.execute(select(t.tenant.c.slug).where(t.tenant.c.slug.like(f"{base}%")))
            ).scalars()
        )
        slug = base
        n = 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        await db.execute(
            insert(t.tenant).values(
                slug=slug,
                name=cleaned,
                currency=code,
                next_customer_number=FIRST_REFERENCE_NUMBER,
                created_at=utc_now(),
            )
        )
    return slug


async def tenant_id_for(db: AsyncConnection, slug: str) -> int:
    tenant_id = (
        await db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == slug))
    ).scalar_one_or_none()
    if tenant_id is None:
        raise NotFound(f"Organisation {slug!r}", ("org",))
    return int(tenant_id)


async def create_user(
    engine: AsyncEngine,
    slug: str,
    email: str,
    password: str,
    roles: frozenset[Role],
    name: str | None = None,
) -> int:
    problems = ProblemCollector()
    cleaned = clean_email(problems, ("email",), Email(email))
    display = clean_text(problems, ("name",), name) or email
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.add(("password",), f"Must be at least {MIN_PASSWORD_LENGTH} characters.")
    problems.raise_if_any()
    assert cleaned is not None
    password_hash = await asyncio.to_thread(hash_password, password)
    async with engine.begin() as db:
        tenant_id = await tenant_id_for(db, slug)
        if (
            await db.execute(
                select(t.staff_user.c.id).where(
                    func.lower(t.staff_user.c.email) == cleaned.address.lower()
                )
            )
        ).first():
            raise InvalidInput.at(("email",), "A user with that email already exists.")
        return int(
            (
                await db.execute(
                    insert(t.staff_user)
                    .values(
                        tenant_id=tenant_id,
                        email=cleaned.address.lower(),
                        name=display,
                        password_hash=password_hash,
                        roles=_roles_text(roles),
                        active=True,
                        created_at=utc_now(),
                    )
                    .returning(t.staff_user.c.id)
                )
            ).scalar_one()
        )


async def create_api_key(
    engine: AsyncEngine, slug: str, roles: frozenset[Role], name: str = "API key"
) -> str:
    """Create an API key and return its secret: the only time it is ever shown."""
    secret = new_secret(API_KEY_PREFIX)
    async with engine.begin() as db:
        tenant_id = await tenant_id_for(db, slug)
        await db.execute(
            insert(t.api_key).values(
                tenant_id=tenant_id,
                name=name,
                prefix=secret[:10],
                secret_hash=digest(secret),
                roles=_roles_text(roles),
                created_at=utc_now(),
            )
        )
    return secret


async def revoke_api_key(engine: AsyncEngine, slug: str, key: str) -> None:
    """Revoke a key given its secret or the prefix shown when it was listed."""
    async with engine.begin() as db:
        tenant_id = await tenant_id_for(db, slug)
        k = t.api_key.c
        match = (k.secret_hash == digest(key)) | (k.prefix == key)
        result = await db.execute(
            update(t.api_key)
            .where(k.tenant_id == tenant_id, match, k.revoked_at.is_(None))
            .values(revoked_at=utc_now())
        )
        if result.rowcount == 0:
            raise NotFound("API key", ("key",))
        await credentials_revoked(db, tenant_id)


async def list_api_keys(engine: AsyncEngine, slug: str) -> list[Any]:
    async with engine.connect() as db:
        tenant_id = await tenant_id_for(db, slug)
        return list(
            (
                await db.execute(
                    select(t.api_key)
                    .where(t.api_key.c.tenant_id == tenant_id)
                    .order_by(t.api_key.c.id)
                )
            ).all()
        )


async def log_in(
    engine: AsyncEngine,
    passwords: Passwords,
    throttle: LoginThrottle,
    attempt: LoginAttempt,
    password: str,
    hours: int,
) -> tuple[str, Any]:
    """Return a new session token and its expiry, or raise InvalidCredentials (or RateLimited,
    before the password is checked, after too many failures)."""
    await throttle.admit(engine, attempt)
    async with engine.connect() as db:
        user = (
            await db.execute(
                select(t.staff_user).where(
                    t.staff_user.c.email == attempt.email.strip().lower(),
                    t.staff_user.c.active.is_(True),
                )
            )
        ).first()
    # No connection is held while the password is checked: that takes a tenth of a second.
    if not await passwords.matches(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials()
    token, now = new_secret(SESSION_PREFIX), utc_now()
    expires = now + timedelta(hours=hours)
    async with engine.begin() as db:
        await db.execute(
            insert(t.staff_session).values(
                tenant_id=user.tenant_id,
                user_id=user.id,
                token_hash=digest(token),
                created_at=now,
                expires_at=expires,
            )
        )
        await throttle.forgive(db, attempt)
    return token, expires


async def log_out(engine: AsyncEngine, token: str) -> None:
    async with engine.begin() as db:
        revoked = await db.execute(
            update(t.staff_session)
            .where(
                t.staff_session.c.token_hash == digest(token),
                t.staff_session.c.revoked_at.is_(None),
            )
            .values(revoked_at=utc_now())
            .returning(t.staff_session.c.tenant_id)
        )
        for tenant_id in revoked.scalars().all():
            await credentials_revoked(db, tenant_id)


async def credentials_revoked(db: AsyncConnection, tenant_id: int) -> None:
    await db.execute(revocation(tenant_id))


def revocation(tenant_id: int) -> Update:
    """Tells every API process that remembers callers of this organisation to look again."""
    generation = t.tenant.c.credentials_generation
    return update(t.tenant).where(t.tenant.c.id == tenant_id).values({generation: generation + 1})


@dataclass(frozen=True)
class Caller:
    actor: Actor
    currency: str
    """The organisation's currency, read with the caller: every amount a request shows is
    in it, and one look-up here saves one per amount."""
    generation: int = 0
    """The organisation's credentials generation when the caller was read."""
    expires_at: datetime | None = None
    """A session's end; an API key has none."""


async def actor_for(db: AsyncConnection, bearer: str) -> Caller | None:
    """The staff user or API key a bearer token belongs to, or None when it is unknown,
    expired or revoked."""
    hashed = digest(bearer)
    if bearer.startswith(SESSION_PREFIX):
        s, u = t.staff_session.c, t.staff_user.c
        row = (
            await db.execute(
                select(
                    u.id,
                    u.tenant_id,
                    u.email,
                    u.roles,
                    t.tenant.c.currency,
                    t.tenant.c.credentials_generation,
                    s.expires_at,
                )
                .join(t.staff_session, s.user_id == u.id)
                .join(t.tenant, t.tenant.c.id == u.tenant_id)
                .where(
                    s.token_hash == hashed,
                    s.revoked_at.is_(None),
                    s.expires_at > utc_now(),
                    u.active.is_(True),
                )
            )
        ).first()
        kind = ActorKind.USER
    elif bearer.startswith(API_KEY_PREFIX):
        k = t.api_key.c
        row = (
            await db.execute(
                select(
                    k.id,
                    k.tenant_id,
                    (k.name + " (" + k.prefix + "…)").label("email"),
                    k.roles,
                    t.tenant.c.currency,
                    t.tenant.c.credentials_generation,
                    sql_null().label("expires_at"),
                )
                .join(t.tenant, t.tenant.c.id == k.tenant_id)
                .where(k.secret_hash == hashed, k.revoked_at.is_(None))
            )
        ).first()
        kind = ActorKind.API_KEY
    else:
        return None
    if row is None:
        return None
    actor = Actor(kind, row.id, row.email, row.tenant_id, _roles(row.roles))
    return Caller(actor, row.currency, row.credentials_generation, row.expires_at)
