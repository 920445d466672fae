"""A segment's export: its members, as the customer export writes them, in CSV (plain, for
Power BI or Python) or XLSX with a summary sheet first: the segment's breakdowns and the
audience measures as tables, each with a native Excel chart, so a marketer opens it and sees
the shape of the audience.

Everything is read in one snapshot (REPEATABLE READ on PostgreSQL): the members, the
breakdowns and the measures describe one moment. Members stream in keyset batches, each
reporting progress (which renews the lease); asked to stop with more left than the grace
allows, the job is handed back between batches.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import Connection, func, or_, select

from domain.consent.sharing import ExportFormat
from domain.segments import criteria as k
from domain.segments.breakdown import BreakdownBy, Bucket, ordered
from domain.segments.measures import Measures
from infra.clock import utc_now
from infra.db import insights_tables as n
from infra.db import job_progress
from infra.db import tables as t
from infra.db.job_progress import Holder
from infra.exports.cells import csv_field, xlsx_cell
from infra.exports.sheets import remove_sheet_file
from infra.segments.breakdown_sql import breakdown_select, bucket_from_row
from infra.segments.criteria_sql import Evaluation, members_condition
from infra.segments.measures_sql import measures_now
from infra.segments.rfm_sql import bands_of
from workers.customer_export import COLUMNS, WIDTHS, customer_cells, snapshot
from workers.dependencies import WorkerDependencies

log = logging.getLogger("foyer.exports")
BATCH = 1000
# The breakdowns the summary charts, in its order.
CHARTED = (
    BreakdownBy.MONETARY_BAND,
    BreakdownBy.RECENCY_BAND,
    BreakdownBy.FREQUENCY_BAND,
    BreakdownBy.CONSENT_STATE,
    BreakdownBy.CUSTOMER_KIND,
    BreakdownBy.MEMBERSHIP_SCHEME,
    BreakdownBy.FIRST_BOOKING_YEAR,
    BreakdownBy.POSTCODE_AREA,
)
person = t.customer.c


class SegmentGone(Exception):
    """The segment was deleted or its criteria cannot be read: nothing to export."""


def export_segment(deps: WorkerDependencies, job_id: int) -> None:
    holder = deps.holder()
    job = job_progress.claim(deps.engine, job_id, holder)
    if job is None:
        return
    kind = ExportFormat(job.parameters["format"])
    final = deps.files.path_for(job.tenant_id, f"segment-{job_id}.{kind.value.lower()}")
    partial = deps.files.temporary_path(final, job_id)
    try:
        try:
            done = _write(deps, job, holder, partial, kind)
        except SegmentGone as gone:
            job_progress.fail(deps.engine, job_id, str(gone))
            return
        if done is None:
            return
        deps.files.publish(partial, final)
    finally:
        deps.files.discard(partial)
    job_progress.succeed(deps.engine, job_id, deps.files.relative(final), done)


def _criteria(db: Connection, tenant_id: int, segment_id: int) -> k.Criterion:
    g = n.segment.c
    stored = db.execute(
        select(g.criteria).where(g.tenant_id == tenant_id, g.id == segment_id)
    ).scalar()
    if stored is None:
        raise SegmentGone("The segment was deleted before its export ran.")
    return k.from_json(stored)


def _write(
    deps: WorkerDependencies, job: Any, holder: Holder, partial: Path, kind: ExportFormat
) -> int | None:
    """The members written, or None when the worker is stopping and handed the job back."""
    with snapshot(deps.engine) as db:
        root = _criteria(db, job.tenant_id, job.parameters["segment_id"])
        today = utc_now().date()
        at = Evaluation(job.tenant_id, today, bands_of(db, job.tenant_id))
        members = select(person.id).where(members_condition(root, at)).subquery()
        total = db.execute(select(func.count()).select_from(members)).scalar_one()
        job_progress.report_progress(deps.engine, job.id, 0, total, holder)
        pace = deps.shutdown.pace(total)
        batches = _batches(db, root, at)

        def rows() -> Iterator[list[Any]]:
            done = 0
            for batch in batches:
                yield from customer_cells(db, job.tenant_id, batch)
                done += len(batch)
                job_progress.report_progress(deps.engine, job.id, done, total, holder)
                if pace.must_stop(done):
                    raise _HandedBack(done)

        try:
            if kind is ExportFormat.CSV:
                with partial.open("w", newline="", encoding="utf-8") as out:
                    return _write_csv(out, rows())
            summary = _Summary(
                total,
                [(by, _breakdown(db, root, at, by)) for by in CHARTED],
                measures_now(db, job.tenant_id, today.year, utc_now()),
                _currency(db, job.tenant_id),
            )
            return _write_xlsx(partial, rows(), summary)
        except _HandedBack as stopped:
            job_progress.release(deps.engine, job.id, holder.delivery, send_again=True)
            log.info("Segment export %s handed back at row %d of %d", job.id, stopped.done, total)
            return None


class _HandedBack(Exception):
    def __init__(self, done: int) -> None:
        self.done = done


def _batches(db: Connection, root: k.Criterion, at: Evaluation) -> Iterator[list[Any]]:
    """Members in keyset pages of BATCH, in listing order; no cursor stays open between."""
    after: tuple[str, int] | None = None
    while True:
        statement = select(t.customer).where(members_condition(root, at))
        if after is not None:
            statement = statement.where(
                or_(
                    person.sort_key > after[0],
                    (person.sort_key == after[0]) & (person.id > after[1]),
                )
            )
        batch = list(db.execute(statement.order_by(person.sort_key, person.id).limit(BATCH)))
        if batch:
            yield batch
        if len(batch) < BATCH:
            return
        after = (batch[-1].sort_key, batch[-1].id)


def _breakdown(db: Connection, root: k.Criterion, at: Evaluation, by: BreakdownBy) -> list[Bucket]:
    return ordered(by, [bucket_from_row(r) for r in db.execute(breakdown_select(root, at, by))])


def _currency(db: Connection, tenant_id: int) -> str:
    return str(db.execute(select(t.tenant.c.currency).where(t.tenant.c.id == tenant_id)).scalar())


def _write_csv(out: IO[str], rows: Iterator[list[Any]]) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    written = 0
    for row in rows:
        writer.writerow([csv_field(value) for value in row])
        written += 1
    return written


def write_header(sheet: WriteOnlyWorksheet) -> None:
    """The customer export's header on openpyxl's sheet: the segment's workbook holds a
    summary with native charts, which Foyer's own writer does not make."""
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


class _Summary:
    def __init__(
        self,
        members: int,
        breakdowns: list[tuple[BreakdownBy, list[Bucket]]],
        measures: Measures,
        currency: str,
    ) -> None:
        self.members, self.breakdowns = members, breakdowns
        self.measures, self.currency = measures, currency


def _write_xlsx(path: Path, rows: Iterator[list[Any]], summary: _Summary) -> int:
    workbook = Workbook(write_only=True)
    front = workbook.create_sheet("Summary")
    sheet = workbook.create_sheet("Customers")
    try:
        write_header(sheet)
        written = 0
        for row in rows:
            sheet.append([xlsx_cell(sheet, value) for value in row])
            written += 1
        _write_summary(front, summary)
        workbook.save(path)
    finally:
        remove_sheet_file(sheet)
        remove_sheet_file(front)
    return written


class _Lines:
    """A write-only sheet's rows, counted: charts point at the rows of their table."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet, self.written = sheet, 0

    def put(self, *values: Any) -> int:
        self.sheet.append([xlsx_cell(self.sheet, v) for v in values])
        self.written += 1
        return self.written

    def skip_to(self, line: int) -> None:
        while self.written < line - 1:
            self.put()


# Rows a chart takes on the sheet (7 cm high): the next table starts below it.
CHART_ROWS = 15


def _write_summary(sheet: WriteOnlyWorksheet, summary: _Summary) -> None:
    """Each table with its chart beside it, one below the other, the measures last."""
    sheet.column_dimensions["A"].width = 34
    lines = _Lines(sheet)
    lines.put("Members", summary.members)
    lines.put()
    for by, buckets in summary.breakdowns:
        title = by.value.replace("_", " ").capitalize()
        top = lines.put(title, "Customers", f"Spent ({summary.currency})")
        for bucket in buckets:
            lines.put(bucket.label, bucket.customers, bucket.spent / 100)
        if buckets:
            sheet.add_chart(_bar_chart(sheet, title, top, top + len(buckets)), f"E{top}")
        lines.skip_to(max(lines.written + 2, top + CHART_ROWS))
    _write_measures(lines, summary)


def _bar_chart(sheet: WriteOnlyWorksheet, title: str, top: int, last: int) -> BarChart:
    chart = BarChart()
    chart.title = title
    chart.y_axis.title = "Customers"
    chart.height, chart.width = 7, 14
    chart.add_data(Reference(sheet, min_col=2, min_row=top, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=last))
    return chart


def _write_measures(lines: _Lines, summary: _Summary) -> None:
    now, before = summary.measures.year, summary.measures.year_before
    top = lines.put("Audience measures", str(now.year), str(before.year))
    for label, this, previous in (
        ("Donor retention", now.donor_retention, before.donor_retention),
        ("Membership renewal", now.membership_renewal, before.membership_renewal),
        ("Booked again within 12 months", now.rebooking, before.rebooking),
    ):
        lines.put(label, this.rate, previous.rate)
    averages = (now.average_gift.average, before.average_gift.average)
    lines.put(
        f"Average gift ({summary.currency})",
        *(a / 100 if a is not None else None for a in averages),
    )
    lines.put("Customers granting email", now.email_opt_in, before.email_opt_in)
    chart = BarChart()
    chart.title = "Audience measures (rates)"
    chart.height, chart.width = 7, 14
    data = Reference(lines.sheet, min_col=2, max_col=3, min_row=top, max_row=top + 3)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(lines.sheet, min_col=1, min_row=top + 1, max_row=top + 3))
    lines.sheet.add_chart(chart, f"E{top}")
