"""Orders reach integrations as notices: the relay publishes `order.recorded` and
`order.changed` from the outbox, on RabbitMQ to the `<queue prefix>.events` topic exchange,
in the embedded default to in-process subscribers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pika
from sqlalchemy import func, select

from infra.composition import Runtime
from infra.db import tables as t
from tests.conftest import Api
from tests.e2e.sales_fixtures import catalogue, person, record, ticket
from tests.e2e.test_returns_reservations_visits import pk, return_items
from tests.integration.jobs import tenant_id

Notice = tuple[str, dict[str, Any]]


class Listener:
    """Hears the notices published while it listens; `heard` relays until they arrive."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.notices: list[Notice] = []

    def collect(self) -> None:
        """Pick up what has arrived (in-process subscribers hear it directly)."""

    def heard(self, tenant: int, count: int, seconds: float = 10) -> list[Notice]:
        """The first `count` notices about `tenant`'s orders, relaying until they arrive."""
        deadline = time.monotonic() + seconds
        while True:
            self.runtime.relay.relay_once()
            self.collect()
            ours = [(topic, body) for topic, body in self.notices if body["tenant_id"] == tenant]
            if len(ours) >= count:
                return ours
            assert time.monotonic() < deadline, f"heard only {ours}"
            time.sleep(0.05)


class RabbitListener(Listener):
    """A temporary exclusive queue bound to the events exchange for every `order.*` topic,
    as an integration would bind one."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        settings = runtime.settings
        url = settings.broker_url.get_secret_value()
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        exchange = f"{settings.queue_prefix}.events"
        self.channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, exchange, routing_key="order.*")

    def collect(self) -> None:
        while True:
            method, _, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return
            self.notices.append((method.routing_key, json.loads(body)))


@contextmanager
def listening(runtime: Runtime) -> Iterator[Listener]:
    """Listen for notices from before anything is relayed until the block ends."""
    if not runtime.settings.embedded_broker:
        rabbit = RabbitListener(runtime)
        try:
            yield rabbit
        finally:
            rabbit.connection.close()
        return
    listener = Listener(runtime)
    subscribers = runtime.relay.notices.subscribers  # type: ignore[attr-defined]

    def subscriber(topic: str, body: dict[str, Any]) -> None:
        listener.notices.append((topic, body))

    subscribers.append(subscriber)
    try:
        yield listener
    finally:
        subscribers.remove(subscriber)


def order_notices_written(api: Api) -> int:
    tenant, o = tenant_id(api.runtime.sync_engine, api.slug), t.outbox_message.c
    with api.runtime.sync_engine.connect() as db:
        return int(
            db.execute(
                select(func.count()).where(
                    o.tenant_id == tenant, o.event.is_(True), o.task.like("order.%")
                )
            ).scalar_one()
        )


async def test_recording_then_returning_an_order_publishes_recorded_then_changed(
    api: Api, runtime: Runtime
) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Noticed")
    tenant = tenant_id(runtime.sync_engine, api.slug)
    with listening(runtime) as listener:
        order = (await record(api, owner, [ticket(cat), ticket(cat)]))["order"]
        returned = await return_items(api, order["id"], [order["items"][0]["id"]])
        assert returned["errors"] == []

        notices = listener.heard(tenant, count=2)

    about = {"order_id": pk(order["id"]), "reference": order["reference"], "tenant_id": tenant}
    # Each body names its outbox message, so a consumer that sees only bodies can deduplicate.
    ids = [body.pop("message_id") for _, body in notices]
    assert len(set(ids)) == 2 and all(len(i) == 36 for i in ids)
    assert notices == [
        ("order.recorded", {**about, "topic": "order.recorded"}),
        ("order.changed", {**about, "topic": "order.changed"}),
    ]


async def test_an_order_sent_again_with_its_external_reference_writes_no_second_notice(
    api: Api, runtime: Runtime
) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Twice")
    sent = {"channel": "INTEGRATION", "externalReference": "WEB-77"}
    first = await record(api, owner, [ticket(cat)], **sent)

    again = await record(api, owner, [ticket(cat)], **sent)

    assert (first["created"], again["created"]) == (True, False)
    assert again["order"]["id"] == first["order"]["id"]
    assert order_notices_written(api) == 1
    with listening(runtime) as listener:
        first_round = listener.heard(tenant_id(runtime.sync_engine, api.slug), count=1)
        second_round = listener.heard(tenant_id(runtime.sync_engine, api.slug), count=1)
    assert second_round == first_round
    assert [topic for topic, _ in first_round] == ["order.recorded"]
