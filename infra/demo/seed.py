"""The demo organisation: created once, with its staff user, a few hundred customers and a
fresh API key each start (the old demo keys are revoked, so one key is ever live)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.roles import Role
from infra.auth.accounts import create_api_key, create_tenant, create_user, revocation
from infra.clock import utc_now
from infra.db import tables as t
from infra.demo.generator import generate_customers

DEMO_SLUG = "foyer-demo-theatre"
DEMO_NAME = "Foyer Demo Theatre"
DEMO_EMAIL = "demo@foyer.example"
DEMO_PASSWORD = "foyer-demo-password"
DEMO_KEY_NAME = "Demo key"
DEMO_CUSTOMERS = 300
ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class DemoLogin:
    slug: str
    email: str
    password: str
    api_key: str
    created: bool


async def ensure_demo(engine: AsyncEngine, sync_engine: Engine) -> DemoLogin:
    with sync_engine.connect() as db:
        exists = db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == DEMO_SLUG)).first()
    created = exists is None
    if created:
        slug = await create_tenant(engine, DEMO_NAME, "GBP")
        await create_user(engine, slug, DEMO_EMAIL, DEMO_PASSWORD, ALL_ROLES, "Demo Staff")
        with sync_engine.connect() as db:
            tenant_id = db.execute(
                select(t.tenant.c.id).where(t.tenant.c.slug == slug)
            ).scalar_one()
        generate_customers(sync_engine, tenant_id, DEMO_CUSTOMERS, seed=2026)
    else:
        with sync_engine.begin() as db:
            db.execute(
                update(t.api_key)
                .where(
                    t.api_key.c.tenant_id == exists.id,
                    t.api_key.c.name == DEMO_KEY_NAME,
                    t.api_key.c.revoked_at.is_(None),
                )
                .values(revoked_at=utc_now())
            )
            db.execute(revocation(exists.id))
    key = await create_api_key(engine, DEMO_SLUG, ALL_ROLES, DEMO_KEY_NAME)
    return DemoLogin(DEMO_SLUG, DEMO_EMAIL, DEMO_PASSWORD, key, created)
