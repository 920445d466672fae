"""The partner export: the consenting buyers of one partner company's events, as CSV or
XLSX, streamed so memory stays flat however many there are. Every text cell goes through
infra/exports/cells.py, so nothing a customer typed runs as a formula."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import chain, groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from domain.consent.preferences import PartnerMode
from domain.consent.sharing import ExportFormat, sharing_preference
from domain.customers.customer import display_name
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import job_progress
from infra.db import tables as t
from infra.db.queries.partner_export import partner_purchases
from infra.db.repositories.consent import preference_from_row
from infra.exports.cells import write_csv_rows
from infra.exports.plain_workbook import PlainWorkbook
from workers.dependencies import WorkerDependencies

BATCH = 1000
# Progress, and the lease renewed, every this many rows: each renewal is a commit (a flush
# of the database's log), and ten thousand rows take seconds, well within a lease.
HEARTBEAT_ROWS = 10_000
COLUMNS = (
    "Reference",
    "Name",
    "Email",
    "Postcode",
    "Bought",
    "Tickets",
    "Consented (UTC)",
    "Wording version",
)


def export_for_partner(deps: WorkerDependencies, job_id: int) -> None:
    holder = deps.holder()
    job = job_progress.claim(deps.engine, job_id, holder)
    if job is None:
        return
    parameters = job.parameters
    kind = ExportFormat(parameters["format"])
    final = deps.files.path_for(job.tenant_id, f"partner-{job_id}.{kind.value.lower()}")
    partial = deps.files.temporary_path(final, job_id)
    try:
        with deps.engine.connect() as db:
            partner = parameters["partner_company_id"]
            preference_id = _sharing_preference(db, job.tenant_id, partner)
            found = _rows(db, job.tenant_id, parameters, preference_id) if preference_id else ()
            rows = job_progress.with_heartbeat(
                deps.engine, job_id, holder, found, every=HEARTBEAT_ROWS
            )
            written = (_write_csv if kind is ExportFormat.CSV else _write_xlsx)(partial, rows)
        deps.files.publish(partial, final)
    finally:
        deps.files.discard(partial)
    with deps.engine.begin() as db:
        db.execute(
            update(c.partner_export)
            .where(c.partner_export.c.job_id == job_id)
            .values(rows=written, finished_at=utc_now(), preference_id=preference_id)
        )
    job_progress.succeed(deps.engine, job_id, deps.files.relative(final), written)


def _sharing_preference(db: Connection, tenant_id: int, partner_company_id: int) -> int | None:
    """Read when the job runs: the export holds who grants consent now."""
    p = c.contact_preference.c
    preferences = [
        preference_from_row(r)
        for r in db.execute(select(c.contact_preference).where(p.tenant_id == tenant_id))
    ]
    mode = db.execute(select(t.tenant.c.partner_mode).where(t.tenant.c.id == tenant_id))
    found = sharing_preference(preferences, PartnerMode(mode.scalar_one()), partner_company_id)
    return found.id if found else None


def _rows(
    db: Connection, tenant_id: int, parameters: dict[str, Any], preference_id: int
) -> Iterator[list[Any]]:
    """One row per customer, from one streamed cursor. The work per row is kept to what
    each row needs: a performance's label is formatted once per export, not per buyer."""
    statement = partner_purchases(
        tenant_id,
        parameters["partner_company_id"],
        preference_id,
        datetime.fromisoformat(parameters["from"]),
        datetime.fromisoformat(parameters["to"]),
    )
    streamed = {"stream_results": True, "yield_per": BATCH}
    result = db.execute(statement, execution_options=streamed)
    labels: dict[tuple[str, datetime], str] = {}  # as many as the partner's performances
    for _, rows in groupby(result, key=itemgetter(0)):  # the customer's id
        purchases = list(rows)
        # In partner_purchases' column order; a customer's columns and consent are the same
        # on each of their rows.
        (_, reference, kind, title, first_name, last_name, name, email, postcode) = purchases[0][:9]
        agreed_at, wording_version = purchases[0][12:]
        bought, tickets = [], 0
        for *_, event, starts_at, count, _, _ in purchases:
            label = labels.get((event, starts_at))
            if label is None:
                label = labels[(event, starts_at)] = f"{event}, {starts_at:%d %b %Y %H:%M}"
            bought.append(label)
            tickets += count
        yield [
            reference,
            display_name(kind, title, first_name, last_name, name),
            email,
            postcode,
            "; ".join(bought),
            tickets,
            # In UTC already (infra/db/moment.py); Excel has no time zones, the header says UTC.
            agreed_at.replace(tzinfo=None),
            wording_version,
        ]


class _Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterator[list[Any]]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def _write_csv(path: Path, rows: Iterator[list[Any]]) -> int:
    counted = _Counted(rows)
    with path.open("w", newline="", encoding="utf-8") as out:
        write_csv_rows(out, chain([COLUMNS], counted))
    return counted.count


def _write_xlsx(path: Path, rows: Iterator[list[Any]]) -> int:
    counted = _Counted(rows)
    with PlainWorkbook(path, "Customers") as book:
        book.header(COLUMNS)
        for row in counted:
            book.append(row)
    return counted.count
