"""The customer export: the matching customers as an Excel sheet.

Streams rows from the database into openpyxl's write-only workbook, so memory stays flat
however many customers match, and reports progress every batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import Connection, func, select

from domain.customers.search import CustomerCriteria
from infra.db import job_progress
from infra.db import tables as t
from infra.db.queries.customers import matching_customers
from infra.db.queries.details import detail_rows, group_by_customer
from infra.exports.cells import xlsx_cell
from workers.dependencies import WorkerDependencies

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
    job = job_progress.claim(deps.engine, job_id)
    if job is None:
        return
    criteria = CustomerCriteria.from_parameters(job.parameters)
    final = deps.files.path_for(job.tenant_id, f"customers-{job_id}.xlsx")
    partial = deps.files.temporary_path(final)
    with deps.engine.connect() as db:
        matching = matching_customers(job.tenant_id, criteria)
        total = db.execute(select(func.count()).select_from(matching.subquery())).scalar_one()
        job_progress.report_progress(deps.engine, job_id, 0, total)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Customers")
        _header(sheet)
        done = 0
        for batch in _batches(db, matching):
            for row in _rows(db, job.tenant_id, batch):
                sheet.append([xlsx_cell(sheet, value) for value in row])
            done += len(batch)
            job_progress.report_progress(deps.engine, job_id, done, total)
        workbook.save(partial)
    deps.files.publish(partial, final)
    job_progress.succeed(deps.engine, job_id, deps.files.relative(final), done)


def _header(sheet: WriteOnlyWorksheet) -> None:
    sheet.freeze_panes = "A2"
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    cells = []
    for title in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


def _batches(db: Connection, statement: Any) -> Iterator[Sequence[Any]]:
    result = db.execution_options(stream_results=True, yield_per=BATCH).execute(statement)
    yield from result.partitions(BATCH)


def _rows(db: Connection, tenant_id: int, customers: Sequence[Any]) -> Iterator[list[Any]]:
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
