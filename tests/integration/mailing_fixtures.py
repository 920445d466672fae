"""A mailing's world for tests: many customers written in bulk, some granting the mailing's
preference (some withdrawing again, some deceased, inactive or without an address), a
frozen customer list of them all, and a runtime sending through a loopback SMTP server."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, delete, func, insert, select, update

from infra.clock import utc_now
from infra.composition import Runtime, build_runtime, start_worker
from infra.db import consent_tables as c
from infra.db import insights_tables as i
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.demo.generator import generate_customers
from infra.settings import Settings
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.e2e.consent_fixtures import email_preference
from tests.integration.jobs import tenant_id
from tests.integration.test_mail_transport import HOST, Mailbox, free_port, smtp_server
from tests.integration.test_pledge_reminders import delete_queues

ERRORS = "errors { code message field }"
CREATE = f"""mutation($i: MailingInput!) {{ createMailing(input: $i) {{
  mailing {{ id name subject htmlBody textBody preference {{ id }} }} {ERRORS} }} }}"""
EDIT = f"""mutation($id: ID!, $i: MailingInput!) {{ editMailing(id: $id, input: $i) {{
  mailing {{ id subject }} {ERRORS} }} }}"""
SEND = f"""mutation($m: ID!, $s: ID, $l: ID, $at: DateTime) {{
  sendMailing(mailingId: $m, segmentId: $s, listId: $l, sendAt: $at) {{
    run {{ status sendAt }} job {{ id status }} {ERRORS} }} }}"""
CANCEL = f"""mutation($m: ID!) {{ cancelMailing(mailingId: $m) {{
  mailing {{ runs {{ status cancelledBy }} }} {ERRORS} }} }}"""
JOB = """query($id: ID!) { job(id: $id) { status progress total error
  summary { name value } } }"""
HTML = (
    "<html><body><h1>Spring at {{ organisation }}</h1><p>Dear {{ name }},</p>"
    "<p>{% if membership %}As a {{ membership }} member{% else %}As a friend{% endif %},"
    " see what is on.</p></body></html>"
)


@dataclass
class Audience:
    tenant_id: int
    preference: dict[str, Any]
    list_id: int
    # Customer id → whether the mailing must reach them, and the address.
    expected: dict[int, str]
    everyone: list[int]


def grant(
    engine: Engine, tenant: int, preference: dict[str, Any], ids: list[int], state: str
) -> None:
    pk = int(preference["pk"])
    rows = [
        {
            "tenant_id": tenant,
            "customer_id": customer,
            "preference_id": pk,
            "state": state,
            "wording_version": preference["wordingVersion"],
            "source": "IMPORT",
            "recorded_by": "test import",
            "recorded_by_kind": "SYSTEM",
            "recorded_at": utc_now(),
        }
        for customer in ids
    ]
    if rows:
        with engine.begin() as db:
            db.execute(insert(c.consent_entry), rows)


def freeze_list(engine: Engine, tenant: int, ids: list[int], name: str = "Everyone") -> int:
    with engine.begin() as db:
        list_id = db.execute(
            insert(i.customer_list)
            .values(
                tenant_id=tenant,
                name=name,
                frozen_at=utc_now(),
                created_by="test",
                created_by_kind="SYSTEM",
                created_by_id=0,
                size=len(ids),
            )
            .returning(i.customer_list.c.id)
        ).scalar_one()
        if ids:
            db.execute(
                insert(i.customer_list_member),
                [{"tenant_id": tenant, "list_id": list_id, "customer_id": x} for x in ids],
            )
    return int(list_id)


async def audience(api: Api, engine: Engine, customers: int, seed: int = 3) -> Audience:
    """`customers` made-up customers: those at positions 0 mod 3 grant the preference, of
    them every 10th withdraws again, every 15th is deceased, every 21st inactive, every
    33rd loses its address; those 1 mod 3 withdraw only; the rest were never asked."""
    tenant = tenant_id(engine, api.slug)
    preference = await email_preference(api)
    preference["pk"] = _pk(preference["id"])
    generate_customers(engine, tenant, customers, seed=seed)
    cu, e = t.customer.c, t.customer_email.c
    with engine.connect() as db:
        ids = list(
            db.execute(select(cu.id).where(cu.tenant_id == tenant).order_by(cu.id)).scalars()
        )
    granting = ids[0::3]
    grant(engine, tenant, preference, granting, "GRANTED")
    grant(engine, tenant, preference, ids[1::3], "WITHDRAWN")
    grant(engine, tenant, preference, granting[::10], "WITHDRAWN")
    with engine.begin() as db:
        db.execute(
            update(t.customer)
            .where(cu.id.in_(granting[1::15]))
            .values(date_of_death=utc_now().date())
        )
        db.execute(update(t.customer).where(cu.id.in_(granting[2::21])).values(active=False))
        db.execute(delete(t.customer_email).where(e.customer_id.in_(granting[3::33])))
        addresses = dict(
            db.execute(
                select(e.customer_id, func.min(e.address))
                .where(e.tenant_id == tenant)
                .group_by(e.customer_id)
            ).all()
        )
    stopped = set(granting[::10]) | set(granting[1::15]) | set(granting[2::21])
    expected = {x: addresses[x] for x in granting if x not in stopped and x in addresses}
    return Audience(tenant, preference, freeze_list(engine, tenant, ids), expected, ids)


def _pk(global_id: str) -> int:
    from resolvers.global_ids import parse_global_id

    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def create_mailing(api: Api, preference: dict[str, Any], **more: Any) -> str:
    values = {"name": "Spring season", "subject": "Spring at {{ organisation }}, {{ first_name }}"}
    values |= {"htmlBody": HTML, "preferenceId": preference["id"], **more}
    payload = (await api.data(CREATE, {"i": values}))["createMailing"]
    assert payload["errors"] == [], payload["errors"]
    return payload["mailing"]["id"]  # type: ignore[no-any-return]


async def send(api: Api, mailing: str, list_id: int | None = None, **more: Any) -> dict[str, Any]:
    variables = {"m": mailing, "l": to_global_id("CustomerList", list_id) if list_id else None}
    return (await api.data(SEND, variables | more))["sendMailing"]  # type: ignore[no-any-return]


def job_pk(job: dict[str, Any]) -> int:
    return _pk(job["id"])


def deliveries(engine: Engine, tenant: int) -> list[Any]:
    d = m.mailing_delivery.c
    with engine.connect() as db:
        return list(
            db.execute(select(m.mailing_delivery).where(d.tenant_id == tenant).order_by(d.id)).all()
        )


def noted(engine: Engine, tenant: int) -> Counter[int]:
    """How many MAILING_SENT timeline entries each customer has that word a MailingSent
    fact of the record's history."""
    e, h = t.timeline_entry.c, t.record_change.c
    with engine.connect() as db:
        customers = db.execute(
            select(e.customer_id)
            .join(t.record_change, h.id == e.change_id)
            .where(e.tenant_id == tenant, e.type == "MAILING_SENT", h.kind == "MailingSent")
        ).scalars()
        return Counter(customers)


def settle(runtime: Runtime, done: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        runtime.relay.relay_once()
        assert time.monotonic() < deadline, "the mailing did not settle in time"
        time.sleep(0.05)


def job_finished(engine: Engine, job: int) -> Callable[[], bool]:
    def done() -> bool:
        with engine.connect() as db:
            status = db.execute(select(t.job.c.status).where(t.job.c.id == job)).scalar_one()
        return status in ("SUCCEEDED", "FAILED")

    return done


def smtp_fixtures(suffix: str) -> tuple[Any, Any]:
    """A module's `mailbox` (a real SMTP server on loopback, aiosmtpd) and `sender` (a
    runtime mailing through it, with workers of its own on queues named by `suffix`)."""

    @pytest.fixture(scope="module")
    def mailbox(settings: Settings) -> Iterator[tuple[Mailbox, int]]:
        box, port = Mailbox(), free_port()
        with smtp_server(box, port):
            yield box, port

    @pytest.fixture(scope="module")
    async def sender(settings: Settings, mailbox: tuple[Mailbox, int]) -> AsyncIterator[Runtime]:
        prefix = f"{settings.queue_prefix}-{suffix}"
        url = SecretStr(f"smtp://{HOST}:{mailbox[1]}")
        changed = {"smtp_url": url, "queue_prefix": prefix}
        built = build_runtime(settings.model_copy(update=changed))
        worker = start_worker(built, threads=2)
        yield built
        worker.stop()
        await built.close()
        delete_queues(settings, prefix)

    return mailbox, sender
