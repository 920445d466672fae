"""One-click unsubscribe (RFC 8058) from a mailing's signed link: what the page shows, and
the withdrawal a POST records through the consent ledger (with its timeline entry and the
notice integrations hear), as the customer, source UNSUBSCRIBE_LINK.

A GET only reads: mail scanners follow links. The link names a delivery of its
organisation; one that names none (or another organisation's) is refused like a forged one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from domain.consent.self_service import UNSUBSCRIBE_LABEL, customer_actor, unsubscribe
from infra.auth.customer_links import unsubscribe_claims
from infra.auth.links import LinkRefused
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.unit_of_work import SqlUnitOfWork
from resolvers.context import Services

__all__ = ["LinkRefused", "UnsubscribePage", "load", "submit"]


@dataclass(frozen=True)
class UnsubscribePage:
    organisation: str
    preference: str
    # Whether this request withdrew it (False: it was not granted any more).
    withdrawn_now: bool = False


async def _delivery(services: Services, token: str) -> Any:
    tenant_id, delivery_id = unsubscribe_claims(services.links, token, utc_now())
    d, x, p = m.mailing_delivery.c, m.mailing.c, c.contact_preference.c
    async with services.engine.connect() as db:
        row = (
            await db.execute(
                select(
                    d.tenant_id,
                    d.customer_id,
                    x.preference_id,
                    p.name.label("preference"),
                    t.tenant.c.name.label("organisation"),
                )
                .join(m.mailing, x.id == d.mailing_id)
                .join(c.contact_preference, p.id == x.preference_id)
                .join(t.tenant, t.tenant.c.id == d.tenant_id)
                .where(d.id == delivery_id, d.tenant_id == tenant_id)
            )
        ).first()
    if row is None:
        raise LinkRefused(expired=False)
    return row


async def load(services: Services, token: str) -> UnsubscribePage:
    row = await _delivery(services, token)
    return UnsubscribePage(row.organisation, row.preference)


async def submit(services: Services, token: str) -> UnsubscribePage:
    row = await _delivery(services, token)
    actor = customer_actor(row.tenant_id, row.customer_id, UNSUBSCRIBE_LABEL)
    async with SqlUnitOfWork(services.engine, actor, services.wake_relay) as uow:
        withdrawn = await unsubscribe(uow, row.customer_id, row.preference_id)
        await uow.commit()
    return UnsubscribePage(row.organisation, row.preference, withdrawn)
