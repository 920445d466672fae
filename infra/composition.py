"""The composition root: builds engines, broker, actors, relay and the app from settings.

The only module that may import every layer (lazily), so that nothing connects or
registers at import time anywhere else.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import dramatiq
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.auth.passwords import Passwords
from infra.db.engine import Timeouts, build_async_engine, build_sync_engine
from infra.mail import MailTransport, build_transport
from infra.messaging.broker import broker_answers, build_broker, build_notices
from infra.messaging.relay import Relay, requeue_unfinished_jobs
from infra.scheduling import Scheduler
from infra.settings import Settings
from infra.storage import FileStore
from infra.sweeper import Sweeper

log = logging.getLogger("foyer")


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sync_engine: Engine
    broker: dramatiq.Broker
    relay: Relay
    files: FileStore
    mail: MailTransport
    sweeper: Sweeper

    @functools.cached_property
    def passwords(self) -> Passwords:
        """Made when an app first needs it: workers and commands check no passwords."""
        return Passwords(self.settings.password_threads)

    async def close(self) -> None:
        if "passwords" in self.__dict__:
            self.passwords.close()
        self.broker.close()
        self.mail.close()
        close_notices = getattr(self.relay.notices, "close", None)
        if close_notices is not None:
            close_notices()
        await self.engine.dispose()
        self.sync_engine.dispose()


def database_timeouts(settings: Settings, statement: float | None) -> Timeouts:
    """The configured timeouts; statements are bounded for the API's engine only, since a
    worker's export may rightly run one long statement."""
    return Timeouts(
        connect=settings.db_connect_timeout_seconds,
        pool=settings.db_pool_timeout_seconds,
        statement=statement,
    )


def build_runtime(settings: Settings) -> Runtime:
    from workers.dependencies import WorkerDependencies
    from workers.registry import declare_actors

    if settings.log_sql:
        # Through the application's own log handler: `echo` would add a second one, and
        # every statement would be printed twice.
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    sync_engine = build_sync_engine(
        settings.database_url, timeouts=database_timeouts(settings, None)
    )
    files = FileStore(settings.files_dir)
    mail = build_transport(
        settings.smtp_url.get_secret_value(),
        settings.mail_dir,
        sender=settings.mail_from,
        # A mail is sent under a lease renewed once half of it has gone: however the server
        # stalls, sending (at most twice this: infra/mail/transport.py) ends within the lease.
        send_within=settings.lease_seconds / 6,
    )
    broker = build_broker(settings)
    declare_actors(broker, WorkerDependencies.from_settings(sync_engine, files, mail, settings))
    return Runtime(
        settings=settings,
        engine=build_async_engine(
            settings.database_url,
            settings.database_pool_size,
            timeouts=database_timeouts(settings, settings.db_statement_timeout_seconds),
        ),
        sync_engine=sync_engine,
        broker=broker,
        relay=Relay(sync_engine, broker, build_notices(settings), settings.relay_batch_size),
        files=files,
        mail=mail,
        sweeper=Sweeper(sync_engine, files, settings),
    )


def start_worker(runtime: Runtime, threads: int) -> dramatiq.Worker:
    worker = dramatiq.Worker(runtime.broker, worker_threads=threads, worker_timeout=200)
    worker.start()
    return worker


def stop_worker(runtime: Runtime, worker: dramatiq.Worker) -> None:
    """Stop within the shutdown grace: long jobs hand themselves back between batches
    (workers/shutdown.py); the margin is for the last batch and the goodbyes."""
    worker.stop(timeout=int((runtime.settings.shutdown_grace_seconds + 5) * 1000))


class BackgroundRelay:
    """The relay on a thread of its own, as `foyer serve` runs it in the embedded default."""

    def __init__(self, relay: Relay, interval: float, gather: float = 0.0) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=relay.run,
            args=(self._stop, interval, gather),
            name="foyer-relay",
            daemon=True,
        )
        self._relay = relay

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._relay.wake()
        self._thread.join(timeout=10)


def build_app(runtime: Runtime, in_process_workers: bool) -> Any:
    """The ASGI app; with `in_process_workers`, relay and workers run inside it."""
    from resolvers.context import Services
    from schema.app import create_app

    settings = runtime.settings
    services = Services(
        engine=runtime.engine,
        settings=settings,
        files=runtime.files,
        passwords=runtime.passwords,
        wake_relay=runtime.relay.wake if in_process_workers else lambda: None,
    )
    services.links  # noqa: B018 - read the link secret now, not on the event loop

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        worker, relay = None, None
        stopping = threading.Event()
        if in_process_workers:
            requeued = requeue_unfinished_jobs(runtime.sync_engine)
            if requeued:
                log.info("Re-enqueued %d unfinished jobs", requeued)
            worker = start_worker(runtime, settings.worker_threads)
            relay = BackgroundRelay(
                runtime.relay, settings.relay_interval_seconds, settings.relay_gather_seconds
            )
            relay.start()
            scheduler = Scheduler(
                runtime.sync_engine, settings.reminder_hour_utc, runtime.relay.wake
            )
            threading.Thread(
                target=scheduler.run, args=(stopping,), name="foyer-scheduler", daemon=True
            ).start()
            runtime.sweeper.start(stopping)
        # What is built by now lives as long as the process. Frozen out of the collector's
        # reach, it is no longer rescanned by every full collection: those cost 100 ms once
        # every ten dashboard requests, the whole of their p95.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            stopping.set()
            if relay is not None:
                relay.stop()
            if worker is not None:
                stop_worker(runtime, worker)
            runtime.passwords.close()
            await runtime.engine.dispose()

    return create_app(services, lambda timeout: broker_answers(runtime.broker, timeout), lifespan)
