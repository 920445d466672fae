"""The consent ledger is append-only in the database itself: raw SQL cannot change or
delete an entry, on PostgreSQL or SQLite. The one change let through is erasure's: the
person's link set to NULL with every other column as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from tests.conftest import Api
from tests.e2e.consent_fixtures import answer, email_preference
from tests.e2e.sales_fixtures import person
from tests.e2e.test_returns_reservations_visits import pk

REFUSED = "append-only"


async def entry_id(api: Api) -> int:
    preference = await email_preference(api)
    customer = await person(api, "Ada")
    recorded = await answer(api, customer, (preference, True))
    return pk(recorded["entries"][0]["id"])


def refused(api: Api, statement: str, entry: int) -> None:
    with api.runtime.sync_engine.connect() as db:
        with pytest.raises(DatabaseError, match=REFUSED):
            db.execute(text(statement), {"id": entry})
        db.rollback()


async def test_the_database_refuses_to_change_or_delete_a_ledger_entry(api: Api) -> None:
    entry = await entry_id(api)
    refused(api, "UPDATE consent_entry SET state = 'WITHDRAWN' WHERE id = :id", entry)
    refused(api, "UPDATE consent_entry SET wording_version = 2 WHERE id = :id", entry)
    refused(api, "DELETE FROM consent_entry WHERE id = :id", entry)
    # Unlinking while changing anything else is refused too: only the link may go.
    refused(
        api,
        "UPDATE consent_entry SET customer_id = NULL, source = 'IMPORT' WHERE id = :id",
        entry,
    )
    with api.runtime.sync_engine.connect() as db:
        state = db.execute(
            text("SELECT state, source, customer_id FROM consent_entry WHERE id = :id"),
            {"id": entry},
        ).one()
    assert state.state == "GRANTED" and state.source == "WEB" and state.customer_id is not None


async def test_the_one_change_let_through_is_unlinking_the_person_and_only_once(api: Api) -> None:
    entry = await entry_id(api)
    with api.runtime.sync_engine.begin() as db:
        db.execute(
            text("UPDATE consent_entry SET customer_id = NULL WHERE id = :id"), {"id": entry}
        )
    refused(api, "UPDATE consent_entry SET customer_id = 1 WHERE id = :id", entry)
    with api.runtime.sync_engine.connect() as db:
        row = db.execute(
            text("SELECT state, customer_id FROM consent_entry WHERE id = :id"), {"id": entry}
        ).one()
    assert (row.state, row.customer_id) == ("GRANTED", None)
