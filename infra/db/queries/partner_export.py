"""What a partner export holds, as statements a worker streams: the customers who bought
tickets for the partner's events in the range and whose latest answer to the sharing
preference is GRANTED, with what they bought."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from domain.consent.ledger import ConsentState
from domain.sales.orders import ItemKind
from infra.db import consent_tables as c
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.queries.consent import latest_entry
from infra.db.queries.erased import not_erased

e = c.consent_entry.c


def consenting(tenant_id: int, preference_id: int) -> Any:
    """Each customer whose latest entry for the preference is GRANTED, with that entry's
    moment and wording version."""
    return (
        select(e.customer_id, e.recorded_at, e.wording_version)
        .where(
            e.tenant_id == tenant_id,
            e.preference_id == preference_id,
            e.customer_id.is_not(None),
            e.state == ConsentState.GRANTED.value,
            latest_entry(),
        )
        .subquery("consenting")
    )


def partner_purchases(
    tenant_id: int,
    partner_company_id: int,
    preference_id: int,
    bought_from: datetime,
    bought_before: datetime,
) -> Select[Any]:
    """One row per consenting customer, event and performance, in customer order: tickets
    kept (not returned) from orders placed in [from, before), with what the export shows of
    the customer (their first email, their primary address's postcode) read in the same
    statement, so the file streams from one cursor. The worker unpacks the columns in this
    order."""
    o, i, ei, ev = s.customer_order.c, s.order_item.c, s.event_instance.c, s.event.c
    agreed = consenting(tenant_id, preference_id)
    person = t.customer.c
    email, address = t.customer_email.c, t.customer_address.c
    first_email = (
        select(email.address)
        .where(email.customer_id == o.owner_id)
        .order_by(email.position)
        .limit(1)
        .scalar_subquery()
    )
    postcode = (
        select(address.postcode)
        .where(address.customer_id == o.owner_id, address.is_primary.is_(True))
        .order_by(address.position)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            o.owner_id.label("customer_id"),
            person.reference,
            person.kind,
            person.title,
            person.first_name,
            person.last_name,
            person.name,
            first_email.label("email"),
            postcode.label("postcode"),
            ev.name.label("event"),
            ei.starts_at,
            func.count().label("tickets"),
            agreed.c.recorded_at.label("agreed_at"),
            agreed.c.wording_version,
        )
        .select_from(s.order_item)
        .join(s.customer_order, o.id == i.order_id)
        .join(s.event_instance, ei.id == i.instance_id)
        .join(s.event, ev.id == ei.event_id)
        .join(agreed, agreed.c.customer_id == o.owner_id)
        .join(t.customer, person.id == o.owner_id)
        .where(
            i.tenant_id == tenant_id,
            i.kind == ItemKind.TICKET.value,
            i.returned_at.is_(None),
            ev.partner_company_id == partner_company_id,
            o.ordered_at >= bought_from,
            o.ordered_at < bought_before,
            not_erased(o.owner_id),
        )
        .group_by(
            o.owner_id,
            person.id,
            ev.name,
            ei.starts_at,
            agreed.c.recorded_at,
            agreed.c.wording_version,
        )
        .order_by(o.owner_id, ei.starts_at, ev.name)
    )
