"""Helpers for tests of background jobs: ask for an export, wait for its job."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, select

from infra.db import tables as t
from tests.conftest import Api

REQUEST_EXPORT = """
mutation($search: String) {
  requestCustomerExport(search: $search) { job { id status } errors { code message } }
}"""
JOB = "query($id: ID!) { job(id: $id) { status progress total error downloadUrl } }"


async def request_export(api: Api, search: str | None = None) -> str:
    data = await api.data(REQUEST_EXPORT, {"search": search})
    payload = data["requestCustomerExport"]
    assert payload["errors"] == []
    assert payload["job"]["status"] == "PENDING"
    return payload["job"]["id"]  # type: ignore[no-any-return]


def job_row(engine: Engine, job_pk: int) -> Any:
    with engine.connect() as db:
        return db.execute(select(t.job).where(t.job.c.id == job_pk)).one()


def wait_for(engine: Engine, job_pk: int, condition: Any, seconds: float = 60) -> Any:
    """Poll the job row until `condition(row)` holds; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        row = job_row(engine, job_pk)
        if condition(row):
            return row
        assert time.monotonic() < deadline, f"job {job_pk} stuck at {row.status} {row.progress}"
        time.sleep(0.05)


def tenant_id(engine: Engine, slug: str) -> int:
    with engine.connect() as db:
        return int(db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == slug)).scalar_one())


def unsent_messages(engine: Engine) -> list[Any]:
    with engine.connect() as db:
        return list(
            db.execute(select(t.outbox_message).where(t.outbox_message.c.sent_at.is_(None))).all()
        )
