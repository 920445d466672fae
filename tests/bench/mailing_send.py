"""A mailing to many recipients through a local SMTP sink, with two worker processes, on
PostgreSQL and RabbitMQ: messages per second end to end (from `sendMailing` committed to
its job SUCCEEDED: recipients resolved, every message rendered, handed over and marked with
its timeline entry) against the sink's own ceiling measured in the same run (two plain
smtplib clients sending the same messages over one connection each, as the two workers
do), and each worker's RSS at start, middle and end.

    .venv/bin/python -m tests.bench.mailing_send [--recipients 100000] [--rounds 1]

Creates (and drops at the end) the database `foyer_bench_mail`. Figures only: no assertion
about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr
from sqlalchemy import Engine, func, insert, literal, select

from domain.actors import Actor, ActorKind
from domain.mailings.runs import SendMailing, send_mailing
from domain.roles import Role
from infra.auth.accounts import create_tenant
from infra.clock import utc_now
from infra.composition import Runtime, build_runtime
from infra.db import consent_tables as c
from infra.db import insights_tables as i
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.migrate import upgrade
from infra.db.tables import Id, Moment
from infra.db.unit_of_work import SqlUnitOfWork
from infra.demo.generator import generate_customers
from infra.settings import Settings
from tests.bench.database import BenchDatabase, foyer_command, recreate_database
from tests.integration.mailing_fixtures import HTML

ADMIN = os.environ.get("FOYER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBITMQ = os.environ.get("FOYER_BENCH_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/%2F")
HOST = "127.0.0.1"
SAMPLES = 500


def _sink(port: int, count: Any, samples: Any, ready: Any, stop: Any) -> None:
    """One aiosmtpd server process of the sink, counting what it accepts and keeping the
    first SAMPLES messages as they arrived. Several listen on the same port
    (SO_REUSEPORT, the kernel spreads the connections): one Python process is one core,
    and a sink of one would be the ceiling of both measures."""
    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
                kept = count.value <= SAMPLES
            if kept:
                samples.put((envelope.mail_from, envelope.rcpt_tos[0], envelope.original_content))
            return "250 OK"

    async def serve() -> None:
        handler = Handler()
        server = await asyncio.get_running_loop().create_server(
            lambda: SMTP(handler, hostname=HOST), HOST, port, reuse_port=True
        )
        ready.set()
        await asyncio.to_thread(stop.wait)
        server.close()

    asyncio.run(serve())


def _client(port: int, messages: list[tuple[str, str, bytes]], counts: list[int], go: Any) -> None:
    """A client process with one connection per count, as a worker has one per thread."""

    def send(n: int, offset: int) -> None:
        with smtplib.SMTP(HOST, port) as smtp:
            for k in range(offset, offset + n):
                sender, to, raw = messages[k % len(messages)]
                smtp.sendmail(sender, [to], raw)

    lanes = [threading.Thread(target=send, args=(n, sum(counts[:k]))) for k, n in enumerate(counts)]
    go.wait()
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join()


def ceiling(
    port: int, count: Any, messages: list[tuple[str, str, bytes]], n: int, lanes: int
) -> float:
    """Messages per second plain smtplib clients get through the sink, over as many
    connections in as many processes as the workers have: its own ceiling."""
    go = multiprocessing.Event()
    shares = [n // (2 * lanes) + (k < n % (2 * lanes)) for k in range(2 * lanes)]
    clients = [
        multiprocessing.Process(target=_client, args=(port, messages, shares[k::2], go))
        for k in range(2)
    ]
    for client in clients:
        client.start()
    time.sleep(1)  # both processes up, waiting
    before = count.value
    started = time.perf_counter()
    go.set()
    for client in clients:
        client.join()
    seconds = time.perf_counter() - started
    assert count.value - before == n, "the sink lost messages"
    return n / seconds


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU the whole machine has used so far (every core, every process: other sessions'
    too), to tell a worker short of CPU from one waiting."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def prepare(engine: Engine, runtime: Runtime, recipients: int) -> tuple[int, int, int]:
    """An organisation with `recipients` customers, each with an address and granting the
    mailing's preference, a frozen list of them all and the mailing: (tenant, mailing,
    list)."""
    slug = asyncio.run(create_tenant(runtime.engine, f"Bench Theatre {uuid.uuid4().hex[:6]}"))
    with engine.connect() as db:
        tenant = db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == slug)).scalar_one()
    started = time.perf_counter()
    generate_customers(engine, tenant, recipients, seed=41)
    now, cu, e = utc_now(), t.customer.c, t.customer_email.c
    with engine.begin() as db:
        lacking = select(
            literal(tenant, Id), cu.id, literal(0), func.concat("bench", cu.id, "@example.org")
        ).where(cu.tenant_id == tenant, ~select(e.id).where(e.customer_id == cu.id).exists())
        db.execute(
            insert(t.customer_email).from_select(
                ["tenant_id", "customer_id", "position", "address"], lacking
            )
        )
        preference = db.execute(
            insert(c.contact_preference)
            .values(
                tenant_id=tenant,
                name="Email news",
                kind="EMAIL",
                marketing=True,
                version=1,
                statement="Email me.",
                retired=False,
                created_at=now,
            )
            .returning(c.contact_preference.c.id)
        ).scalar_one()
        db.execute(
            insert(c.consent_entry).from_select(
                [
                    "tenant_id",
                    "customer_id",
                    "preference_id",
                    "state",
                    "wording_version",
                    "source",
                    "recorded_by",
                    "recorded_by_kind",
                    "recorded_at",
                ],
                select(
                    literal(tenant, Id),
                    cu.id,
                    literal(preference, Id),
                    literal("GRANTED"),
                    literal(1),
                    literal("IMPORT"),
                    literal("bench"),
                    literal("SYSTEM"),
                    literal(now, Moment),
                ).where(cu.tenant_id == tenant),
            )
        )
        listed = db.execute(
            insert(i.customer_list)
            .values(
                tenant_id=tenant,
                name="All",
                frozen_at=now,
                created_by="bench",
                created_by_kind="SYSTEM",
                created_by_id=0,
                size=recipients,
            )
            .returning(i.customer_list.c.id)
        ).scalar_one()
        db.execute(
            insert(i.customer_list_member).from_select(
                ["tenant_id", "list_id", "customer_id"],
                select(literal(tenant, Id), literal(listed, Id), cu.id).where(
                    cu.tenant_id == tenant
                ),
            )
        )
        mailing = db.execute(
            insert(m.mailing)
            .values(
                tenant_id=tenant,
                name="Spring season",
                subject="Spring at {{ organisation }}, {{ first_name }}",
                html_body=HTML,
                preference_id=preference,
                created_by="bench",
                created_at=now,
                updated_at=now,
            )
            .returning(m.mailing.c.id)
        ).scalar_one()
    print(
        f"prepared {recipients:,} recipients in {time.perf_counter() - started:.1f} s", flush=True
    )
    return tenant, mailing, listed


async def _send(runtime: Runtime, tenant: int, mailing: int, listed: int) -> int:
    actor = Actor(ActorKind.SYSTEM, None, "benchmark", tenant, frozenset(Role))
    async with SqlUnitOfWork(runtime.engine, actor) as uow:
        _, job = await send_mailing(uow, SendMailing(mailing, list_id=listed))
        await uow.commit()
    assert job.id is not None
    return job.id


def job_status(engine: Engine, job: int) -> str:
    with engine.connect() as db:
        return str(db.execute(select(t.job.c.status).where(t.job.c.id == job)).scalar_one())


def one_round(
    runtime: Runtime,
    tenant: int,
    listed: int,
    count: Any,
    recipients: int,
    workers: list[Any],
    sinks: list[Any],
) -> dict[str, float]:
    engine = runtime.sync_engine
    with engine.begin() as db:  # a fresh mailing for each round: each is sent once per customer
        source = db.execute(select(m.mailing).where(m.mailing.c.tenant_id == tenant).limit(1)).one()
        values = {
            k: getattr(source, k)
            for k in (
                "tenant_id",
                "name",
                "subject",
                "html_body",
                "preference_id",
                "created_by",
                "created_at",
                "updated_at",
            )
        }
        mailing = db.execute(
            insert(m.mailing).values(**values).returning(m.mailing.c.id)
        ).scalar_one()
    rss = {"start": [rss_mb(w.pid) for w in workers]}
    cpu = [cpu_seconds(w.pid) for w in workers]
    sink_cpu = sum(cpu_seconds(s.pid) for s in sinks)
    busy = machine_busy_seconds()
    before = count.value
    started = time.perf_counter()
    job = asyncio.run(_send(runtime, tenant, mailing, listed))
    relaying = threading.Event()

    def relay() -> None:
        while not relaying.is_set():
            if runtime.relay.relay_once() == 0:
                time.sleep(0.05)

    relayer = threading.Thread(target=relay, daemon=True)
    relayer.start()
    first, reported = None, 0
    while job_status(engine, job) not in ("SUCCEEDED", "FAILED"):
        arrived = count.value - before
        if first is None and arrived:
            first = time.perf_counter() - started
        if "middle" not in rss and arrived >= recipients // 2:
            rss["middle"] = [rss_mb(w.pid) for w in workers]
        if arrived >= reported + recipients // 10:  # a long run shows how it goes
            reported = arrived
            elapsed = time.perf_counter() - started
            print(
                f"  {arrived:,} sent in {elapsed:.0f} s ({arrived / elapsed:,.0f}/s), worker RSS "
                + " / ".join(f"{rss_mb(w.pid):.1f}" for w in workers)
                + " MB",
                flush=True,
            )
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    relaying.set()
    relayer.join()
    rss["end"] = [rss_mb(w.pid) for w in workers]
    assert job_status(engine, job) == "SUCCEEDED"
    assert count.value - before == recipients, (count.value - before, recipients)
    figures = {
        "seconds": seconds,
        "first_message_s": first or 0.0,
        "per_second": recipients / seconds,
        # CPU per message: of each worker process (each is one core at most: the GIL),
        # and of the whole machine, other sessions included.
        **{
            f"cpu_ms_per_message_worker{n + 1}": (cpu_seconds(w.pid) - cpu[n]) / recipients * 1e3
            for n, w in enumerate(workers)
        },
        "sink_cpu_ms_per_message": (sum(cpu_seconds(s.pid) for s in sinks) - sink_cpu)
        / recipients
        * 1e3,
        "machine_cpu_ms_per_message": (machine_busy_seconds() - busy) / recipients * 1e3,
        "machine_cores_busy": (machine_busy_seconds() - busy) / seconds,
    }
    for moment, values in rss.items():
        for n, value in enumerate(values):
            figures[f"rss_{moment}_worker{n + 1}_mb"] = value
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="per worker process")
    parser.add_argument("--sink-processes", type=int, default=2)
    parser.add_argument("--database", default="foyer_bench_mail")
    parser.add_argument(
        "--worker-code",
        type=Path,
        help="a checkout (e.g. `git archive main` unpacked) whose code the workers run, "
        "its packages first on PYTHONPATH: the same measure before a change",
    )
    arguments = parser.parse_args()
    database = BenchDatabase(ADMIN, arguments.database)
    recreate_database(database)
    upgrade(database.foyer_url)
    port = _free_port()
    count = multiprocessing.Value("l", 0)
    samples: Any = multiprocessing.Queue()
    stop = multiprocessing.Event()
    sinks = []
    for _ in range(arguments.sink_processes):
        ready = multiprocessing.Event()
        sinks.append(
            multiprocessing.Process(target=_sink, args=(port, count, samples, ready, stop))
        )
        sinks[-1].start()
        ready.wait(15)
    prefix = f"foyer-bench-{uuid.uuid4().hex[:6]}"
    files = Path(f"/tmp/{prefix}-files")
    settings = Settings(
        database_url=database.foyer_url,
        broker_url=SecretStr(RABBITMQ),
        queue_prefix=prefix,
        files_dir=files,
        smtp_url=SecretStr(f"smtp://{HOST}:{port}"),
    )
    runtime = build_runtime(settings)
    env = {
        **os.environ,
        "FOYER_DATABASE_URL": database.foyer_url,
        "FOYER_BROKER_URL": RABBITMQ,
        "FOYER_QUEUE_PREFIX": prefix,
        "FOYER_FILES_DIR": str(files),
        "FOYER_SMTP_URL": f"smtp://{HOST}:{port}",
    }
    if arguments.worker_code is not None:
        env["PYTHONPATH"] = str(arguments.worker_code.resolve())
    workers = [
        subprocess.Popen(
            foyer_command("worker", "--threads", str(arguments.threads)),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        tenant, _, listed = prepare(runtime.sync_engine, runtime, arguments.recipients)
        with psycopg.connect(database.url, autocommit=True) as db:
            db.execute("VACUUM (ANALYZE)")
        time.sleep(3)  # the workers are up and idle
        results: list[dict[str, float]] = []
        messages: list[tuple[str, str, bytes]] = []
        for n in range(arguments.rounds):
            foyer = one_round(runtime, tenant, listed, count, arguments.recipients, workers, sinks)
            if not messages:  # the first round's first messages, as the sink got them
                wanted = min(SAMPLES, arguments.recipients)
                messages = [samples.get(timeout=10) for _ in range(wanted)]
            sink_rate = ceiling(port, count, messages, arguments.recipients, arguments.threads)
            foyer["sink_ceiling_per_second"] = sink_rate
            foyer["ratio_to_ceiling"] = foyer["per_second"] / sink_rate
            results.append(foyer)
            print(
                f"round {n + 1}: " + ", ".join(f"{k} {v:,.2f}" for k, v in foyer.items()),
                flush=True,
            )
        print(
            f"\nmedians over {len(results)} round(s), {arguments.recipients:,} recipients, "
            f"2 worker processes x {arguments.threads} threads, "
            f"{arguments.sink_processes} sink processes:"
        )
        for key in results[0]:
            print(f"  {key}: {statistics.median(r[key] for r in results):,.2f}")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        stop.set()
        for sink in sinks:
            sink.join(timeout=10)
        asyncio.run(runtime.close())
        _delete_queues(prefix)
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _delete_queues(prefix: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ))
    channel = connection.channel()
    for queue in ("exports", "reminders", "mail"):
        for suffix in ("", ".DQ", ".XQ"):
            channel.queue_delete(f"{prefix}.{queue}{suffix}")
    channel.exchange_delete(f"{prefix}.events")
    connection.close()


if __name__ == "__main__":
    sys.exit(main())
