"""Reading consent: preferences, their wordings, and customers' ledger entries."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.consent.ledger import ConsentEntry, ConsentState, latest_answers
from domain.consent.preferences import PreferenceKind
from infra.db import consent_tables as c
from infra.db import tables as t
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.moment import UtcDateTime
from infra.db.repositories.consent import entry_from_row
from infra.db.tables import Id

e = c.consent_entry.c


async def preferences(db: AsyncConnection, tenant_id: int, _: list[int]) -> dict[int, list[Any]]:
    """Every preference of the organisation (a loader keyed by 0: one read per request)."""
    p = c.contact_preference.c
    rows = await db.execute(
        select(c.contact_preference).where(p.tenant_id == tenant_id).order_by(p.id)
    )
    return {0: list(rows)}


async def partner_mode(db: AsyncConnection, tenant_id: int, _: list[int]) -> dict[int, str]:
    """The organisation's partner mode (a loader keyed by 0: one read per request)."""
    mode = await db.scalar(select(t.tenant.c.partner_mode).where(t.tenant.c.id == tenant_id))
    return {0: str(mode)}


async def wordings_by_preference(
    db: AsyncConnection, tenant_id: int, preference_ids: list[int]
) -> dict[int, dict[int, Any]]:
    w = c.preference_wording.c
    rows = await db.execute(
        select(c.preference_wording).where(
            w.tenant_id == tenant_id, w.preference_id.in_(preference_ids)
        )
    )
    found: dict[int, dict[int, Any]] = defaultdict(dict)
    for row in rows:
        found[row.preference_id][row.version] = row
    return found


async def latest_by_customer(
    db: AsyncConnection, tenant_id: int, customer_ids: list[int]
) -> dict[int, dict[int, ConsentEntry]]:
    """Each customer's latest ledger entry per preference."""
    rows = await db.execute(
        select(c.consent_entry).where(e.tenant_id == tenant_id, e.customer_id.in_(customer_ids))
    )
    grouped: dict[int, list[ConsentEntry]] = defaultdict(list)
    for row in rows:
        grouped[row.customer_id].append(entry_from_row(row))
    return {pk: latest_answers(entries) for pk, entries in grouped.items()}


async def history_page(
    db: AsyncConnection, tenant_id: int, customer_id: int, first: int, after: str | None
) -> Page[ConsentEntry]:
    statement = (
        select(c.consent_entry)
        .where(e.tenant_id == tenant_id, e.customer_id == customer_id)
        .order_by(e.recorded_at.desc(), e.id.desc())
    )
    position = decode_cursor(after, (datetime, int))
    if position is not None:
        statement = statement.where(
            tuple_(e.recorded_at, e.id)
            < tuple_(literal(position[0], UtcDateTime()), literal(position[1], Id))
        )
    rows = [entry_from_row(r) for r in await db.execute(statement.limit(first + 1))]
    page = rows[:first]
    return Page(page, [encode_cursor((r.recorded_at, r.id)) for r in page], len(rows) > first)


def granted_at(customer_id: Any, kind: PreferenceKind) -> Any:
    """When the customer last granted a preference of this kind in use that they still
    grant (its latest ledger entry, the highest id: the ledger is append-only, is GRANTED);
    NULL when they grant none. A scalar subquery over the customer's range of the ledger."""
    p = c.contact_preference.c
    return _still_granted(
        customer_id,
        select(func.max(e.recorded_at))
        .join(c.contact_preference, p.id == e.preference_id)
        .where(p.kind == kind.value, p.retired.is_(False)),
    )


def grants(customer_id: Any, kind: PreferenceKind) -> Any:
    """Whether the customer currently grants some preference of this kind in use."""
    return granted_at(customer_id, kind).is_not(None)


def preference_granted_at(tenant_id: Any, customer_id: Any, preference_id: Any) -> Any:
    """When the customer granted this one preference, if its current state is GRANTED;
    NULL otherwise (withdrawn, or never asked). Named by organisation, so that it reads one
    range of the ledger's (tenant, customer, preference, id) index per customer."""
    return _still_granted(
        customer_id,
        select(func.max(e.recorded_at)).where(
            e.tenant_id == tenant_id, e.preference_id == preference_id
        ),
        tenant_id,
    )


def _still_granted(customer_id: Any, statement: Any, tenant_id: Any = None) -> Any:
    """`statement` over the customer's ledger entries that are GRANTED and the latest for
    their preference, as a scalar subquery."""
    later = c.consent_entry.alias("later")
    same_tenant = [] if tenant_id is None else [later.c.tenant_id == tenant_id]
    return statement.where(
        e.customer_id == customer_id,
        e.state == ConsentState.GRANTED.value,
        ~select(later.c.id)
        .where(
            *same_tenant,
            later.c.customer_id == e.customer_id,
            later.c.preference_id == e.preference_id,
            later.c.id > e.id,
        )
        .exists(),
    ).scalar_subquery()
