"""The migration that gives timeline entries a subject fills it in for entries written
before it, from the ids their details carry, and the opportunity an entry counts towards."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from infra.db.migrate import alembic_config

BEFORE = "0b0218ff8792"
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
