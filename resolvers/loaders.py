"""Per-request dataloaders: a page of parents costs one statement per kind of child.

Every batch runs on the request's one connection and snapshot (infra/db/snapshot.py),
taking its turn: strawberry resolves sibling fields concurrently and one connection must not
serve two awaits at once.
"""

from __future__ import annotations

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


class Loaders:
    def __init__(self, reads: RequestReads, actor: Actor, now: datetime) -> None:
        self.now = now
        self._reads = reads
        self._tenant_id = actor.tenant_id
        self.customer_by_id = self._loader(customers_by_id, None)
        self.emails_by_customer = self._detail(t.customer_email)
        self.phones_by_customer = self._detail(t.customer_phone)
        self.addresses_by_customer = self._detail(t.customer_address)
        self.tags_by_customer = self._detail(t.customer_tag)
        self.attributes_by_customer = self._detail(t.customer_attribute)
        self.relationships_by_customer = self._loader(self._relationships_and_customers, [])
        self.relationship_by_id = self._loader(details.relationships_by_id, None)
        self.relationship_type_by_id = self._loader(details.relationship_types_by_id, None)
        self.household_by_member = self._loader(self._households_and_members, None)
        self.household_by_id = self._loader(details.households_by_id, None)
        self.members_by_household = self._loader(details.members_by_household, [])
        colours = readable_colours(actor.roles)
        self.pop_up_notes_by_customer = self._loader(
            lambda db, tenant, ids: popup_notes.notes_by_customer(db, tenant, ids, colours), []
        )
        self.pop_up_note_by_id = self._loader(
            lambda db, tenant, ids: popup_notes.notes_by_id(db, tenant, ids, colours), None
        )
        self._sales_loaders()
        self._fundraising_loaders()
        self.preferences = self._loader(consent.preferences, [])
        self.partner_mode = self._loader(consent.partner_mode, "GENERAL")
        self.preference_by_id = self._loader(
            lambda db, tenant, ids: sales.rows_by_id(db, tenant, c.contact_preference, ids), None
        )
        self.wordings_by_preference = self._loader(consent.wordings_by_preference, {})
        self.consents_by_customer = self._loader(consent.latest_by_customer, {})
        self.mailing_by_id = self._loader(
            lambda db, tenant, ids: sales.rows_by_id(db, tenant, m.mailing, ids), None
        )
        self.runs_by_mailing = self._loader(mailings.runs_by_mailing, [])
        self.counts_by_run = self._loader(mailings.counts_by_run, {})
        x, ev = c.partner_export, c.partner_export_event
        self.exports_by_partner = self._loader(
            lambda db, tenant, ids: fundraising.rows_by(
                db, tenant, x, "partner_company_id", ids, (x.c.id.desc(),)
            ),
            [],
        )
        self.events_by_export = self._loader(
            lambda db, tenant, ids: fundraising.rows_by(
                db, tenant, ev, "export_id", ids, (ev.c.id,)
            ),
            [],
        )

    def _fundraising_loaders(self) -> None:
        def by_id(table: Table) -> DataLoader[int, Any]:
            return self._loader(
                lambda db, tenant, ids: sales.rows_by_id(db, tenant, table, ids), None
            )

        def by(table: Table, column: str, *order: Any) -> DataLoader[int, list[Any]]:
            return self._loader(
                lambda db, tenant, ids: fundraising.rows_by(
                    db, tenant, table, column, ids, order or None
                ),
                [],
            )

        now = self.now
        self.figures_by_opportunity = self._loader(
            lambda db, tenant, ids: fundraising.figures_by_opportunity(db, tenant, ids, now),
            fundraising.Figures(),
        )
        self.opportunity_by_id = by_id(f.opportunity)
        self.campaign_by_id = by_id(f.campaign)
        self.stage_by_id = by_id(f.opportunity_stage)
        self.staff_user_by_id = by_id(t.staff_user)
        self.opportunities_by_customer = by(f.opportunity, "customer_id", f.opportunity.c.id.desc())
        self.stage_changes_by_opportunity = by(
            f.opportunity_stage_change, "opportunity_id", f.opportunity_stage_change.c.id
        )
        self.pledges_by_customer = by(f.pledge, "customer_id", f.pledge.c.id.desc())
        self.instalments_by_pledge = by(
            f.instalment, "pledge_id", f.instalment.c.due_on, f.instalment.c.id
        )
        self.given_by_instalment = self._loader(fundraising.given_by_instalment, 0)
        self.reminders_by_instalment = by(
            f.pledge_reminder, "instalment_id", f.pledge_reminder.c.id
        )
        self.legacies_by_customer = by(f.legacy, "customer_id", f.legacy.c.id.desc())
        self.given_by_legacy = self._loader(fundraising.given_by_legacy, 0)
        self.activities_by_customer = by(f.activity, "customer_id", f.activity.c.due_on.desc())
        self.invitations_by_customer = by(f.invitation, "customer_id", f.invitation.c.id.desc())
        self.pledge_by_id = by_id(f.pledge)
        self.instalment_by_id = by_id(f.instalment)
        self.legacy_by_id = by_id(f.legacy)
        self.activity_by_id = by_id(f.activity)
        self.invitation_by_id = by_id(f.invitation)
        self.guests_by_invitation = by(
            f.invitation_guest, "invitation_id", f.invitation_guest.c.position
        )

    def _sales_loaders(self) -> None:
        def by_id(table: Table) -> DataLoader[int, Any]:
            return self._loader(
                lambda db, tenant, ids: sales.rows_by_id(db, tenant, table, ids), None
            )

        def by_order(table: Table) -> DataLoader[int, list[Any]]:
            return self._loader(
                lambda db, tenant, ids: sales.rows_by_order(db, tenant, table, ids), []
            )

        self.order_by_id = by_id(s.customer_order)
        self.event_by_id = by_id(s.event)
        self.event_instance_by_id = by_id(s.event_instance)
        self.fund_by_id = by_id(s.fund)
        self.membership_scheme_by_id = by_id(s.membership_scheme)
        self.partner_company_by_id = by_id(s.partner_company)
        self.reservation_by_id = by_id(s.reservation)
        self.items_by_order = by_order(s.order_item)
        self.soft_credits_by_order = by_order(s.order_soft_credit)
        self.attributes_by_order = by_order(s.order_attribute)
        self.history_by_order = by_order(s.order_history)
        self.tickets_by_reservation = self._loader(
            lambda db, tenant, ids: sales.tickets_by_reservation(db, tenant, ids), []
        )
        self.memberships_by_customer = self._loader(sales.memberships_by_customer, [])
        self.order_item_by_id = self._loader(sales.order_items_by_id, None)
        self.membership_by_id = self._loader(sales.memberships_by_id, None)
        self.visit_by_id = by_id(s.visit)

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

    def _detail(self, table: Table) -> DataLoader[int, list[Any]]:
        return self._loader(
            lambda db, tenant, ids: details.rows_by_customer(db, tenant, table, ids), []
        )

    def _loader(self, batch: Batch[V], missing: V) -> DataLoader[int, V]:
        async def load(keys: Sequence[int]) -> list[V]:
            found = await self._reads.run(lambda db: batch(db, self._tenant_id, list(keys)))
            return [found.get(key, missing) for key in keys]

        return DataLoader(load_fn=load)
