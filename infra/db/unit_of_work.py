"""The unit of work: one transaction holding a change, the facts it adds to the record's
history (domain.history) with the timeline entries they word, and its outbox messages.
Nothing commits unless `commit()` is called; leaving the block rolls back."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
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


# On PostgreSQL a commit's facts, their timeline entries and its outbox messages are one
# statement (one round trip, not three). Each column goes as one array, so that the
# statement is the same whatever the number of rows: compiled and prepared once. The facts'
# ids come back in the order they were inserted (ids of one sequence, taken in that order),
# which is how each entry finds the id of its fact, by position.
_WRITE_HISTORY = text(
    """
WITH change AS (
    INSERT INTO record_change (tenant_id, kind, facts, actor, recorded_at)
    SELECT :tenant_id, u.kind, CAST(u.facts AS JSON), :actor, :now
    FROM unnest(CAST(:change_kind AS VARCHAR[]), CAST(:change_facts AS VARCHAR[]))
        WITH ORDINALITY AS u(kind, facts, n)
    ORDER BY u.n
    RETURNING id
), numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM change
), entries AS (
    INSERT INTO timeline_entry (tenant_id, customer_id, type, summary, details, actor,
        occurred_at, recorded_at, subject_type, subject_id, opportunity_id, change_id)
    SELECT :tenant_id, e.customer_id, e.type, e.summary, CAST(e.details AS JSON), :actor,
        e.occurred_at, :now, e.subject_type, e.subject_id, e.opportunity_id, numbered.id
    FROM unnest(
        CAST(:entry_customer AS BIGINT[]), CAST(:entry_type AS VARCHAR[]),
        CAST(:entry_summary AS TEXT[]), CAST(:entry_details AS VARCHAR[]),
        CAST(:entry_occurred AS TIMESTAMPTZ[]), CAST(:entry_subject_type AS VARCHAR[]),
        CAST(:entry_subject_id AS BIGINT[]), CAST(:entry_opportunity AS BIGINT[]),
        CAST(:entry_fact AS BIGINT[])
    ) AS e(customer_id, type, summary, details, occurred_at, subject_type, subject_id,
           opportunity_id, fact)
    JOIN numbered ON numbered.n = e.fact
), messages AS (
    INSERT INTO outbox_message (tenant_id, message_id, task, event, arguments, created_at,
        attempts)
    SELECT :tenant_id, m.message_id, m.task, m.event, CAST(m.arguments AS JSON), :now, 0
    FROM unnest(
        CAST(:message_id AS VARCHAR[]), CAST(:message_task AS VARCHAR[]),
        CAST(:message_event AS BOOLEAN[]), CAST(:message_arguments AS VARCHAR[])
    ) AS m(message_id, task, event, arguments)
)
SELECT count(*) FROM change
"""
).bindparams(
    bindparam("tenant_id", type_=t.record_change.c.tenant_id.type),
    bindparam("now", type_=t.record_change.c.recorded_at.type),
)


async def write_history_at_once(
    db: AsyncConnection,
    tenant_id: int,
    actor: str,
    now: datetime,
    facts: list[Fact],
    messages: list[dict[str, Any]],
) -> None:
    """`facts` with their timeline entries, and the rows of `messages`, in one statement
    (PostgreSQL)."""
    changes = [change_row(tenant_id, fact, actor, now) for fact in facts]
    entries = [
        (n, entry_row(tenant_id, entry, actor, now))
        for n, fact in enumerate(facts, start=1)
        for entry in fact.timeline_entries()
    ]

    def entry_column(name: str) -> list[Any]:
        return [row[name] for _, row in entries]

    await db.execute(
        _WRITE_HISTORY,
        {
            "tenant_id": tenant_id,
            "actor": actor,
            "now": now,
            "change_kind": [c["kind"] for c in changes],
            "change_facts": [json.dumps(c["facts"]) for c in changes],
            "entry_customer": entry_column("customer_id"),
            "entry_type": entry_column("type"),
            "entry_summary": entry_column("summary"),
            "entry_details": [json.dumps(d) for d in entry_column("details")],
            "entry_occurred": entry_column("occurred_at"),
            "entry_subject_type": entry_column("subject_type"),
            "entry_subject_id": entry_column("subject_id"),
            "entry_opportunity": entry_column("opportunity_id"),
            "entry_fact": [n for n, _ in entries],
            "message_id": [m["message_id"] for m in messages],
            "message_task": [m["task"] for m in messages],
            "message_event": [m["event"] for m in messages],
            "message_arguments": [json.dumps(m["arguments"]) for m in messages],
        },
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
        connection: AsyncConnection | None = None,
    ) -> None:
        """`currency`: the organisation's, when the caller already read it (it never
        changes once money is recorded); looked up on first use otherwise. `connection`:
        one whose transaction has begun (a mutation's, begun with the check of its caller,
        infra/db/snapshot.py), to write in instead of checking out another."""
        self._engine = engine
        self._given = connection
        self.actor = actor
        self._events: list[DomainEvent] = []
        self._on_commit = on_commit
        self._connection: AsyncConnection | None = None
        # Whether COMMIT went to the server: a failure after it may have written everything.
        self.commit_sent = False
        self._currency = currency

    async def __aenter__(self) -> SqlUnitOfWork:
        given, self._given = self._given, None
        self._connection = given or await self._engine.connect()
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
        # Every event that writes entries is a fact of the record's history: the facts,
        # then their entries, each naming its fact.
        facts = [event for event in self._events if isinstance(event, Fact)]
        messages = [
            outbox_row(tenant_id, m.task, m.arguments, m.event)
            for event in self._events
            if (m := event.message()) is not None
        ]
        if self._connection.dialect.name == "postgresql":
            if facts or messages:
                await write_history_at_once(
                    self._connection, tenant_id, actor, now, facts, messages
                )
        else:
            await self._write_history(tenant_id, actor, now, facts, messages)
        links = [link for event in self._events for link in event.opportunity_links()]
        await apply_opportunity_links(self._connection, tenant_id, links)
        self.commit_sent = True
        await self._connection.commit()
        self._events.clear()
        if messages and self._on_commit is not None:
            self._on_commit()

    async def _write_history(
        self,
        tenant_id: int,
        actor: str,
        now: datetime,
        facts: list[Fact],
        messages: list[dict[str, Any]],
    ) -> None:
        """What `write_history_at_once` does, a statement a table (SQLite)."""
        assert self._connection is not None
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
        if messages:
            await self._connection.execute(insert(t.outbox_message), messages)
