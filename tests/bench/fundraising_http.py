"""Benchmark: fundraising on PostgreSQL.

- the opportunities dashboard (first 50, with customer, stage, owner and the five totals) over
  HTTP against the same rows from one hand-written SQL query through psycopg;
- the pledge-reminder run over the due instalments: `queue_reminders` (reminder rows and outbox
  rows), then sending end to end (relay + in-process workers writing .eml files), until every
  reminder is SENT.

    python -m tests.bench.fundraising_http --customers 1000000 --opportunities 100000
        --donations 1000000 --due-instalments 100000 [--database foyer_bench_sales]
        [--requests 300] [--rounds 3] [--reminder-rounds 3]

Prints figures (medians over rounds); asserts nothing about speed. Data: customers from
`foyer demo`, fundraising from tests/bench/fundraising_data.py, made once per database.
"""

# ruff: noqa: E501  (report lines are tables)

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr

from infra.clock import utc_now
from infra.db.engine import build_sync_engine
from infra.demo.seed import DEMO_SLUG
from tests.bench.customers_http import ADMIN_URL, create_api_key, revoke_api_key
from tests.bench.database import (
    BenchDatabase,
    foyer_environment,
    prepare,
    vacuum_analyze,
)
from tests.bench.fundraising_data import generate_fundraising
from tests.bench.measure import GraphQLClient, SqlClient, alternate, first_of
from tests.bench.server import FoyerServer

DASHBOARD_QUERY = """
query Dashboard {
  opportunities(first: 50) {
    edges { node {
      name customer { displayName } stage { name } owner { name }
      target { amount } asked { amount } received { amount } pledged { amount }
      reserved { amount }
    } }
  }
}"""

# The 50 newest opportunities with their customer, stage and owner, and Received, Pledged and
# Reserved computed by correlated subqueries, as one statement.
DASHBOARD_SQL = """
SELECT o.name,
       CASE WHEN c.kind = 'INDIVIDUAL' THEN concat_ws(' ', c.title, c.first_name, c.last_name)
            ELSE c.name END,
       st.name, u.name, o.target, o.asked,
       coalesce((SELECT sum(i.price + i.commission) FROM order_item i
                 WHERE i.opportunity_id = o.id AND i.returned_at IS NULL), 0),
       greatest(0, coalesce((
           SELECT sum(p.amount - coalesce((SELECT sum(pay.amount)
                                           FROM instalment ins
                                           JOIN instalment_payment pay ON pay.instalment_id = ins.id
                                           WHERE ins.pledge_id = p.id), 0))
           FROM pledge p WHERE p.opportunity_id = o.id AND NOT p.cancelled), 0)),
       coalesce((SELECT sum(rt.price + rt.commission) FROM reservation r
                 JOIN reservation_ticket rt ON rt.reservation_id = r.id
                 WHERE r.opportunity_id = o.id AND r.status = 'HELD' AND r.expires_at > now()), 0)
FROM opportunity o
JOIN customer c ON c.id = o.customer_id
JOIN opportunity_stage st ON st.id = o.stage_id
JOIN staff_user u ON u.id = o.owner_id
WHERE o.tenant_id = %(tenant)s
ORDER BY o.id DESC
LIMIT 50
"""


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.fundraising_http")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--donations", type=int, default=1_000_000)
    parser.add_argument("--due-instalments", type=int, default=100_000)
    parser.add_argument("--database", default="foyer_bench_sales")
    parser.add_argument("--requests", type=int, default=300, help="per round and way")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reminder-rounds", type=int, default=3)
    parser.add_argument("--worker-threads", type=int, default=8)
    parser.add_argument(
        "--broker-url",
        default="",
        help="RabbitMQ (amqp://...): relay to it and send from separate worker processes",
    )
    parser.add_argument("--worker-processes", type=int, default=2, help="with --broker-url")
    parser.add_argument("--skip-reminders", action="store_true")
    parser.add_argument("--skip-dashboard", action="store_true")
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.database in {"test", "postgres", "template0", "template1"}:
        parser.error(f"--database {arguments.database} is not the benchmark's to fill")
    return arguments


def sizes_of(database: BenchDatabase, tenant_id: int) -> dict[str, int]:
    queries = {
        "customers": "SELECT count(*) FROM customer WHERE tenant_id = %s",
        "opportunities": "SELECT count(*) FROM opportunity WHERE tenant_id = %s",
        "donations": "SELECT count(*) FROM order_item WHERE tenant_id = %s"
        " AND kind = 'DONATION' AND opportunity_id IS NOT NULL",
        "order items": "SELECT count(*) FROM order_item WHERE tenant_id = %s",
        "pledges": "SELECT count(*) FROM pledge WHERE tenant_id = %s",
        "instalments": "SELECT count(*) FROM instalment WHERE tenant_id = %s",
        "due in 14 days": "SELECT count(*) FROM instalment WHERE tenant_id = %s"
        " AND due_on BETWEEN current_date AND current_date + 14",
    }
    with psycopg.connect(database.url) as db:
        return {k: int(db.execute(q, (tenant_id,)).fetchone()[0]) for k, q in queries.items()}  # type: ignore[index]


def _rows_from_graphql(data: dict[str, Any]) -> list[Any]:
    return [
        [
            n["name"],
            n["customer"]["displayName"],
            n["stage"]["name"],
            n["owner"]["name"],
            n["target"]["amount"],
            n["asked"]["amount"],
            n["received"]["amount"],
            n["pledged"]["amount"],
            n["reserved"]["amount"],
        ]
        for n in (e["node"] for e in data["opportunities"]["edges"])
    ]


async def measure_dashboard(
    base_url: str, database: BenchDatabase, api_key: str, tenant_id: int, arguments: Any
) -> list[dict[str, Any]]:
    http = GraphQLClient(base_url, api_key, 1)
    sql = SqlClient(database.url, 1)
    await sql.open()
    variables: list[dict[str, Any]] = [{}] * arguments.requests
    parameters = [{"tenant": tenant_id}] * arguments.requests
    try:
        _, (rows,) = await sql.run(DASHBOARD_SQL, parameters[:1])
        _, (data,) = await http.run(DASHBOARD_QUERY, variables[:1])
        if _rows_from_graphql(data) != [
            [int(v) if not isinstance(v, str) else v for v in r] for r in rows
        ]:
            raise RuntimeError(
                f"Foyer and SQL disagree:\n{_rows_from_graphql(data)[:3]}\n{rows[:3]}"
            )
        rounds = []
        for number in range(arguments.rounds):
            ways = await alternate(
                number,
                lambda: first_of(http.run(DASHBOARD_QUERY, variables)),
                lambda: first_of(sql.run(DASHBOARD_SQL, parameters)),
            )
            f, s = ways["foyer"], ways["sql"]
            print(
                f"dashboard round {number + 1}: Foyer p50 {f.percentile(50):.2f} p95 "
                f"{f.percentile(95):.2f} / SQL p50 {s.percentile(50):.2f} p95 {s.percentile(95):.2f} ms",
                flush=True,
            )
            rounds.append({w: t.summary() for w, t in ways.items()})
        return rounds
    finally:
        await http.aclose()
        await sql.aclose()


def reset_reminders(database: BenchDatabase, tenant_id: int) -> None:
    with psycopg.connect(database.url) as db:
        db.execute("DELETE FROM pledge_reminder WHERE tenant_id = %s", (tenant_id,))
        db.execute(
            "DELETE FROM outbox_message WHERE tenant_id = %s AND task = 'send_pledge_reminders'",
            (tenant_id,),
        )
        db.execute(
            "DELETE FROM timeline_entry WHERE tenant_id = %s AND type = 'PLEDGE_REMINDER'",
            (tenant_id,),
        )
    with psycopg.connect(database.url, autocommit=True) as db:
        db.execute("VACUUM (ANALYZE) pledge_reminder, outbox_message, timeline_entry")


def reminder_round(
    database: BenchDatabase, tenant_id: int, scratch: Path, arguments: Any
) -> dict[str, float]:
    """One reminder run from nothing queued to every reminder SENT.

    Embedded (no --broker-url): the relay and the workers run in this process on the
    in-process broker, as `foyer serve` runs them. With --broker-url: this process relays
    to RabbitMQ and `--worker-processes` separate `foyer worker` processes send, as in
    production."""
    from infra.composition import build_runtime, start_worker
    from infra.db.reminder_queue import queue_reminders
    from infra.settings import Settings

    reset_reminders(database, tenant_id)
    mail_dir = Path(tempfile.mkdtemp(prefix="mail-", dir=scratch))
    prefix = f"foyer-bench-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=database.foyer_url,
        broker_url=SecretStr(arguments.broker_url),
        queue_prefix=prefix,
        smtp_url=SecretStr(""),
        mail_dir=mail_dir,
        files_dir=scratch / "files",
        log_sql=False,
    )
    runtime = build_runtime(settings)
    worker, processes = None, []
    try:
        started = time.perf_counter()
        counts = queue_reminders(runtime.sync_engine, tenant_id, utc_now().date())
        queued_at = time.perf_counter()
        if arguments.broker_url:
            processes = [
                _worker_process(settings, arguments.worker_threads)
                for _ in range(arguments.worker_processes)
            ]
        else:
            worker = start_worker(runtime, threads=arguments.worker_threads)
        with psycopg.connect(database.url, autocommit=True) as db:
            while True:
                while runtime.relay.relay_once():
                    pass
                unsent = db.execute(
                    "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL AND tenant_id = %s",
                    (tenant_id,),
                ).fetchone()[0]  # type: ignore[index]
                if unsent == 0:
                    break
            relayed_at = time.perf_counter()
            while True:
                waiting = db.execute(
                    "SELECT count(*) FROM pledge_reminder WHERE tenant_id = %s"
                    " AND outcome IS DISTINCT FROM 'SENT'",
                    (tenant_id,),
                ).fetchone()[0]  # type: ignore[index]
                if waiting == 0:
                    break
                if any(p.poll() is not None for p in processes):
                    raise RuntimeError("a worker process stopped before the run finished")
                time.sleep(0.2)
        done = time.perf_counter()
        mails = sum(1 for _ in mail_dir.rglob("*.eml"))
        figures = {
            "queued": counts.queued,
            "checked": counts.checked,
            "mails": mails,
            "queue_s": queued_at - started,
            "relay_s": relayed_at - queued_at,
            "send_s": done - queued_at,
            "total_s": done - started,
        }
        print(
            f"reminders: {counts.queued:,} queued in {figures['queue_s']:.1f} s; sent "
            f"({mails:,} .eml) in {figures['send_s']:.1f} s (relay done after "
            f"{figures['relay_s']:.1f} s); total {figures['total_s']:.1f} s",
            flush=True,
        )
        return figures
    finally:
        if worker is not None:
            worker.stop()
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
        asyncio.run(runtime.close())
        if arguments.broker_url:
            _delete_queues(arguments.broker_url, prefix)
        shutil.rmtree(mail_dir, ignore_errors=True)


def _worker_process(settings: Any, threads: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FOYER_DATABASE_URL": settings.database_url,
        "FOYER_BROKER_URL": settings.broker_url.get_secret_value(),
        "FOYER_QUEUE_PREFIX": settings.queue_prefix,
        "FOYER_MAIL_DIR": str(settings.mail_dir),
        "FOYER_SMTP_URL": "",
        "FOYER_FILES_DIR": str(settings.files_dir),
    }
    command = [sys.executable, "-m", "infra.cli.main", "worker", "--threads", str(threads)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def _delete_queues(broker_url: str, prefix: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    for queue in ("exports", "reminders", "mail"):
        for suffix in ("", ".DQ", ".XQ"):
            channel.queue_delete(f"{prefix}.{queue}{suffix}")
    channel.exchange_delete(f"{prefix}.events")
    connection.close()


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    database = BenchDatabase(ADMIN_URL, arguments.database)
    scratch = Path(tempfile.mkdtemp(prefix="foyer-bench-fundraising-"))
    env = foyer_environment(database, scratch / "files")
    report: dict[str, Any] = {}
    try:
        _, tenant_id = prepare(database, arguments.customers, env)
        engine = build_sync_engine(database.foyer_url)
        try:
            made = generate_fundraising(
                engine,
                database.foyer_url,
                DEMO_SLUG,
                tenant_id,
                arguments.opportunities,
                arguments.donations,
                arguments.due_instalments,
            )
        finally:
            engine.dispose()
        if made:
            print(f"Generator: {made}", flush=True)
            report["made"] = made.__dict__
        vacuum_analyze(database)
        sizes = sizes_of(database, tenant_id)
        report["sizes"] = sizes
        print("Data: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()), flush=True)
        if not arguments.skip_dashboard:
            api_key = create_api_key(env)
            try:
                with FoyerServer(env, scratch / "serve.log") as server:
                    rounds = asyncio.run(
                        measure_dashboard(server.base_url, database, api_key, tenant_id, arguments)
                    )
            finally:
                revoke_api_key(env, api_key)
            report["dashboard"] = rounds
        if not arguments.skip_reminders:
            report["reminders"] = [
                reminder_round(database, tenant_id, scratch, arguments)
                for _ in range(arguments.reminder_rounds)
            ]
        print_report(arguments, report)
        if arguments.json:
            arguments.json.write_text(json.dumps(report, indent=2, default=str))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def print_report(arguments: Any, report: dict[str, Any]) -> None:
    sizes = report["sizes"]
    print()
    print(
        f"Foyer fundraising, PostgreSQL ({arguments.database}): "
        + ", ".join(f"{k} {v:,}" for k, v in sizes.items())
    )
    if "dashboard" in report:
        rounds = report["dashboard"]
        m = {
            w: {k: statistics.median(r[w][k] for r in rounds) for k in rounds[0][w]}
            for w in ("foyer", "sql")
        }
        f, s = m["foyer"], m["sql"]
        print(
            f"\nopportunities(first: 50) dashboard, {arguments.requests} requests x "
            f"{arguments.rounds} rounds, 1 client; medians over rounds"
        )
        print(
            f"  Foyer over HTTP   p50 {f['p50']:7.2f}  p95 {f['p95']:7.2f}  p99 {f['p99']:7.2f} ms  {f['rps']:6.0f} req/s"
        )
        print(
            f"  one SQL query     p50 {s['p50']:7.2f}  p95 {s['p95']:7.2f}  p99 {s['p99']:7.2f} ms  {s['rps']:6.0f} req/s"
        )
        print(
            f"  Foyer ÷ SQL       p50 {f['p50'] / s['p50']:.1f}x  p95 {f['p95'] / s['p95']:.1f}x   "
            f"target p95 < 40 ms: {'met' if f['p95'] < 40 else 'MISSED'}"
        )
    if "reminders" in report:
        runs = report["reminders"]
        med = {k: statistics.median(r[k] for r in runs) for k in ("queue_s", "send_s", "total_s")}
        print(
            f"\nreminder run, {runs[0]['queued']:,} reminders, "
            + (
                f"RabbitMQ, {arguments.worker_processes} worker processes x "
                if arguments.broker_url
                else "in-process broker, 1 worker x "
            )
            + f"{arguments.worker_threads} threads, .eml files, median of {len(runs)}"
        )
        print(
            f"  queue {med['queue_s']:.1f} s   send {med['send_s']:.1f} s   total {med['total_s']:.1f} s"
            f"   target < 60 s: {'met' if med['total_s'] < 60 else 'MISSED'}"
        )


if __name__ == "__main__":
    sys.exit(main())
