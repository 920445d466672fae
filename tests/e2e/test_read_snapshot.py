"""A request reads one moment of the database: a payment committed while an opportunity's
figures are being read is counted in all of them or in none, never twice and never nowhere."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from sqlalchemy import event

from infra.composition import build_app, build_runtime
from infra.settings import Settings
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import LINK_PLEDGE, fundraising, mutate, ok, pay, pledge

# Through the dataloaders (the dashboard's page reads its figures in its own statement):
# Received and Pledged are then two statements, with a moment between them.
FIGURES = """query($id: ID!) { node(id: $id) { ... on Opportunity {
  received { amount } pledged { amount } } } }"""


def pay_through_another_process(settings: Settings, key: str, instalment: str) -> Any:
    """Pay on a runtime of its own, as another API process would, and wait for its commit."""
    paid: list[Any] = []

    async def paying() -> None:
        runtime = build_runtime(settings)
        try:
            transport = httpx.ASGITransport(app=build_app(runtime, in_process_workers=False))
            async with httpx.AsyncClient(transport=transport, base_url="http://other") as client:
                other = Api(client, key, "", runtime)
                paid.append(await pay(other, instalment, 4_000))
        finally:
            await runtime.close()

    thread = threading.Thread(target=lambda: asyncio.run(paying()))
    thread.start()
    thread.join()
    return paid[0]


async def test_a_payment_committed_between_two_figures_of_the_dashboard_is_counted_once(
    api: Api, settings: Settings
) -> None:
    plan = await fundraising(api)
    made = ok(await pledge(api, plan.donor, plan.catalogue.fund, 30_000, instalments=3))["pledge"]
    ok(await mutate(api, LINK_PLEDGE, {"pledge": made["id"], "opportunity": plan.opportunity}))
    payments: list[Any] = []

    def pay_before_pledged_is_read(_db: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Received has been read by now; Pledged is next.
        if "instalment_payment" in statement and not payments:
            instalment = made["instalments"][0]["id"]
            payments.append(pay_through_another_process(settings, api.key, instalment))

    engine = api.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", pay_before_pledged_is_read)
    try:
        read = (await api.data(FIGURES, {"id": plan.opportunity}))["node"]
    finally:
        event.remove(engine, "before_cursor_execute", pay_before_pledged_is_read)
    after = (await api.data(FIGURES, {"id": plan.opportunity}))["node"]

    assert ok(payments[0])["pledge"]["given"] == {"amount": 4_000}
    assert (read["received"]["amount"], read["pledged"]["amount"]) == (0, 30_000)
    assert (after["received"]["amount"], after["pledged"]["amount"]) == (4_000, 26_000)
