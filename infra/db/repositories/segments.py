"""Segments, frozen lists and RFM bands in and out of their tables."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Select, delete, exists, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.mailings.runs import RunStatus
from domain.roles import Role
from domain.segments.criteria import from_json, to_json
from domain.segments.rfm import RfmBands
from domain.segments.segment import CustomerList, Reference, Segment
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import fundraising_tables as f
from infra.db import insights_tables as n
from infra.db import mailing_tables as m
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.segments.criteria_sql import Evaluation
from infra.segments.members import criteria_select
from infra.segments.rfm_sql import bands_of_async

# The table behind each kind of id a criterion may name.
REFERENCED = {
    "ContactPreference": c.contact_preference,
    "Event": s.event,
    "PartnerCompany": s.partner_company,
    "Fund": s.fund,
    "Campaign": f.campaign,
    "MembershipScheme": s.membership_scheme,
    "OpportunityStage": f.opportunity_stage,
    "StaffUser": t.staff_user,
    "EventInstance": s.event_instance,
    "Household": t.household,
}


def segment_from_row(row: Any) -> Segment:
    return Segment(
        row.name,
        row.description,
        from_json(row.criteria),
        row.owner_kind,
        row.owner_id,
        row.owner,
        row.shared,
        row.created_at,
        row.updated_at,
        row.id,
    )


def customer_list_from_row(row: Any) -> CustomerList:
    return CustomerList(
        row.name,
        row.segment_id,
        row.frozen_at,
        row.created_by,
        row.created_by_kind,
        row.created_by_id,
        row.size,
        row.id,
        row.shared,
        frozenset(Role(role) for role in row.reads),
    )


def _held(statement: Select[Any], to_delete: bool) -> Select[Any]:
    """FOR UPDATE to delete; otherwise FOR KEY SHARE, which other changes to the row do not
    wait for but deleting it does (PostgreSQL; SQLite runs one writer at a time anyway)."""
    return statement.with_for_update() if to_delete else statement.with_for_update(key_share=True)


class SqlSegmentRepository:
    def __init__(self, db: AsyncConnection, tenant_id: int) -> None:
        self._db = db
        self._tenant_id = tenant_id

    async def get(self, segment_id: int, *, to_delete: bool = False) -> Segment | None:
        g = n.segment.c
        statement = select(n.segment).where(g.tenant_id == self._tenant_id, g.id == segment_id)
        row = (await self._db.execute(_held(statement, to_delete))).first()
        return segment_from_row(row) if row is not None else None

    def _values(self, segment: Segment) -> dict[str, Any]:
        return {
            "name": segment.name,
            "description": segment.description,
            "criteria": to_json(segment.criteria),
            "shared": segment.shared,
            "updated_at": segment.updated_at,
        }

    async def add(self, segment: Segment) -> None:
        segment.id = (
            await self._db.execute(
                insert(n.segment)
                .values(
                    tenant_id=self._tenant_id,
                    owner_kind=segment.owner_kind,
                    owner_id=segment.owner_id,
                    owner=segment.owner,
                    created_at=segment.created_at,
                    **self._values(segment),
                )
                .returning(n.segment.c.id)
            )
        ).scalar_one()

    async def save(self, segment: Segment) -> None:
        g, cl = n.segment.c, n.customer_list.c
        await self._db.execute(
            update(n.segment)
            .where(g.tenant_id == self._tenant_id, g.id == segment.id)
            .values(**self._values(segment))
        )
        await self._db.execute(
            update(n.customer_list)
            .where(
                cl.tenant_id == self._tenant_id,
                cl.segment_id == segment.id,
                cl.shared.is_not(segment.shared),
            )
            .values(shared=segment.shared)
        )

    async def delete(self, segment: Segment) -> bool:
        g, cl = n.segment.c, n.customer_list.c
        await self._db.execute(
            update(n.customer_list)
            .where(cl.tenant_id == self._tenant_id, cl.segment_id == segment.id)
            .values(segment_id=None)
        )
        gone = await self._db.execute(
            delete(n.segment).where(
                g.tenant_id == self._tenant_id,
                g.id == segment.id,
                ~self._under_way(m.mailing_run.c.segment_id == segment.id),
            )
        )
        return bool(gone.rowcount)

    async def get_list(self, list_id: int, *, to_delete: bool = False) -> CustomerList | None:
        cl = n.customer_list.c
        statement = select(n.customer_list).where(cl.tenant_id == self._tenant_id, cl.id == list_id)
        row = (await self._db.execute(_held(statement, to_delete))).first()
        return customer_list_from_row(row) if row is not None else None

    async def save_list(self, frozen: CustomerList) -> None:
        cl = n.customer_list.c
        await self._db.execute(
            update(n.customer_list)
            .where(cl.tenant_id == self._tenant_id, cl.id == frozen.id)
            .values(name=frozen.name)
        )

    async def delete_list(self, frozen: CustomerList) -> bool:
        cl, lm = n.customer_list.c, n.customer_list_member.c
        # Said outright, not left to ON DELETE CASCADE: SQLite applies it only with its
        # foreign keys on, which a connection made elsewhere may not have.
        await self._db.execute(
            delete(n.customer_list_member).where(
                lm.tenant_id == self._tenant_id, lm.list_id == frozen.id
            )
        )
        gone = await self._db.execute(
            delete(n.customer_list).where(
                cl.tenant_id == self._tenant_id,
                cl.id == frozen.id,
                ~self._under_way(m.mailing_run.c.list_id == frozen.id),
            )
        )
        return bool(gone.rowcount)

    def _under_way(self, audience: Any) -> Any:
        """Whether a run to `audience` (a condition on the run) is scheduled or sending:
        checked inside the DELETE, so that a run stored after the segment or list was read
        (SQLite holds no row meanwhile) keeps what it is for."""
        r = m.mailing_run.c
        return exists().where(
            r.tenant_id == self._tenant_id,
            audience,
            r.status.in_((RunStatus.SCHEDULED.value, RunStatus.SENDING.value)),
        )

    async def missing(self, references: list[Reference]) -> list[Reference]:
        """One look-up per kind of id named (ten kinds at most)."""
        by_kind: dict[str, list[Reference]] = defaultdict(list)
        for reference in references:
            by_kind[reference.kind].append(reference)
        absent = []
        for kind, named in by_kind.items():
            table = REFERENCED[kind]
            found = set(
                (
                    await self._db.execute(
                        select(table.c.id).where(
                            table.c.tenant_id == self._tenant_id,
                            table.c.id.in_({r.id for r in named}),
                        )
                    )
                ).scalars()
            )
            absent.extend(r for r in named if r.id not in found)
        return absent

    async def freeze(self, segment: Segment, frozen: CustomerList) -> None:
        """INSERT ... SELECT of the members, in the unit of work's transaction: the list holds
        exactly the members of one moment."""
        assert segment.id is not None and frozen.id is None
        bands = await bands_of_async(self._db, self._tenant_id)
        at = Evaluation(self._tenant_id, frozen.frozen_at.date(), bands)
        frozen.id = (
            await self._db.execute(
                insert(n.customer_list)
                .values(
                    tenant_id=self._tenant_id,
                    name=frozen.name,
                    segment_id=segment.id,
                    frozen_at=frozen.frozen_at,
                    created_by=frozen.created_by,
                    created_by_kind=frozen.created_by_kind,
                    created_by_id=frozen.created_by_id,
                    size=0,
                    shared=frozen.shared,
                    reads=sorted(role.value for role in frozen.reads),
                )
                .returning(n.customer_list.c.id)
            )
        ).scalar_one()
        members = criteria_select(segment.criteria, at).subquery("members")
        await self._db.execute(
            insert(n.customer_list_member).from_select(
                ["tenant_id", "list_id", "customer_id"],
                select(literal(self._tenant_id), literal(frozen.id), members.c.customer_id),
            )
        )
        # Counted, not the insert's rowcount: drivers do not all report one for INSERT SELECT.
        lm = n.customer_list_member.c
        frozen.size = (
            await self._db.execute(select(func.count()).where(lm.list_id == frozen.id))
        ).scalar_one()
        await self._db.execute(
            update(n.customer_list)
            .where(n.customer_list.c.id == frozen.id)
            .values(size=frozen.size)
        )

    async def set_bands(self, bands: RfmBands) -> None:
        r = n.rfm_settings.c
        values = {
            "recency_days": list(bands.recency_days),
            "frequency_orders": list(bands.frequency_orders),
            "monetary_minor": list(bands.monetary_minor),
            "updated_at": utc_now(),
        }
        changed = await self._db.execute(
            update(n.rfm_settings).where(r.tenant_id == self._tenant_id).values(**values)
        )
        if not changed.rowcount:
            await self._db.execute(
                insert(n.rfm_settings).values(tenant_id=self._tenant_id, **values)
            )
