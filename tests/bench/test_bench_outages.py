"""Outage drills, on demand only: how long an outage of the database, the broker or the mail
server Foyer survives with no job or email lost or doubled.

    FOYER_DRILL_SECONDS=600 FOYER_DRILLS=smtp FOYER_TEST_BACKENDS=postgresql \\
        .venv/bin/pytest -m bench -s tests/bench/test_bench_outages.py

Each drill runs its workload once with no outage (the baseline) and once with the
dependency cut, through a loopback proxy, for FOYER_DRILL_SECONDS (default 60), with the
production retry settings (FOYER_DRILL_MAX_BACKOFF overrides the 300 s ceiling). It prints
what arrived and how long after the dependency returned; it fails if anything was lost or
doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from infra.composition import Runtime, build_runtime, start_worker, stop_worker
from infra.demo.generator import generate_customers
from infra.settings import Settings
from tests.conftest import Api
from tests.e2e.sales_fixtures import catalogue
from tests.integration.jobs import job_row, request_export, tenant_id
from tests.integration.tcp_proxy import TcpProxy
from tests.integration.test_export_pipeline import job_pk
from tests.integration.test_mail_transport import HOST, Mailbox, free_port, smtp_server
from tests.integration.test_pledge_reminders import (
    SETTINGS,
    donor,
    finished,
    message_id,
    message_ids,
    pledge_due_in,
    reminders,
    start_run,
)

OUTAGE = float(os.environ.get("FOYER_DRILL_SECONDS", "60"))
DRILLS = os.environ.get("FOYER_DRILLS", "database,broker,smtp").split(",")
MAX_BACKOFF = float(os.environ.get("FOYER_DRILL_MAX_BACKOFF", "300"))
EMAILS, EXPORTS, CUSTOMERS = 50, 10, 2_000

pytestmark = pytest.mark.bench


def drill_runtime(settings: Settings, name: str, **changes: Any) -> Runtime:
    prefix = f"{settings.queue_prefix}-drill-{name}"
    update = {"queue_prefix": prefix, "retry_max_backoff_seconds": MAX_BACKOFF, **changes}
    return build_runtime(settings.model_copy(update=update))


async def relay_until(runtime: Runtime, done: Callable[[], bool], seconds: float) -> float:
    started = time.monotonic()
    while not done():
        runtime.relay.relay_once()
        assert time.monotonic() - started < seconds, "the drill did not settle in time"
        await asyncio.sleep(0.2)
    return time.monotonic() - started


async def relay_for(runtime: Runtime, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the database may be the one away
            runtime.relay.relay_once()
        await asyncio.sleep(0.5)


def report(name: str, baseline: float, recovered: float, detail: str) -> None:
    print(
        f"\n[drill] {name} down {OUTAGE:.0f} s: {detail}; baseline {baseline:.1f} s with no "
        f"outage; all done {recovered:.1f} s after it returned (max backoff {MAX_BACKOFF:g} s)"
    )


async def test_a_mail_server_outage_loses_and_doubles_no_reminder(
    api: Api, settings: Settings
) -> None:
    if "smtp" not in DRILLS:
        pytest.skip("FOYER_DRILLS leaves out smtp")
    box, port = Mailbox(), free_port()
    with smtp_server(box, port), TcpProxy(port) as proxy:
        mailing = drill_runtime(settings, "smtp", smtp_url=SecretStr(f"smtp://{HOST}:{proxy.port}"))
        worker = start_worker(mailing, threads=2)
        try:
            assert (await api.data(SETTINGS))["saveReminderSettings"]["errors"] == []
            fund, ada = (await catalogue(api)).fund, await donor(api, "Ada", "ada@example.org")
            await pledge_due_in(api, ada, fund, *[5] * EMAILS, each=100)
            start_run(mailing, api.slug)
            baseline = await relay_until(mailing, finished(mailing, api.slug, 1, EMAILS), 300)

            fresh = await _second_organisation(api)  # the same again, during the outage
            proxy.stop()
            start_run(mailing, fresh.slug)
            await relay_for(mailing, OUTAGE)
            proxy.start()
            recovered = await relay_until(
                mailing, finished(mailing, fresh.slug, 1, EMAILS), OUTAGE + 900
            )
        finally:
            stop_worker(mailing, worker)
            await mailing.close()
    rows = reminders(mailing, fresh.slug)
    arrived = message_ids(box)
    copies = [arrived[message_id(r.id)] for r in rows]
    report("mail server", baseline, recovered, f"{sum(c > 0 for c in copies)}/{EMAILS} arrived")
    assert len(rows) == EMAILS and copies == [1] * EMAILS


async def _second_organisation(api: Api) -> Api:
    from tests.conftest import new_organisation

    fresh = await new_organisation(api.runtime, api.client)
    assert (await fresh.data(SETTINGS))["saveReminderSettings"]["errors"] == []
    fund, ada = (await catalogue(fresh)).fund, await donor(fresh, "Ada", "ada@example.org")
    await pledge_due_in(fresh, ada, fund, *[5] * EMAILS, each=100)
    return fresh


async def exports_drill(api: Api, workers: Runtime, proxy: TcpProxy, name: str) -> None:
    engine = api.runtime.sync_engine
    generate_customers(engine, tenant_id(engine, api.slug), CUSTOMERS, seed=17)

    def all_done(jobs: list[int]) -> Callable[[], bool]:
        return lambda: all(job_row(engine, j).status in ("SUCCEEDED", "FAILED") for j in jobs)

    worker = start_worker(workers, threads=2)
    try:
        first = [job_pk(await request_export(api)) for _ in range(EXPORTS)]
        baseline = await relay_until(workers, all_done(first), 600)
        during = [job_pk(await request_export(api)) for _ in range(EXPORTS)]
        workers.relay.relay_once()
        proxy.stop()
        await relay_for(workers, OUTAGE)
        proxy.start()
        recovered = await relay_until(workers, all_done(during), OUTAGE + 900)
    finally:
        proxy.start()
        stop_worker(workers, worker)
        await workers.close()
    rows = [job_row(engine, j) for j in during]
    succeeded = sum(r.status == "SUCCEEDED" and r.progress == CUSTOMERS for r in rows)
    attempts = max(r.attempts for r in rows)
    report(
        name, baseline, recovered, f"{succeeded}/{EXPORTS} exports SUCCEEDED, attempts ≤ {attempts}"
    )
    assert succeeded == EXPORTS


async def test_a_database_outage_loses_no_export(api: Api, settings: Settings) -> None:
    if "database" not in DRILLS or settings.is_sqlite:
        pytest.skip("FOYER_DRILLS leaves out database, or SQLite (no connection to cut)")
    url = make_url(settings.database_url)
    with TcpProxy(url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        await exports_drill(
            api, drill_runtime(settings, "db", database_url=proxied), proxy, "database"
        )


async def test_a_broker_outage_loses_no_export(api: Api, settings: Settings) -> None:
    if "broker" not in DRILLS or settings.embedded_broker:
        pytest.skip("FOYER_DRILLS leaves out broker, or the in-process broker (never away)")
    url = urlsplit(settings.broker_url.get_secret_value())
    with TcpProxy(url.port or 5672) as proxy:
        proxied = url._replace(netloc=f"{url.username}:{url.password}@127.0.0.1:{proxy.port}")
        workers = drill_runtime(settings, "broker", broker_url=SecretStr(urlunsplit(proxied)))
        await exports_drill(api, workers, proxy, "broker")
