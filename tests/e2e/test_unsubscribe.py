"""One-click unsubscribe (RFC 8058) through the real HTTP route under uvicorn: the link in a
mailing's List-Unsubscribe header, POSTed with or without the one-click body and no
cookies, withdraws the mailing's preference in the consent ledger (source UNSUBSCRIBE_LINK,
with its timeline entry and notice); a GET only shows the page; forged, tampered and other
organisations' links are refused; a second POST changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from infra.auth.customer_links import unsubscribe_token
from infra.clock import utc_now
from infra.composition import Runtime, build_app
from infra.db import consent_tables as c
from infra.db import tables as t
from resolvers.context import Services
from tests.conftest import Api
from tests.e2e.served import serve
from tests.integration.mailing_fixtures import (
    audience,
    create_mailing,
    deliveries,
    job_finished,
    job_pk,
    send,
    settle,
    smtp_fixtures,
)
from tests.integration.test_mail_transport import Mailbox

mailbox, sender = smtp_fixtures("unsubscribe")


@pytest.fixture(scope="module")
def origin(sender: Runtime) -> Iterator[str]:
    with serve(build_app(sender, in_process_workers=False)) as address:
        yield address


def ledger(runtime: Runtime, customer: int) -> list[Any]:
    e = c.consent_entry.c
    with runtime.sync_engine.connect() as db:
        query = select(c.consent_entry).where(e.customer_id == customer).order_by(e.id)
        return list(db.execute(query).all())


def link_of(mailbox: Mailbox, delivery: int, origin: str) -> str:
    [message] = [
        r.message
        for r in mailbox.received
        if r.message["Message-ID"] == f"<mailing-delivery-{delivery}@foyer>"
    ]
    https = message["List-Unsubscribe"].split(",")[0].strip(" <>")
    return origin + https[https.index("/unsubscribe/") :]


async def test_the_one_click_link_withdraws_on_post_and_only_shows_on_get(
    api: Api, other_api: Api, sender: Runtime, mailbox: tuple[Mailbox, int], origin: str
) -> None:
    engine = sender.sync_engine
    people = await audience(api, engine, 40, seed=23)
    started = await send(api, await create_mailing(api, people.preference), people.list_id)
    settle(sender, job_finished(engine, job_pk(started["job"])))
    first, second = [r for r in deliveries(engine, people.tenant_id) if r.status == "SENT"][:2]
    before = ledger(sender, first.customer_id)

    async with httpx.AsyncClient() as client:
        shown = await client.get(link_of(mailbox[0], first.id, origin))
        untouched = ledger(sender, first.customer_id)
        one_click = await client.post(
            link_of(mailbox[0], first.id, origin),
            content="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        twice = await client.post(link_of(mailbox[0], first.id, origin))
        bare = await client.post(link_of(mailbox[0], second.id, origin))  # the page's button
        tampered = await client.post(link_of(mailbox[0], second.id, origin)[:-2] + "xx")
        forged = await client.post(f"{origin}/unsubscribe/bm90LmEudG9rZW4.bm9wZQ")
        services = Services(sender.engine, sender.settings, sender.files, sender.passwords)
        elsewhere = unsubscribe_token(
            services.links, people.tenant_id + 10_000, first.id, utc_now()
        )
        other = await client.post(f"{origin}/unsubscribe/{elsewhere}")

    assert shown.status_code == 200 and '<form method="post">' in shown.text
    assert untouched == before  # a GET changes nothing
    assert one_click.status_code == 200 and "You are unsubscribed" in one_click.text
    assert not one_click.cookies
    after = ledger(sender, first.customer_id)
    assert len(after) == len(before) + 1
    assert (after[-1].state, after[-1].source) == ("WITHDRAWN", "UNSUBSCRIBE_LINK")
    assert after[-1].recorded_by_kind == "CUSTOMER"
    assert twice.status_code == 200 and ledger(sender, first.customer_id) == after
    assert bare.status_code == 200 and ledger(sender, second.customer_id)[-1].state == "WITHDRAWN"
    assert tampered.status_code == forged.status_code == other.status_code == 403
    assert "not valid" in tampered.text
    with engine.connect() as db:
        entry = (
            db.execute(
                select(t.timeline_entry.c.summary).where(
                    t.timeline_entry.c.customer_id == first.customer_id,
                    t.timeline_entry.c.type == "CONSENT_WITHDRAWN",
                )
            )
            .scalars()
            .all()
        )
        notices = (
            db.execute(
                select(t.outbox_message.c.arguments).where(
                    t.outbox_message.c.task == "consent.recorded",
                    t.outbox_message.c.tenant_id == people.tenant_id,
                )
            )
            .scalars()
            .all()
        )
    assert any("through an unsubscribe link" in e for e in entry)
    assert any(n["customer_id"] == first.customer_id and n["state"] == "WITHDRAWN" for n in notices)
