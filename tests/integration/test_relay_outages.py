"""The relay says when a dependency goes away and when it returns, once each, with the
reason, and keeps the reason on the message it could not send."""

from __future__ import annotations

import logging

import pytest

from infra.settings import Settings
from tests.conftest import Api
from tests.integration.jobs import request_export, unsent_messages
from tests.integration.outages import proxied_api


def relay_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "foyer.relay"]


async def test_a_broker_outage_is_logged_once_each_way_and_its_reason_kept_on_the_message(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with proxied_api(settings, "broker") as proxied:
        relay = proxied.runtime.relay
        relay.relay_pending()  # whatever other tests left
        proxied.proxy.stop()
        await request_export(api)
        caplog.set_level(logging.INFO, logger="foyer.relay")

        for _ in range(3):
            relay.relay_pending()
        stuck = [m for m in unsent_messages(proxied.runtime.sync_engine) if m.attempts]
        proxied.proxy.start()
        relay.relay_pending()

    lines = relay_lines(caplog)
    assert [line.split(":")[0] for line in lines] == [
        "broker unreachable",
        "broker answering again",
    ]
    assert stuck and all(m.last_error and m.last_error.strip() for m in stuck)
    assert len(lines[0]) > len("broker unreachable: ")


async def test_a_database_outage_is_one_line_for_the_relay_not_a_traceback_per_round(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with proxied_api(settings, "database") as proxied:
        relay = proxied.runtime.relay
        relay.relay_pending()
        proxied.proxy.stop()
        caplog.set_level(logging.INFO, logger="foyer.relay")
        for _ in range(3):
            relay.relay_pending()
        proxied.proxy.start()
        relay.relay_pending()

    lines = relay_lines(caplog)
    assert [line.split(":")[0] for line in lines] == [
        "database unreachable",
        "database answering again",
    ], lines
    assert not any(r.exc_info for r in caplog.records if r.name == "foyer.relay")
