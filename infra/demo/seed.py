"""The demo organisation: created once, with its staff user, a few hundred customers, a season
of sales and fundraising (infra/demo/season.py), and an API key that stays the same across
restarts in the same folder, so saved scripts and GraphiQL headers keep working. The key's
secret is kept in a file beside the database (only its hash is in the database, as for every
key); a new key is made, and the reason said, only when that file is missing or its key was
revoked."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.roles import Role
from infra.auth.accounts import create_api_key, create_tenant, create_user
from infra.auth.secrets import digest
from infra.db import tables as t
from infra.demo.generator import generate_customers
from infra.demo.season import load_season

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
    # Why the key is new, when it is: None when it is the one printed last time.
    new_key_reason: str | None = None


async def ensure_demo(engine: AsyncEngine, sync_engine: Engine, key_file: Path) -> DemoLogin:
    with sync_engine.connect() as db:
        exists = db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == DEMO_SLUG)).first()
    created = exists is None
    if created:
        slug = await create_tenant(engine, DEMO_NAME, "GBP")
        staff_id = await create_user(
            engine, slug, DEMO_EMAIL, DEMO_PASSWORD, ALL_ROLES, "Demo Staff"
        )
        with sync_engine.connect() as db:
            tenant_id = db.execute(
                select(t.tenant.c.id).where(t.tenant.c.slug == slug)
            ).scalar_one()
        generate_customers(sync_engine, tenant_id, DEMO_CUSTOMERS, seed=2026)
        await load_season(engine, sync_engine, tenant_id, staff_id)
    else:
        saved = _saved_key(sync_engine, exists.id, key_file)
        if isinstance(saved, _Live):
            return DemoLogin(DEMO_SLUG, DEMO_EMAIL, DEMO_PASSWORD, saved.secret, created)
    key = await create_api_key(engine, DEMO_SLUG, ALL_ROLES, DEMO_KEY_NAME)
    _save_key(key_file, key)
    reason = None if created else saved
    return DemoLogin(DEMO_SLUG, DEMO_EMAIL, DEMO_PASSWORD, key, created, reason)


@dataclass(frozen=True)
class _Live:
    secret: str


def _saved_key(sync_engine: Engine, tenant_id: int, key_file: Path) -> _Live | str:
    """The saved demo key when it still works, or why a new one is needed."""
    if not key_file.exists():
        return f"no demo key was saved in {key_file}"
    secret = key_file.read_text().strip()
    k = t.api_key.c
    with sync_engine.connect() as db:
        row = db.execute(
            select(k.revoked_at).where(k.tenant_id == tenant_id, k.secret_hash == digest(secret))
        ).first()
    if row is None:
        return f"the key saved in {key_file} is not one of this database's"
    if row.revoked_at is not None:
        return f"the key saved in {key_file} was revoked on {row.revoked_at:%Y-%m-%d %H:%M} UTC"
    return _Live(secret)


def _save_key(key_file: Path, secret: str) -> None:
    # Readable by its owner only: it is a live credential for every role.
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret + "\n")
