"""Where a mailing message's CPU goes in the worker: one process sends a run's batches
itself (no broker, no other worker), in its main thread, through the same local SMTP sink
as `tests.bench.mailing_send`, under cProfile, and prints the CPU time per message (process
time, not wall: the machine is shared) and the functions that took it.

    .venv/bin/python -m tests.bench.mailing_profile [--recipients 5000] [--top 40]

Creates (and drops at the end) the database `foyer_bench_mail_profile`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import multiprocessing
import pstats
import queue
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr
from sqlalchemy import select

from infra.composition import build_runtime
from infra.db import tables as t
from infra.db.migrate import upgrade
from infra.settings import Settings
from tests.bench.database import BenchDatabase, recreate_database
from tests.bench.mailing_send import ADMIN, HOST, RABBITMQ, _free_port, _send, _sink, prepare
from workers.dependencies import WorkerDependencies
from workers.mailings import run_mailing, send_mailing_batch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--database", default="foyer_bench_mail_profile")
    parser.add_argument("--output", type=Path, help="where to write the raw profile")
    parser.add_argument(
        "--no-profile", action="store_true", help="CPU per message without cProfile's cost"
    )
    arguments = parser.parse_args()
    database = BenchDatabase(ADMIN, arguments.database)
    recreate_database(database)
    upgrade(database.foyer_url)
    port = _free_port()
    count = multiprocessing.Value("l", 0)
    samples: Any = multiprocessing.Queue()
    stop, ready = multiprocessing.Event(), multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, count, samples, ready, stop))
    sink.start()
    ready.wait(15)
    settings = Settings(
        database_url=database.foyer_url,
        broker_url=SecretStr(RABBITMQ),
        queue_prefix=f"foyer-profile-{uuid.uuid4().hex[:6]}",
        files_dir=Path(f"/tmp/foyer-profile-{uuid.uuid4().hex[:6]}"),
        smtp_url=SecretStr(f"smtp://{HOST}:{port}"),
    )
    runtime = build_runtime(settings)
    engine = runtime.sync_engine
    try:
        tenant, mailing, listed = prepare(engine, runtime, arguments.recipients)
        with psycopg.connect(database.url, autocommit=True) as db:
            db.execute("VACUUM (ANALYZE)")
        deps = WorkerDependencies.from_settings(engine, runtime.files, runtime.mail, settings)
        job = asyncio.run(_send(runtime, tenant, mailing, listed))
        run_mailing(deps, job)
        with engine.connect() as db:
            batches = [
                row.arguments["delivery_ids"]
                for row in db.execute(
                    select(t.outbox_message.c.arguments)
                    .where(t.outbox_message.c.task == "send_mailing_batch")
                    .order_by(t.outbox_message.c.id)
                )
            ]
        send_mailing_batch(deps, batches[0])  # warm: templates compiled, connections open
        warm = len(batches[0])
        profile = cProfile.Profile(time.process_time)
        cpu, wall = time.process_time(), time.perf_counter()
        if not arguments.no_profile:
            profile.enable()
        for ids in batches[1:]:
            send_mailing_batch(deps, ids)
        profile.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        sent = count.value - warm
        assert sent == arguments.recipients - warm, (sent, arguments.recipients)
        with engine.connect() as db:
            status = db.execute(select(t.job.c.status).where(t.job.c.id == job)).scalar_one()
        assert status == "SUCCEEDED", status
        print(
            f"{sent:,} messages: {cpu / sent * 1e3:.3f} ms CPU and {wall / sent * 1e3:.3f} ms"
            f" wall each in the worker ({sent / wall:,.0f}/s on one thread)"
        )
        if arguments.no_profile:
            return
        if arguments.output:
            profile.dump_stats(arguments.output)
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(arguments.top)
            print(out.getvalue())
    finally:
        runtime.mail.close()
        with contextlib.suppress(queue.Empty):  # a process ends once its queue is read
            while True:
                samples.get(timeout=0.5)
        stop.set()
        sink.join(timeout=10)
        if sink.is_alive():
            sink.kill()
        asyncio.run(runtime.close())
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
