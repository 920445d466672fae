"""Benchmark: sales on PostgreSQL over HTTP.

- `recordOrder` throughput with `--concurrency` clients (default 4), orders of two tickets and
  sometimes a donation, for customers drawn at random;
- `customer(id) { orders(first: 20) { items } }` for one customer with `--heavy-orders` (500)
  orders, against the same rows fetched by one hand-written SQL query through psycopg.

    python -m tests.bench.orders_http --customers 1000000 --order-items 5000000
        [--database foyer_bench_sales] [--requests 300] [--orders 600] [--rounds 3]
        [--baseline /work/main]

With `--baseline`, a second `foyer serve` runs that checkout's code (its packages first on
PYTHONPATH) on the same database, and each round's orders are shared between the two, who
goes first turning, so that orders per second compare within one run.

Prints figures (medians over rounds); asserts nothing about speed. The data are made by
`foyer demo` (customers) and `infra.demo.orders.generate_orders` (orders), only up to what is
missing, so later runs reuse them.
"""

# ruff: noqa: E501  (report lines are tables)

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from infra.db.engine import build_sync_engine
from infra.demo.orders import ensure_catalogue, generate_orders
from resolvers.global_ids import to_global_id
from tests.bench.customers_http import ADMIN_URL, create_api_key, revoke_api_key
from tests.bench.database import (
    BenchDatabase,
    foyer_environment,
    prepare,
    vacuum_analyze,
)
from tests.bench.measure import GraphQLClient, SqlClient, alternate, first_of
from tests.bench.server import FoyerServer

ORDERS_QUERY = """
query Orders($id: ID!) {
  customer(id: $id) {
    orders(first: 20) {
      edges { node { id reference orderedAt
        items { id kind price { amount } commission { amount } description priceBand returned }
      } }
    }
  }
}"""

# The owner's 20 newest orders, each with its items in position order, as one statement.
ORDERS_SQL = """
SELECT o.id, o.ordered_at,
       (SELECT json_agg(json_build_array(i.id, i.kind, i.price, i.commission, i.description,
                                         i.price_band, i.returned_at IS NOT NULL)
                        ORDER BY i.position)
        FROM order_item i WHERE i.order_id = o.id) AS items
FROM customer_order o
WHERE o.tenant_id = %(tenant)s AND o.owner_id = %(owner)s
ORDER BY o.ordered_at DESC, o.id DESC
LIMIT 20
"""

RECORD_ORDER = """
mutation Record($input: RecordOrderInput!) {
  recordOrder(input: $input) { created errors { message } order { id } }
}"""


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.orders_http")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--order-items", type=int, default=5_000_000)
    parser.add_argument("--heavy-orders", type=int, default=500)
    parser.add_argument("--database", default="foyer_bench_sales")
    parser.add_argument("--requests", type=int, default=300, help="reads per round and way")
    parser.add_argument("--orders", type=int, default=600, help="recordOrder calls per round")
    parser.add_argument("--concurrency", type=int, default=4, help="recordOrder clients")
    parser.add_argument(
        "--server-workers",
        type=int,
        default=1,
        help="API processes (foyer serve --workers), with a foyer relay; needs --broker-url",
    )
    parser.add_argument("--broker-url", default="", help="RabbitMQ, for --server-workers > 1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--baseline", type=Path, help="a checkout whose recordOrder to time too, e.g. /work/main"
    )
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.database in {"test", "postgres", "template0", "template1"}:
        parser.error(f"--database {arguments.database} is not the benchmark's to fill")
    return arguments


def _count(database: BenchDatabase, sql: str, tenant_id: int) -> int:
    with psycopg.connect(database.url) as db:
        return int(db.execute(sql, (tenant_id,)).fetchone()[0])  # type: ignore[index]


def ensure_orders(
    database: BenchDatabase, tenant_id: int, items: int, heavy: int
) -> dict[str, Any]:
    """Top up to `items` order items, then give one customer `heavy` orders."""
    engine = build_sync_engine(database.foyer_url)
    made: dict[str, Any] = {"items_written": 0, "seconds": 0.0}
    try:
        have = _count(database, "SELECT count(*) FROM order_item WHERE tenant_id = %s", tenant_id)
        if have < items:
            started = time.perf_counter()
            generate_orders(engine, tenant_id, items - have, seed=have + 1)
            made = {"items_written": items - have, "seconds": time.perf_counter() - started}
        with psycopg.connect(database.url) as db:
            owner, orders = db.execute(
                "SELECT owner_id, count(*) FROM customer_order WHERE tenant_id = %s"
                " GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 1",
                (tenant_id,),
            ).fetchone()  # type: ignore[misc]
        while orders < heavy:
            # About 2.7 items an order: ask for fewer items than orders still wanted.
            generate_orders(engine, tenant_id, max(1, (heavy - orders) * 2), owners=[owner])
            with psycopg.connect(database.url) as db:
                orders = db.execute(
                    "SELECT count(*) FROM customer_order WHERE tenant_id = %s AND owner_id = %s",
                    (tenant_id, owner),
                ).fetchone()[0]  # type: ignore[index]
        made["heavy_owner"], made["heavy_orders"] = owner, orders
        made["catalogue"] = ensure_catalogue(engine, tenant_id)
    finally:
        engine.dispose()
    return made


def heavy_customer_gid(database: BenchDatabase, owner: int) -> str:
    with psycopg.connect(database.url) as db:
        kind = db.execute("SELECT kind FROM customer WHERE id = %s", (owner,)).fetchone()[0]  # type: ignore[index]
    return to_global_id("Individual" if kind == "INDIVIDUAL" else "Organisation", owner)


def order_inputs(
    database: BenchDatabase, tenant_id: int, catalogue: dict[str, list[int]], count: int, seed: int
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    with psycopg.connect(database.url) as db:
        owners = db.execute(
            "SELECT id, kind FROM customer WHERE tenant_id = %s ORDER BY random() LIMIT %s",
            (tenant_id, count),
        ).fetchall()
    inputs = []
    for n in range(count):
        pk, kind = owners[n % len(owners)]
        instance = to_global_id("EventInstance", rng.choice(catalogue["instances"]))
        items: list[dict[str, Any]] = [
            {
                "kind": "TICKET",
                "price": 2500,
                "commission": 150,
                "instanceId": instance,
                "priceBand": "A",
            }
            for _ in range(2)
        ]
        if rng.random() < 0.2:
            items.append(
                {
                    "kind": "DONATION",
                    "price": 1000,
                    "fundId": to_global_id("Fund", rng.choice(catalogue["funds"])),
                }
            )
        owner = to_global_id("Individual" if kind == "INDIVIDUAL" else "Organisation", pk)
        inputs.append({"input": {"ownerId": owner, "channel": "BOX_OFFICE", "items": items}})
    return inputs


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used (user and system, all its threads): per order, the
    figure a machine shared with other work disturbs least."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _from_graphql(data: dict[str, Any]) -> list[Any]:
    return [
        [
            [
                item["kind"],
                item["price"]["amount"],
                item["commission"]["amount"],
                item["description"],
                item["priceBand"],
                item["returned"],
            ]
            for item in edge["node"]["items"]
        ]
        for edge in data["customer"]["orders"]["edges"]
    ]


def _from_sql(rows: list[Any]) -> list[Any]:
    return [[[k, p, c, d, b, r] for _, k, p, c, d, b, r in items or []] for _, _, items in rows]


async def measure(
    server_url: str,
    database: BenchDatabase,
    api_key: str,
    tenant_id: int,
    customer: str,
    owner: int,
    record_inputs: list[list[dict[str, Any]]],
    arguments: Any,
    baseline_url: str | None = None,
    pids: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """`pids`: each writer's API process, for its CPU time per order."""
    reader = GraphQLClient(server_url, api_key, 1)
    writer = GraphQLClient(server_url, api_key, arguments.concurrency)
    writers = {"foyer": writer}
    if baseline_url is not None:
        writers["baseline"] = GraphQLClient(baseline_url, api_key, arguments.concurrency)
    sql = SqlClient(database.url, 1)
    await sql.open()
    read_vars = [{"id": customer}] * arguments.requests
    read_params = [{"tenant": tenant_id, "owner": owner}] * arguments.requests
    try:
        _, (rows,) = await sql.run(ORDERS_SQL, read_params[:1])
        _, (data,) = await reader.run(ORDERS_QUERY, read_vars[:1])
        if _from_graphql(data) != _from_sql(rows):
            raise RuntimeError(f"Foyer and SQL disagree:\n{_from_graphql(data)}\n{_from_sql(rows)}")
        rounds = []
        for number in range(arguments.rounds):
            ways = await alternate(
                number,
                lambda: first_of(reader.run(ORDERS_QUERY, read_vars)),
                lambda: first_of(sql.run(ORDERS_SQL, read_params)),
            )
            names = list(writers)
            names = names[number % len(names) :] + names[: number % len(names)]
            recorded, cpu = {}, {}
            for share, name in enumerate(names):
                # Each way its own orders: the same customers, never the same inputs.
                inputs = record_inputs[number][share :: len(names)]
                used = cpu_seconds(pids[name]) if pids else 0.0
                recorded[name], answers = await writers[name].run(RECORD_ORDER, inputs)
                if pids:
                    cpu[name] = 1000 * (cpu_seconds(pids[name]) - used) / len(inputs)
                bad = [a for a in answers if a["recordOrder"]["errors"]]
                if bad:
                    raise RuntimeError(f"recordOrder errors ({name}): {bad[0]}")
            figures = {
                "orders read": {w: t.summary() for w, t in ways.items()},
                "recordOrder": {
                    name: {**t.summary(), "cpu_ms": cpu.get(name, 0.0)}
                    for name, t in recorded.items()
                },
            }
            print(
                f"round {number + 1}: orders read Foyer p50 {figures['orders read']['foyer']['p50']:.2f}"
                f" p95 {figures['orders read']['foyer']['p95']:.2f} / SQL p50 "
                f"{figures['orders read']['sql']['p50']:.2f} p95 {figures['orders read']['sql']['p95']:.2f} ms"
                "; recordOrder "
                + ", ".join(
                    f"{name} {t.per_second:.0f}/s p50 {t.percentile(50):.1f} ms"
                    f" CPU {cpu.get(name, 0.0):.1f} ms/order"
                    for name, t in recorded.items()
                ),
                flush=True,
            )
            rounds.append(figures)
        return rounds
    finally:
        await reader.aclose()
        for client in writers.values():
            await client.aclose()
        await sql.aclose()


def median_of(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    first = rounds[0]
    return {
        g: {
            w: {f: statistics.median(r[g][w][f] for r in rounds) for f in first[g][w]}
            for w in first[g]
        }
        for g in first
    }


def print_report(arguments: Any, sizes: dict[str, int], made: dict[str, Any], m: Any) -> None:
    f, s, w = m["orders read"]["foyer"], m["orders read"]["sql"], m["recordOrder"]["foyer"]
    print()
    print(
        f"Foyer sales, PostgreSQL ({arguments.database}): {sizes['customers']:,} customers, "
        f"{sizes['orders']:,} orders, {sizes['items']:,} order items; heavy customer "
        f"{made['heavy_owner']} with {made['heavy_orders']} orders; medians over {arguments.rounds} rounds"
    )
    if made["items_written"]:
        print(f"Generator: {made['items_written']:,} items in {made['seconds']:.1f} s")
    print(
        f"\ncustomer(id) {{ orders(first: 20) {{ items }} }}, {arguments.requests} requests, 1 client"
    )
    print(
        f"  Foyer over HTTP   p50 {f['p50']:7.2f}  p95 {f['p95']:7.2f}  p99 {f['p99']:7.2f} ms  {f['rps']:7.0f} req/s"
    )
    print(
        f"  one SQL query     p50 {s['p50']:7.2f}  p95 {s['p95']:7.2f}  p99 {s['p99']:7.2f} ms  {s['rps']:7.0f} req/s"
    )
    print(
        f"  Foyer ÷ SQL       p50 {f['p50'] / s['p50']:.1f}x  p95 {f['p95'] / s['p95']:.1f}x   "
        f"target p95 < 25 ms: {'met' if f['p95'] < 25 else 'MISSED'}"
    )
    topology = (
        f"{arguments.server_workers} API processes and a relay on RabbitMQ"
        if arguments.server_workers > 1
        else "one API process with the in-process broker and relay"
    )
    print(f"\nrecordOrder, {arguments.orders} orders, {arguments.concurrency} clients, {topology}")
    print(
        f"  {w['rps']:.0f} orders/s  (latency p50 {w['p50']:.1f}  p95 {w['p95']:.1f} ms; "
        f"API process CPU {w['cpu_ms']:.2f} ms/order)   "
        f"target >= 300/s: {'met' if w['rps'] >= 300 else 'MISSED'}"
    )
    if "baseline" in m["recordOrder"]:
        b = m["recordOrder"]["baseline"]
        print(
            f"  baseline ({arguments.baseline}): {b['rps']:.0f} orders/s  (latency p50 "
            f"{b['p50']:.1f}  p95 {b['p95']:.1f} ms; CPU {b['cpu_ms']:.2f} ms/order); this "
            f"code ÷ baseline {w['rps'] / b['rps']:.2f}x orders/s, "
            f"{w['cpu_ms'] / b['cpu_ms']:.2f}x CPU per order"
        )


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    database = BenchDatabase(ADMIN_URL, arguments.database)
    scratch = Path(tempfile.mkdtemp(prefix="foyer-bench-orders-"))
    env = foyer_environment(database, scratch / "files")
    if arguments.broker_url:
        env.update(FOYER_BROKER_URL=arguments.broker_url, FOYER_QUEUE_PREFIX="foyer-bench")
    try:
        _, tenant_id = prepare(database, arguments.customers, env)
        made = ensure_orders(database, tenant_id, arguments.order_items, arguments.heavy_orders)
        vacuum_analyze(database)
        sizes = {
            "customers": _count(
                database, "SELECT count(*) FROM customer WHERE tenant_id = %s", tenant_id
            ),
            "orders": _count(
                database, "SELECT count(*) FROM customer_order WHERE tenant_id = %s", tenant_id
            ),
            "items": _count(
                database, "SELECT count(*) FROM order_item WHERE tenant_id = %s", tenant_id
            ),
        }
        customer = heavy_customer_gid(database, made["heavy_owner"])
        record_inputs = [
            order_inputs(database, tenant_id, made["catalogue"], arguments.orders, seed=n)
            for n in range(arguments.rounds)
        ]
        api_key = create_api_key(env)
        try:
            with contextlib.ExitStack() as servers:
                server = servers.enter_context(
                    FoyerServer(env, scratch / "serve.log", arguments.server_workers)
                )
                baseline_url = None
                pids = {"foyer": server.pid}
                if arguments.baseline:
                    baseline_env = {**env, "PYTHONPATH": str(arguments.baseline.resolve())}
                    baseline = FoyerServer(
                        baseline_env, scratch / "baseline.log", arguments.server_workers
                    )
                    baseline_url = servers.enter_context(baseline).base_url
                    pids["baseline"] = baseline.pid
                rounds = asyncio.run(
                    measure(
                        server.base_url,
                        database,
                        api_key,
                        tenant_id,
                        customer,
                        made["heavy_owner"],
                        record_inputs,
                        arguments,
                        baseline_url,
                        pids,
                    )
                )
        finally:
            revoke_api_key(env, api_key)
        medians = median_of(rounds)
        print_report(arguments, sizes, made, medians)
        if arguments.json:
            made.pop("catalogue", None)
            arguments.json.write_text(
                json.dumps(
                    {"sizes": sizes, "made": made, "rounds": rounds, "medians": medians}, indent=2
                )
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
