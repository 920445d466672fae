"""The customer export: the matching customers as an Excel sheet.

Streams rows from the database into a plain workbook (infra/exports/plain_workbook.py),
so memory stays flat however many customers match, and reports progress every batch (which
renews the job's lease). Asked to stop (SIGTERM) with more left than the grace allows, it
hands the job back between batches.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from domain.customers.search import CustomerCriteria
from infra.db import job_progress
from infra.db import tables as t
from infra.db.job_progress import Holder
from infra.db.queries.customers import matching_customers
from infra.db.queries.details import detail_rows, group_by_customer
from infra.exports.plain_workbook import PlainWorkbook
from workers.dependencies import WorkerDependencies

log = logging.getLogger("foyer.exports")
BATCH = 1000
COLUMNS = (
    "Reference",
    "Kind",
    "Title",
    "First name",
    "Last name",
    "Organisation name",
    "Email",
    "Phone",
    "Address line 1",
    "Address line 2",
    "City",
    "Region",
    "Postcode",
    "Country",
    "Tags",
    "Active",
    "Date of death",
    "Created (UTC)",
)
WIDTHS = (11, 13, 7, 16, 18, 28, 30, 16, 28, 20, 16, 14, 10, 14, 24, 7, 12, 18)


def export_customers(deps: WorkerDependencies, job_id: int) -> None:
    """Write the sheet to a temporary file, then publish it. A redelivered export starts
    again from the first row (README, "Jobs"); whatever happens, its temporary files go."""
    holder = deps.holder()
    job = job_progress.claim(deps.engine, job_id, holder)
    if job is None:
        return
    final = deps.files.path_for(job.tenant_id, f"customers-{job_id}.xlsx")
    partial = deps.files.temporary_path(final, job_id)
    try:
        done = _write(deps, job, holder, partial)
        if done is None:
            return
        deps.files.publish(partial, final)
    finally:
        deps.files.discard(partial)
    job_progress.succeed(deps.engine, job_id, deps.files.relative(final), done)


def _write(deps: WorkerDependencies, job: Any, holder: Holder, partial: Path) -> int | None:
    """The rows written, or None when the worker is stopping and the job was handed back."""
    criteria = CustomerCriteria.from_parameters(job.parameters)
    with (
        snapshot(deps.engine) as db,
        PlainWorkbook(partial, "Customers", WIDTHS, freeze_header=True) as book,
    ):
        matching = matching_customers(job.tenant_id, criteria)
        total = db.execute(select(func.count()).select_from(matching.subquery())).scalar_one()
        job_progress.report_progress(deps.engine, job.id, 0, total, holder)
        book.header(COLUMNS)
        done = 0
        pace = deps.shutdown.pace(total)
        for batch in _batches(db, job.tenant_id, criteria):
            for row in customer_cells(db, job.tenant_id, batch):
                book.append(row)
            done += len(batch)
            job_progress.report_progress(deps.engine, job.id, done, total, holder)
            if pace.must_stop(done):
                job_progress.release(deps.engine, job.id, holder.delivery, send_again=True)
                log.info("Export %s handed back at row %d of %d", job.id, done, total)
                return None
    return done


def snapshot(engine: Engine) -> Connection:
    """On PostgreSQL, one REPEATABLE READ transaction: the count and every page read the
    same moment, so no customer is missed or written twice by an edit during the export."""
    db = engine.connect()
    if engine.dialect.name == "postgresql":
        return db.execution_options(isolation_level="REPEATABLE READ")
    return db


def _batches(db: Connection, tenant_id: int, criteria: CustomerCriteria) -> Iterator[Any]:
    """The matching customers in keyset pages of BATCH, in listing order: no cursor stays
    open between batches (one cut by a lost connection leaves psycopg half a cursor)."""
    after = None
    while True:
        batch = db.execute(matching_customers(tenant_id, criteria, after).limit(BATCH)).all()
        if batch:
            yield batch
        if len(batch) < BATCH:
            return
        after = (batch[-1].sort_key, batch[-1].id)


def customer_cells(db: Connection, tenant_id: int, customers: Sequence[Any]) -> Iterator[list[Any]]:
    ids = [c.id for c in customers]
    first = {
        table: {
            k: v[0]
            for k, v in group_by_customer(db.execute(detail_rows(tenant_id, table, ids))).items()
        }
        for table in (t.customer_email, t.customer_phone)
    }
    addresses = group_by_customer(db.execute(detail_rows(tenant_id, t.customer_address, ids)))
    tags = group_by_customer(db.execute(detail_rows(tenant_id, t.customer_tag, ids)))
    for c in customers:
        email, phone = first[t.customer_email].get(c.id), first[t.customer_phone].get(c.id)
        address = next((a for a in addresses.get(c.id, []) if a.is_primary), None)
        yield [
            c.reference,
            c.kind.title(),
            c.title,
            c.first_name,
            c.last_name,
            c.name,
            email.address if email else None,
            phone.number if phone else None,
            *(
                (
                    address.line1,
                    address.line2,
                    address.city,
                    address.region,
                    address.postcode,
                    address.country,
                )
                if address
                else (None,) * 6
            ),
            ", ".join(r.tag for r in tags.get(c.id, [])) or None,
            bool(c.active),
            c.date_of_death,
            _naive_utc(c.created_at),
        ]


def _naive_utc(moment: datetime) -> datetime:
    # Excel has no time zones; the column header says UTC.
    return moment.astimezone(UTC).replace(tzinfo=None)
