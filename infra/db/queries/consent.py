"""Reading consent: preferences, their wordings, and customers' ledger entries."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.consent.ledger import ConsentEntry, ConsentState, latest_answers
from domain.consent.preferences import PartnerMode, PreferenceKind
from domain.consent.questions import Asking
from infra.db import consent_tables as c
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.moment import UtcDateTime
from infra.db.queries.customer_record import json_array, json_list, json_object, parsed_list, row_of
from infra.db.queries.erased import not_erased
from infra.db.repositories.consent import entry_from_row, preference_from_row
from infra.db.tables import Id

e = c.consent_entry.c


def latest_entry() -> Any:
    """That the ledger entry `e` is its customer's latest for its preference: no entry of
    theirs for it has a higher id (the ledger is append-only). Looked up within `e`'s own
    organisation, so that it reads one range of the ledger's (tenant, customer, preference,
    id) index; and it names no table but `e`'s, because a subquery nested in another is
    not correlated to an outer table it names: it reads that table whole for every entry
    (a mailing's send to 100,000 recipients fell to 65 messages a second so)."""
    later = c.consent_entry.alias("later")
    return ~(
        select(later.c.id)
        .where(
            later.c.tenant_id == e.tenant_id,
            later.c.customer_id == e.customer_id,
            later.c.preference_id == e.preference_id,
            later.c.id > e.id,
        )
        .exists()
    )


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
    )


def _still_granted(customer_id: Any, statement: Any) -> Any:
    """`statement` over the customer's ledger entries that are GRANTED and the latest for
    their preference, as a scalar subquery."""
    return statement.where(
        e.customer_id == customer_id,
        e.state == ConsentState.GRANTED.value,
        latest_entry(),
    ).scalar_subquery()


# The parameters of the consent questions' statement.
TENANT, CUSTOMER, INSTANCES = "asking_tenant", "asking_customer", "asking_instances"


@cache
def _asking(dialect: str) -> Any:
    """Everything the questions need, in one statement built once per process: the
    customer's kind (NULL when it is missing or erased), the partner mode, and as JSON
    arrays the preferences, the basket's instances with their partner company, and the
    customer's latest entry per preference (no later entry: one probe of the ledger's
    customer index each)."""
    tenant, customer, pc = t.tenant.c, t.customer.c, c.contact_preference.c
    i, ev = s.event_instance.c, s.event.c
    kind = select(customer.kind).where(
        customer.tenant_id == bindparam(TENANT),
        customer.id == bindparam(CUSTOMER),
        not_erased(customer.id),
    )
    instances = (
        select(
            json_array(
                dialect, json_object(dialect, [("id", i.id), ("partner", ev.partner_company_id)])
            )
        )
        .select_from(s.event_instance)
        .join(s.event, ev.id == i.event_id)
        .where(i.tenant_id == bindparam(TENANT), i.id.in_(bindparam(INSTANCES, expanding=True)))
    )
    newest = latest_entry()
    latest = json_list(
        dialect,
        c.consent_entry,
        and_(e.tenant_id == bindparam(TENANT), e.customer_id == bindparam(CUSTOMER), newest),
    )
    return select(
        tenant.partner_mode,
        kind.scalar_subquery().label("kind"),
        json_list(dialect, c.contact_preference, pc.tenant_id == tenant.id).label("preferences"),
        instances.scalar_subquery().label("instances"),
        latest.label("latest"),
    ).where(tenant.id == bindparam(TENANT))


async def asking(
    db: AsyncConnection, tenant_id: int, customer_id: int, instance_ids: list[int]
) -> Asking:
    """What `consentQuestions` depends on, read in one statement."""
    statement = _asking(db.dialect.name)
    found = (
        await db.execute(
            statement, {TENANT: tenant_id, CUSTOMER: customer_id, INSTANCES: instance_ids}
        )
    ).one()
    preferences = [row_of(c.contact_preference, p) for p in parsed_list(found.preferences)]
    entries = [row_of(c.consent_entry, x) for x in parsed_list(found.latest)]
    return Asking(
        customer_found=found.kind is not None,
        preferences=[preference_from_row(r) for r in sorted(preferences, key=lambda r: r.id)],
        mode=PartnerMode(found.partner_mode),
        instance_partners={x["id"]: x["partner"] for x in parsed_list(found.instances)},
        latest=latest_answers(entry_from_row(r) for r in entries),
    )
