"""Per-request dataloaders: a page of parents costs one statement per kind of child.

Every batch runs on the request's one connection and snapshot (infra/db/snapshot.py),
taking its turn: strawberry resolves sibling fields concurrently and one connection must not
serve two awaits at once.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

from domain.actors import Actor
from domain.customers.popup_notes import readable_colours
from infra.db import consent_tables as c
from infra.db import fundraising_tables as f
from infra.db import mailing_tables as m
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.queries import consent, details, fundraising, mailings, popup_notes, sales
from infra.db.queries.customers import customers_by_id
from infra.db.snapshot import RequestReads

V = TypeVar("V")
Batch = Callable[[AsyncConnection, int, list[int]], Awaitable[dict[int, V]]]


def _made(make: Callable[[Loaders], DataLoader[int, Any]]) -> Any:
    """A loader made on first use: a request uses a few of the sixty, and making them all
    cost more than the read it served."""
    return functools.cached_property(make)


def _by_id(table: Table) -> Any:
    return _made(
        lambda self: self._loader(
            lambda db, tenant, ids: sales.rows_by_id(db, tenant, table, ids), None
        )
    )


def _by(table: Table, column: str, *order: Any) -> Any:
    return _made(
        lambda self: self._loader(
            lambda db, tenant, ids: fundraising.rows_by(
                db, tenant, table, column, ids, order or None
            ),
            [],
        )
    )


def _by_order(table: Table) -> Any:
    return _made(
        lambda self: self._loader(
            lambda db, tenant, ids: sales.rows_by_order(db, tenant, table, ids), []
        )
    )


def _by_customer(table: Table) -> Any:
    return _made(
        lambda self: self._loader(
            lambda db, tenant, ids: details.rows_by_customer(db, tenant, table, ids), []
        )
    )


def _of(batch: Batch[Any], missing: Any) -> Any:
    return _made(lambda self: self._loader(batch, missing))


class Loaders:
    def __init__(self, reads: RequestReads, actor: Actor, now: datetime) -> None:
        self.now = now
        self._reads = reads
        self._tenant_id = actor.tenant_id
        self._roles = actor.roles

    customer_by_id = _of(customers_by_id, None)
    emails_by_customer = _by_customer(t.customer_email)
    phones_by_customer = _by_customer(t.customer_phone)
    addresses_by_customer = _by_customer(t.customer_address)
    tags_by_customer = _by_customer(t.customer_tag)
    attributes_by_customer = _by_customer(t.customer_attribute)
    relationships_by_customer = _made(
        lambda self: self._loader(self._relationships_and_customers, [])
    )
    relationship_by_id = _of(details.relationships_by_id, None)
    relationship_type_by_id = _of(details.relationship_types_by_id, None)
    household_by_member = _made(lambda self: self._loader(self._households_and_members, None))
    household_by_id = _of(details.households_by_id, None)
    members_by_household = _of(details.members_by_household, [])
    pop_up_notes_by_customer = _made(
        lambda self: self._loader(
            lambda db, tenant, ids: popup_notes.notes_by_customer(
                db, tenant, ids, readable_colours(self._roles)
            ),
            [],
        )
    )
    pop_up_note_by_id = _made(
        lambda self: self._loader(
            lambda db, tenant, ids: popup_notes.notes_by_id(
                db, tenant, ids, readable_colours(self._roles)
            ),
            None,
        )
    )
    preferences = _of(consent.preferences, [])
    partner_mode = _of(consent.partner_mode, "GENERAL")
    preference_by_id = _by_id(c.contact_preference)
    wordings_by_preference = _of(consent.wordings_by_preference, {})
    consents_by_customer = _of(consent.latest_by_customer, {})
    exports_by_partner = _by(c.partner_export, "partner_company_id", c.partner_export.c.id.desc())
    events_by_export = _by(c.partner_export_event, "export_id", c.partner_export_event.c.id)
    mailing_by_id = _by_id(m.mailing)
    runs_by_mailing = _of(mailings.runs_by_mailing, [])
    counts_by_run = _of(mailings.counts_by_run, {})

    # Fundraising
    figures_by_opportunity = _made(
        lambda self: self._loader(
            lambda db, tenant, ids: fundraising.figures_by_opportunity(db, tenant, ids, self.now),
            fundraising.Figures(),
        )
    )
    opportunity_by_id = _by_id(f.opportunity)
    campaign_by_id = _by_id(f.campaign)
    stage_by_id = _by_id(f.opportunity_stage)
    staff_user_by_id = _by_id(t.staff_user)
    opportunities_by_customer = _by(f.opportunity, "customer_id", f.opportunity.c.id.desc())
    stage_changes_by_opportunity = _by(
        f.opportunity_stage_change, "opportunity_id", f.opportunity_stage_change.c.id
    )
    pledges_by_customer = _by(f.pledge, "customer_id", f.pledge.c.id.desc())
    instalments_by_pledge = _by(f.instalment, "pledge_id", f.instalment.c.due_on, f.instalment.c.id)
    given_by_instalment = _of(fundraising.given_by_instalment, 0)
    reminders_by_instalment = _by(f.pledge_reminder, "instalment_id", f.pledge_reminder.c.id)
    legacies_by_customer = _by(f.legacy, "customer_id", f.legacy.c.id.desc())
    given_by_legacy = _of(fundraising.given_by_legacy, 0)
    activities_by_customer = _by(f.activity, "customer_id", f.activity.c.due_on.desc())
    invitations_by_customer = _by(f.invitation, "customer_id", f.invitation.c.id.desc())
    pledge_by_id = _by_id(f.pledge)
    instalment_by_id = _by_id(f.instalment)
    legacy_by_id = _by_id(f.legacy)
    activity_by_id = _by_id(f.activity)
    invitation_by_id = _by_id(f.invitation)
    guests_by_invitation = _by(f.invitation_guest, "invitation_id", f.invitation_guest.c.position)

    # Sales
    order_by_id = _by_id(s.customer_order)
    event_by_id = _by_id(s.event)
    event_instance_by_id = _by_id(s.event_instance)
    fund_by_id = _by_id(s.fund)
    membership_scheme_by_id = _by_id(s.membership_scheme)
    partner_company_by_id = _by_id(s.partner_company)
    reservation_by_id = _by_id(s.reservation)
    items_by_order = _by_order(s.order_item)
    soft_credits_by_order = _by_order(s.order_soft_credit)
    attributes_by_order = _by_order(s.order_attribute)
    history_by_order = _by_order(s.order_history)
    tickets_by_reservation = _of(sales.tickets_by_reservation, [])
    memberships_by_customer = _of(sales.memberships_by_customer, [])
    order_item_by_id = _of(sales.order_items_by_id, None)
    membership_by_id = _of(sales.memberships_by_id, None)
    visit_by_id = _by_id(s.visit)

    # The customers a relationship or household names are read in the same batch as it, so
    # a page always costs the same statements: left to `customer_by_id`, they would cost one
    # batch or two (whichever happen to be open), or none when the page already primed them.
    async def _relationships_and_customers(
        self, db: AsyncConnection, tenant_id: int, customer_ids: list[int]
    ) -> dict[int, list[Any]]:
        found = await details.relationships_by_customer(db, tenant_id, customer_ids, True)
        ends = {
            pk
            for rows in found.values()
            for r in rows
            for pk in (r.from_customer_id, r.to_customer_id)
        }
        if ends:
            for pk, row in (await customers_by_id(db, tenant_id, sorted(ends))).items():
                self.customer_by_id.prime(pk, row)
        return found

    async def _households_and_members(
        self, db: AsyncConnection, tenant_id: int, customer_ids: list[int]
    ) -> dict[int, Any]:
        found = await details.households_by_member(db, tenant_id, customer_ids)
        household_ids = sorted({row.id for row in found.values()})
        if household_ids:
            members = await details.member_customers_by_household(db, tenant_id, household_ids)
            for household_id, rows in members.items():
                self.members_by_household.prime(household_id, [r.id for r in rows])
                for row in rows:
                    self.customer_by_id.prime(row.id, row)
        return found

    def _loader(self, batch: Batch[V], missing: V) -> DataLoader[int, V]:
        async def load(keys: Sequence[int]) -> list[V]:
            found = await self._reads.run(lambda db: batch(db, self._tenant_id, list(keys)))
            return [found.get(key, missing) for key in keys]

        return DataLoader(load_fn=load)
