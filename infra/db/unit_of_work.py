"""The unit of work: one transaction holding a change, the facts it adds to the record's
history (domain.history) with the timeline entries they word, and its outbox messages.
Nothing commits unless `commit()` is called; leaving the block rolls back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.actors import Actor
from domain.events import DomainEvent, Fact
from domain.fundraising.activities import Activity
from domain.history import facts_of
from domain.sales.catalogue import Event, EventInstance, MembershipScheme, PartnerCompany
from domain.timeline import OpportunityLink, TimelineEntry
from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.repositories.catalogue import SqlCatalogueRepository, SqlFundRepository
from infra.db.repositories.consent import SqlConsentRepository
from infra.db.repositories.customers import SqlCustomerRepository
from infra.db.repositories.erasure import SqlErasureRepository
from infra.db.repositories.fundraising import (
    SqlCampaignRepository,
    SqlInvitationRepository,
    SqlLegacyRepository,
    SqlOpportunityRepository,
    SqlPledgeRepository,
    SqlStaffRepository,
    SqlStageRepository,
)
from infra.db.repositories.households import SqlHouseholdRepository
from infra.db.repositories.jobs import SqlJobRepository
from infra.db.repositories.mailings import SqlMailingRepository
from infra.db.repositories.memberships import (
    SqlMembershipRepository,
    SqlReservationRepository,
    SqlVisitRepository,
)
from infra.db.repositories.orders import SqlOrderRepository
from infra.db.repositories.popup_notes import SqlPopUpNoteRepository
from infra.db.repositories.relationships import (
    SqlRelationshipRepository,
    SqlRelationshipTypeRepository,
)
from infra.db.repositories.segments import SqlSegmentRepository


def entry_row(
    tenant_id: int,
    entry: TimelineEntry,
    actor: str,
    now: datetime,
    change_id: int | None = None,
) -> dict[str, Any]:
    """The row of a timeline entry: written live at commit and by `foyer timeline rebuild`;
    `change_id` names the fact of the record's history it words."""
    subject = entry.subject
    return {
        "tenant_id": tenant_id,
        "customer_id": entry.customer_id,
        "type": entry.type.value,
        "summary": entry.summary,
        "details": entry.details,
        "actor": actor,
        "occurred_at": entry.occurred_at or now,
        "recorded_at": now,
        "subject_type": subject.type if subject else None,
        "subject_id": subject.id if subject else None,
        "opportunity_id": entry.opportunity_id,
        "change_id": change_id,
    }


def change_row(tenant_id: int, fact: Fact, actor: str, now: datetime) -> dict[str, Any]:
    """The row of a fact in the record's history."""
    return {
        "tenant_id": tenant_id,
        "kind": type(fact).__name__,
        "facts": facts_of(fact),
        "actor": actor,
        "recorded_at": now,
    }


async def apply_opportunity_links(
    db: AsyncConnection, tenant_id: int, links: list[OpportunityLink]
) -> None:
    """Point the entries about each link's subjects at its opportunity."""
    e = t.timeline_entry.c
    for link in links:
        for subject in link.subjects:
            await db.execute(
                update(t.timeline_entry)
                .where(
                    e.tenant_id == tenant_id,
                    e.subject_type == subject.type,
                    e.subject_id == subject.id,
                )
                .values(opportunity_id=link.opportunity_id)
            )


def outbox_row(
    tenant_id: int, task: str, arguments: dict[str, Any], event: bool = False
) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "message_id": str(uuid.uuid4()),
        "task": task,
        "event": event,
        "arguments": arguments,
        "created_at": utc_now(),
        "attempts": 0,
    }


class SqlUnitOfWork:
    def __init__(
        self,
        engine: AsyncEngine,
        actor: Actor,
        on_commit: Any = None,
        currency: str | None = None,
    ) -> None:
        """`currency`: the organisation's, when the caller already read it (it never
        changes once money is recorded); looked up on first use otherwise."""
        self._engine = engine
        self.actor = actor
        self._events: list[DomainEvent] = []
        self._on_commit = on_commit
        self._connection: AsyncConnection | None = None
        # Whether COMMIT went to the server: a failure after it may have written everything.
        self.commit_sent = False
        self._currency = currency

    async def __aenter__(self) -> SqlUnitOfWork:
        self._connection = await self._engine.connect()
        await self._connection.begin()
        tenant_id = self.actor.tenant_id
        self.customers = SqlCustomerRepository(self._connection, tenant_id)
        self.relationship_types = SqlRelationshipTypeRepository(self._connection, tenant_id)
        self.relationships = SqlRelationshipRepository(self._connection, tenant_id)
        self.households = SqlHouseholdRepository(self._connection, tenant_id)
        self.jobs = SqlJobRepository(self._connection, tenant_id)
        self.consent = SqlConsentRepository(self._connection, tenant_id, self.actor.label)
        self.erasures = SqlErasureRepository(self._connection, tenant_id, self.actor.label)
        self.pop_up_notes = SqlPopUpNoteRepository(self._connection, tenant_id)
        self.segments = SqlSegmentRepository(self._connection, tenant_id)
        self.mailings = SqlMailingRepository(self._connection, self.actor)
        self._sales_repositories(self._connection, tenant_id)
        return self

    def _sales_repositories(self, db: AsyncConnection, tenant_id: int) -> None:
        def catalogue(table: Any, build: Any) -> Any:
            return SqlCatalogueRepository(db, tenant_id, table, build)

        self.partner_companies = catalogue(s.partner_company, PartnerCompany)
        self.events = catalogue(s.event, Event)
        self.event_instances = catalogue(s.event_instance, EventInstance)
        self.membership_schemes = catalogue(s.membership_scheme, MembershipScheme)
        self.funds = SqlFundRepository(db, tenant_id)
        self.orders = SqlOrderRepository(db, tenant_id, lambda: self.actor.label)
        self.memberships = SqlMembershipRepository(db, tenant_id)
        self.reservations = SqlReservationRepository(db, tenant_id)
        self.visits = SqlVisitRepository(db, tenant_id)
        self._fundraising_repositories(db, tenant_id)

    def _fundraising_repositories(self, db: AsyncConnection, tenant_id: int) -> None:
        self.campaigns = SqlCampaignRepository(db, tenant_id)
        self.stages = SqlStageRepository(db, tenant_id)
        self.opportunities = SqlOpportunityRepository(db, tenant_id, lambda: self.actor.label)
        self.staff = SqlStaffRepository(db, tenant_id)
        self.pledges = SqlPledgeRepository(db, tenant_id)
        self.legacies = SqlLegacyRepository(db, tenant_id)
        self.activities = SqlCatalogueRepository(db, tenant_id, f.activity, Activity)
        self.invitations = SqlInvitationRepository(db, tenant_id)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        await self._connection.rollback()
        await self._connection.close()

    def today(self) -> date:
        return utc_now().date()

    def now(self) -> datetime:
        return utc_now()

    async def currency(self) -> str:
        if self._currency is None:
            assert self._connection is not None
            self._currency = (
                await self._connection.execute(
                    select(t.tenant.c.currency).where(t.tenant.c.id == self.actor.tenant_id)
                )
            ).scalar_one()
        return self._currency

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        assert self._connection is not None
        tenant_id, now, actor = self.actor.tenant_id, utc_now(), self.actor.label
        # Every event that writes entries is a fact of the record's history: the facts in
        # one statement, then their entries, each naming its fact.
        facts = [event for event in self._events if isinstance(event, Fact)]
        ids: list[int] = []
        if facts:
            ids = list(
                (
                    await self._connection.execute(
                        insert(t.record_change).returning(
                            t.record_change.c.id, sort_by_parameter_order=True
                        ),
                        [change_row(tenant_id, fact, actor, now) for fact in facts],
                    )
                ).scalars()
            )
        entries = [
            entry_row(tenant_id, entry, actor, now, change_id)
            for fact, change_id in zip(facts, ids, strict=True)
            for entry in fact.timeline_entries()
        ]
        if entries:
            await self._connection.execute(insert(t.timeline_entry), entries)
        links = [link for event in self._events for link in event.opportunity_links()]
        await apply_opportunity_links(self._connection, tenant_id, links)
        messages = [m for event in self._events if (m := event.message()) is not None]
        if messages:
            await self._connection.execute(
                insert(t.outbox_message),
                [outbox_row(tenant_id, m.task, m.arguments, m.event) for m in messages],
            )
        self.commit_sent = True
        await self._connection.commit()
        self._events.clear()
        if messages and self._on_commit is not None:
            self._on_commit()
