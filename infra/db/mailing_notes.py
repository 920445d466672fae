"""The history of a mailing's sendings, written a batch at a time.

Each delivery is marked SENT in its own statement the moment the mail server accepts it
(infra/db/mailing_sending.py): that is what keeps a killed worker from sending a mail twice.
The sending's fact (domain.history) and the recipient's timeline entry need no such moment
of their own, so they wait for the end of the batch and are written for all its sent
deliveries at once, in one transaction: the deliveries' `notes_due` cleared, the facts and
the entries inserted, all or nothing. Per message that leaves one small UPDATE where there
were an UPDATE and two INSERTs in one statement (a third of a message's database work).

A worker killed between a mark and its batch's notes leaves them due; the batch delivered
again writes them, and so does the run's finish (`finish_if_done`), before the job succeeds.
Each is written once: the UPDATE that clears `notes_due` takes the rows, and a second writer
waits for its lock and then finds them cleared.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from domain.mailings.events import MailingSent
from domain.mailings.runs import DeliveryStatus
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.unit_of_work import change_row, entry_row

d = m.mailing_delivery.c


def write_notes(
    db: Connection, actor: str, *, delivery_ids: list[int] | None = None, run_id: int = 0
) -> int:
    """Write the fact and timeline entry of every delivery sent without them yet, among
    `delivery_ids` (a batch) or else the run's; how many were written. `db` is in a
    transaction the caller commits."""
    scope = d.id.in_(delivery_ids) if delivery_ids is not None else d.run_id == run_id
    due = sorted(
        db.execute(
            update(m.mailing_delivery)
            .where(scope, d.status == DeliveryStatus.SENT.value, d.notes_due.is_(True))
            .values(notes_due=False)
            .returning(
                d.id, d.tenant_id, d.customer_id, d.mailing_id, d.subject, d.address, d.sent_at
            )
        ).all(),
        key=lambda row: row.id,
    )
    if not due:
        return 0
    names = _mailing_names(db, {row.mailing_id for row in due})
    facts = [
        MailingSent(
            row.customer_id, row.mailing_id, names[row.mailing_id], row.subject, row.address
        )
        for row in due
    ]
    changes = [
        change_row(row.tenant_id, fact, actor, row.sent_at)
        for row, fact in zip(due, facts, strict=True)
    ]
    change_ids = (
        db.execute(
            insert(t.record_change).returning(t.record_change.c.id, sort_by_parameter_order=True),
            changes,
        )
        .scalars()
        .all()
    )
    db.execute(
        insert(t.timeline_entry),
        [
            entry_row(row.tenant_id, entry, actor, row.sent_at, change_id)
            for row, fact, change_id in zip(due, facts, change_ids, strict=True)
            for entry in fact.timeline_entries()
        ],
    )
    return len(due)


def _mailing_names(db: Connection, mailing_ids: set[int]) -> dict[int, Any]:
    x = m.mailing.c
    return dict(db.execute(select(x.id, x.name).where(x.id.in_(mailing_ids))).all())
