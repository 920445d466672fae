"""The history of a mailing's sendings, written a batch at a time.

Each delivery is marked SENT in its own statement the moment the mail server accepts it
(infra/db/mailing_sending.py): that is what keeps a killed worker from sending a mail twice.
The sending's fact (domain.history) and the recipient's timeline entry need no such moment
of their own, so they wait for the end of the batch and are written for all its sent
deliveries at once, in one transaction: the deliveries' `notes_due` cleared, the facts and
the entries inserted, all or nothing. Per message that leaves one small UPDATE where there
were an UPDATE and two INSERTs in one statement.

A worker killed between a mark and its batch's notes leaves them due; the batch delivered
again writes them (however it ends: sent, cancelled or nothing left), and so does the run's
finish (`finish_if_done`) before its job succeeds. Each is written once: the rows are locked
in id order and their `notes_due` cleared by the writer that takes them, and a second writer
waits for the locks and then finds them cleared.

A customer erased between a mark and its note gets a note that keeps nothing of them (the
address and the subject written for them are the erased marker), and their deliveries lose
both (infra/db/repositories/erasure.py). The erasure changes the customer's delivery rows
before it scrubs their history, and the notes read who is erased after they have taken the
rows: whichever goes first, the other sees it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, select, update

from domain.consent.erasure import ERASED
from domain.mailings.events import MailingSent
from domain.mailings.runs import DeliveryStatus
from infra.db import consent_tables as c
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.unit_of_work import change_row, entry_row

ACTOR = "Foyer mailings"

d = m.mailing_delivery.c


def note_batch(db: Connection, delivery_ids: list[int]) -> int:
    """The notes due among a batch's deliveries; how many were written. `db` is in a
    transaction the caller commits, as for the others."""
    return _write_notes(db, d.id.in_(delivery_ids))


def note_run(db: Connection, run_id: int) -> int:
    """The notes due among a run's deliveries."""
    return _write_notes(db, d.run_id == run_id)


def note_customer(db: Connection, tenant_id: int, customer_id: int) -> int:
    """The notes due among a customer's deliveries."""
    return _write_notes(db, (d.tenant_id == tenant_id) & (d.customer_id == customer_id))


def _write_notes(db: Connection, scope: ColumnElement[bool]) -> int:
    due = d.status == DeliveryStatus.SENT.value, d.notes_due.is_(True)
    # Locked in id order, whoever writes: two writers of overlapping rows (a batch's end
    # and its run's finish) then wait for each other rather than deadlock.
    taken = select(d.id).where(scope, *due).order_by(d.id).with_for_update()
    rows = sorted(
        db.execute(
            update(m.mailing_delivery)
            .where(d.id.in_(taken.scalar_subquery()), *due)
            .values(notes_due=False)
            .returning(
                d.id, d.tenant_id, d.customer_id, d.mailing_id, d.subject, d.address, d.sent_at
            )
        ).all(),
        key=lambda row: row.id,
    )
    if not rows:
        return 0
    names = _mailing_names(db, {row.mailing_id for row in rows})
    erased = _erased(db, rows)
    facts = [_fact(row, names[row.mailing_id], row.customer_id in erased) for row in rows]
    changes = [
        change_row(row.tenant_id, fact, ACTOR, row.sent_at)
        for row, fact in zip(rows, facts, strict=True)
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
            entry_row(row.tenant_id, entry, ACTOR, row.sent_at, change_id)
            for row, fact, change_id in zip(rows, facts, change_ids, strict=True)
            for entry in fact.timeline_entries()
        ],
    )
    return len(rows)


def _fact(row: Any, mailing_name: str, erased: bool) -> MailingSent:
    if erased:
        return MailingSent(row.customer_id, row.mailing_id, mailing_name, ERASED, ERASED)
    return MailingSent(row.customer_id, row.mailing_id, mailing_name, row.subject, row.address)


def _mailing_names(db: Connection, mailing_ids: set[int]) -> dict[int, Any]:
    x = m.mailing.c
    return dict(db.execute(select(x.id, x.name).where(x.id.in_(mailing_ids))).all())


def _erased(db: Connection, rows: list[Any]) -> set[int]:
    """Which of the rows' customers are erased, read after the rows were taken."""
    e = c.customer_erasure.c
    tenants, customers = {row.tenant_id for row in rows}, {row.customer_id for row in rows}
    found = select(e.customer_id).where(e.tenant_id.in_(tenants), e.customer_id.in_(customers))
    return set(db.execute(found).scalars())
