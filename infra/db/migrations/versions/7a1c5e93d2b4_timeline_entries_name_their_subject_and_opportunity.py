"""timeline entries name their subject and the opportunity they count towards; orders
keep how many items they were recorded with

Revision ID: 7a1c5e93d2b4
Revises: 0b0218ff8792
Create Date: 2026-12-01 20:20:00

Existing entries are filled in from the ids their details carry and the rows those name.
An INSTALMENT entry written before this revision names only its pledge, so its subject is
the Pledge; entries written from now on name the Instalment.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "7a1c5e93d2b4"
down_revision = "be2c1ce32de8"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")

_BY_DETAIL = {
    "relationshipId": "Relationship",
    "householdId": "Household",
    "orderId": "Order",
    "reservationId": "Reservation",
    "opportunityId": "Opportunity",
    "pledgeId": "Pledge",
    "legacyId": "Legacy",
    "activityId": "Activity",
    "invitationId": "Invitation",
}
_RECORD_CHANGES = {"CUSTOMER_CREATED", "DETAILS_CHANGED", "DEACTIVATED", "REACTIVATED"}


def upgrade() -> None:
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("subject_id", Id, nullable=True))
        batch_op.add_column(sa.Column("opportunity_id", Id, nullable=True))
        batch_op.create_index(
            "ix_timeline_entry_opportunity",
            ["tenant_id", "customer_id", "opportunity_id", "occurred_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_timeline_entry_subject", ["tenant_id", "subject_type", "subject_id"], unique=False
        )
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_items", sa.Integer(), nullable=True))
    _backfill(op.get_bind())
    # Items a return added are the refunds given as donations (returns.py words them so).
    op.execute(
        "UPDATE customer_order SET recorded_items = (SELECT count(*) FROM order_item WHERE "
        "order_item.order_id = customer_order.id AND (order_item.description IS NULL OR "
        "order_item.description <> 'Refund given as a donation'))"
    )


def _lookup(db: Any, sql: str) -> dict[Any, Any]:
    return {
        tuple(row[:-1]) if len(row) > 2 else row[0]: row[-1] for row in db.execute(sa.text(sql))
    }


def _backfill(db: Any) -> None:
    pledge_opportunity = _lookup(db, "SELECT id, opportunity_id FROM pledge")
    activity_opportunity = _lookup(db, "SELECT id, opportunity_id FROM activity")
    reservation_opportunity = _lookup(db, "SELECT id, opportunity_id FROM reservation")
    order_opportunity = _lookup(
        db,
        "SELECT order_id, opportunity_id FROM order_item WHERE id IN (SELECT min(id) FROM "
        "order_item WHERE opportunity_id IS NOT NULL GROUP BY order_id)",
    )
    visit = _lookup(
        db, "SELECT customer_id, instance_id, min(id) FROM visit GROUP BY customer_id, instance_id"
    )
    rows = db.execute(sa.text("SELECT id, customer_id, type, details FROM timeline_entry"))
    changes = []
    for pk, customer_id, kind, details in rows:
        if isinstance(details, str):
            details = json.loads(details)
        subject: tuple[str, int] | None = None
        if kind in _RECORD_CHANGES:
            subject = ("Customer", customer_id)
        elif kind == "VISIT" and str(details.get("eventInstanceId", "")).isdigit():
            found = visit.get((customer_id, int(details["eventInstanceId"])))
            subject = ("Visit", found) if found is not None else None
        else:
            for key, type_name in _BY_DETAIL.items():
                if str(details.get(key, "")).isdigit():
                    subject = (type_name, int(details[key]))
                    break
        opportunity = None
        if subject is not None:
            opportunity = {
                "Opportunity": {subject[1]: subject[1]},
                "Pledge": pledge_opportunity,
                "Activity": activity_opportunity,
                "Reservation": reservation_opportunity,
                "Order": order_opportunity,
            }.get(subject[0], {}).get(subject[1])
        if subject is not None:
            changes.append({"pk": pk, "st": subject[0], "si": subject[1], "op": opportunity})
    if changes:
        db.execute(
            sa.text(
                "UPDATE timeline_entry SET subject_type = :st, subject_id = :si, "
                "opportunity_id = :op WHERE id = :pk"
            ),
            changes,
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_column("recorded_items")
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_entry_subject")
        batch_op.drop_index("ix_timeline_entry_opportunity")
        batch_op.drop_column("opportunity_id")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject_type")
