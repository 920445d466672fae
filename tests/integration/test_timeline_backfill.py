"""The migration that gives timeline entries a subject fills it in for entries written
before it, from the ids their details carry, and the opportunity an entry counts towards."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, select, text

from infra.db import tables as t
from infra.db.migrate import alembic_config
from infra.db.timeline_rebuild import rebuild_timeline

BEFORE = "0b0218ff8792"
HISTORY_BEGINS = "9a4c1e2d7b35"
# The organisation and customer the entries belong to.
OWNERS = (
    "INSERT INTO tenant (id, slug, name, currency, next_customer_number, created_at) "
    "VALUES (1, 'old', 'Old', 'GBP', 2, '2026-01-01 00:00:00')",
    "INSERT INTO customer (id, tenant_id, kind, reference, active, sort_key, created_at, "
    "updated_at) VALUES (1, 1, 'INDIVIDUAL', 'C-1', 1, 'x', '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00')",
)
ENTRY = (
    "INSERT INTO timeline_entry (tenant_id, customer_id, type, summary, details, actor, "
    "occurred_at) VALUES (1, 1, :type, 'x', :details, 'test', '2026-01-01 00:00:00')"
)


def test_entries_written_before_the_migration_get_their_subject_from_their_details(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), BEFORE)
    engine = create_engine(url)
    written = [
        ("CUSTOMER_CREATED", {}),
        ("TICKETS", {"orderId": "7", "role": "OWNER"}),
        ("OPPORTUNITY_STAGE_CHANGED", {"opportunityId": "3", "from": "A", "to": "B"}),
        ("INSTALMENT", {"pledgeId": "5"}),
        ("INVITATION", {"invitationId": "9", "eventInstanceId": "2"}),
        ("VISIT", {"eventInstanceId": "2"}),
    ]
    with engine.begin() as db:
        for owner in OWNERS:
            db.execute(text(owner))
        for kind, details in written:
            db.execute(text(ENTRY), {"type": kind, "details": json.dumps(details)})
    engine.dispose()

    command.upgrade(alembic_config(url), "head")

    with create_engine(url).connect() as db:
        rows = db.execute(
            text(
                "SELECT type, subject_type, subject_id, opportunity_id FROM timeline_entry "
                "ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("CUSTOMER_CREATED", "Customer", 1, None),
        ("TICKETS", "Order", 7, None),
        ("OPPORTUNITY_STAGE_CHANGED", "Opportunity", 3, 3),
        ("INSTALMENT", "Pledge", 5, None),
        ("INVITATION", "Invitation", 9, None),
        # No visit row names it: nothing is made up.
        ("VISIT", None, None, None),
    ]


# An order of one item, with the entry recording it wrote.
AN_ORDER = (
    "INSERT INTO customer_order (id, tenant_id, owner_id, channel, currency, ordered_at, "
    "created_at, recorded_items) VALUES (1, 1, 1, 'BOX_OFFICE', 'GBP', "
    "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 1)",
    "INSERT INTO order_item (id, tenant_id, order_id, position, kind, price, commission) "
    "VALUES (1, 1, 1, 0, 'MERCHANDISE', 700, 0)",
    "INSERT INTO timeline_entry (tenant_id, customer_id, type, summary, details, actor, "
    "occurred_at, subject_type, subject_id) VALUES (1, 1, 'MERCHANDISE', "
    "'1 x merchandise, GBP 7.00, order O-1.', "
    """'{"orderId": "1", "role": "OWNER", "channel": "BOX_OFFICE"}', 'test', """
    "'2026-01-01 00:00:00.000000', 'Order', 1)",
)


def test_entries_written_before_the_history_began_are_facts_of_it_as_written(
    tmp_path: Path,
) -> None:
    """The migration that begins the record's history keeps every entry but an order's as a
    fact holding the entry as written (no row says more), and names each order's entries'
    fact by the order; a rebuild then gives them all back exactly."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), HISTORY_BEGINS)
    engine = create_engine(url)
    with engine.begin() as db:
        for owner in OWNERS:
            db.execute(text(owner))
        for kind, details in (
            ("CUSTOMER_CREATED", {}),
            ("OPPORTUNITY_STAGE_CHANGED", {"opportunityId": "3", "from": "A", "to": "B"}),
        ):
            db.execute(text(ENTRY), {"type": kind, "details": json.dumps(details)})
        for statement in AN_ORDER:
            db.execute(text(statement))
    engine.dispose()

    command.upgrade(alembic_config(url), "head")

    with create_engine(url).begin() as db:
        before = db.execute(select(t.timeline_entry).order_by(t.timeline_entry.c.id)).all()
        kinds = db.execute(select(t.record_change.c.kind)).scalars().all()
        done = rebuild_timeline(db, 1)
        after = db.execute(select(t.timeline_entry).order_by(t.timeline_entry.c.id)).all()
    assert kinds == ["WrittenBeforeHistory", "WrittenBeforeHistory", "OrderRecorded"]
    assert all(row.change_id is not None and row.recorded_at is not None for row in before)
    assert (done.added, done.dropped) == ([], [])
    assert after == before
