"""Preferences and the append-only ledger. There is deliberately no method that updates or
deletes a ledger entry: the database refuses both (see infra/db/consent_tables.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.actors import ActorKind
from domain.consent.ledger import ConsentEntry, ConsentSource, ConsentState, latest_answers
from domain.consent.preferences import ContactPreference, PartnerMode, PreferenceKind
from domain.consent.sharing import ExportEvent, PartnerExportRequest
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import tables as t

p = c.contact_preference.c
e = c.consent_entry.c


def preference_from_row(row: Any) -> ContactPreference:
    return ContactPreference(
        row.name,
        PreferenceKind(row.kind),
        row.statement,
        row.marketing,
        row.partner_company_id,
        row.ask_again_months,
        row.version,
        row.retired,
        row.id,
    )


def entry_from_row(row: Any) -> ConsentEntry:
    return ConsentEntry(
        row.customer_id,
        row.preference_id,
        ConsentState(row.state),
        row.wording_version,
        ConsentSource(row.source),
        row.recorded_by,
        ActorKind(row.recorded_by_kind),
        row.recorded_by_id,
        row.recorded_at,
        row.order_id,
        row.id,
    )


class SqlConsentRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int, actor_label: str) -> None:
        self._db, self._tenant_id, self._actor_label = connection, tenant_id, actor_label
        self._preferences: list[ContactPreference] | None = None
        self._mode: PartnerMode | None = None

    async def preferences(self) -> list[ContactPreference]:
        if self._preferences is None:
            await self._read_settings()
        assert self._preferences is not None
        return [replace(x) for x in self._preferences]

    async def _read_settings(self) -> None:
        """The preferences and the partner mode in one statement: asking consent questions
        needs both, and each round trip is a tenth of the question's cost."""
        tenant = t.tenant.c
        rows = (
            await self._db.execute(
                select(tenant.partner_mode, c.contact_preference)
                .select_from(t.tenant.outerjoin(c.contact_preference, p.tenant_id == tenant.id))
                .where(tenant.id == self._tenant_id)
                .order_by(p.id)
            )
        ).all()
        self._mode = PartnerMode(rows[0].partner_mode)
        self._preferences = [preference_from_row(r) for r in rows if r.id is not None]

    async def preference(self, preference_id: int) -> ContactPreference | None:
        return next((x for x in await self.preferences() if x.id == preference_id), None)

    def _columns(self, preference: ContactPreference) -> dict[str, Any]:
        return {
            "name": preference.name,
            "kind": preference.kind.value,
            "marketing": preference.marketing,
            "partner_company_id": preference.partner_company_id,
            "ask_again_months": preference.ask_again_months,
            "version": preference.version,
            "statement": preference.statement,
            "retired": preference.retired,
        }

    async def _store_wording(self, preference: ContactPreference) -> None:
        await self._db.execute(
            insert(c.preference_wording).values(
                tenant_id=self._tenant_id,
                preference_id=preference.id,
                version=preference.version,
                statement=preference.statement,
                created_at=utc_now(),
            )
        )

    async def add_preference(self, preference: ContactPreference) -> None:
        preference.id = (
            await self._db.execute(
                insert(c.contact_preference)
                .values(
                    tenant_id=self._tenant_id, created_at=utc_now(), **self._columns(preference)
                )
                .returning(p.id)
            )
        ).scalar_one()
        await self._store_wording(preference)
        self._preferences = None

    async def save_preference(self, preference: ContactPreference) -> None:
        before = await self.preference(preference.id or 0)
        await self._update(preference)
        if before is not None and before.version != preference.version:
            await self._store_wording(preference)

    async def retire_preference(self, preference: ContactPreference) -> None:
        await self._update(preference)

    async def _update(self, preference: ContactPreference) -> None:
        await self._db.execute(
            update(c.contact_preference)
            .where(p.id == preference.id, p.tenant_id == self._tenant_id)
            .values(**self._columns(preference))
        )
        self._preferences = None

    async def partner_mode(self) -> PartnerMode:
        if self._mode is None:
            await self._read_settings()
        assert self._mode is not None
        return self._mode

    async def set_partner_mode(self, mode: PartnerMode) -> None:
        await self._db.execute(
            update(t.tenant).where(t.tenant.c.id == self._tenant_id).values(partner_mode=mode.value)
        )
        self._mode = mode

    async def append(self, entries: list[ConsentEntry]) -> list[ConsentEntry]:
        stored = []
        for entry in entries:
            pk = (
                await self._db.execute(
                    insert(c.consent_entry)
                    .values(
                        tenant_id=self._tenant_id,
                        customer_id=entry.customer_id,
                        preference_id=entry.preference_id,
                        state=entry.state.value,
                        wording_version=entry.wording_version,
                        source=entry.source.value,
                        recorded_by=entry.recorded_by,
                        recorded_by_kind=entry.recorded_by_kind.value,
                        recorded_by_id=entry.recorded_by_id,
                        recorded_at=entry.recorded_at,
                        order_id=entry.order_id,
                    )
                    .returning(e.id)
                )
            ).scalar_one()
            stored.append(replace(entry, id=pk))
        return stored

    async def latest(self, customer_id: int) -> dict[int, ConsentEntry]:
        rows = await self._db.execute(
            select(c.consent_entry).where(
                e.tenant_id == self._tenant_id, e.customer_id == customer_id
            )
        )
        return latest_answers(entry_from_row(r) for r in rows)

    async def log_export(self, job_id: int, request: PartnerExportRequest) -> None:
        await self._db.execute(
            insert(c.partner_export).values(
                tenant_id=self._tenant_id,
                job_id=job_id,
                partner_company_id=request.partner_company_id,
                bought_from=request.bought_from,
                bought_before=request.bought_before,
                format=request.format.value,
                requested_by=self._actor_label,
                requested_at=utc_now(),
            )
        )

    async def log_export_event(
        self, job_id: int, what: ExportEvent, expires_at: datetime | None = None
    ) -> None:
        x = c.partner_export.c
        export = select(x.id).where(x.tenant_id == self._tenant_id, x.job_id == job_id)
        await self._db.execute(
            insert(c.partner_export_event).values(
                tenant_id=self._tenant_id,
                export_id=export.scalar_subquery(),
                what=what.value,
                actor=self._actor_label,
                occurred_at=utc_now(),
                expires_at=expires_at,
            )
        )
