"""Benchmark: one customer's timeline on PostgreSQL over HTTP, a keyset page at a time.

A customer with `--entries` (10,000) timeline entries, each an order with its `subject`
(some sharing a moment, as a box office's batch does): the first page of 20 and the page
400 entries deep, each against the same rows fetched by one hand-written SQL statement
through psycopg in the same run.

    python -m tests.bench.timeline_http [--entries 10000] [--database foyer_bench_timeline]
        [--requests 200] [--rounds 3] [--depth 400]

Prints figures (medians over rounds); asserts nothing about speed. The entries are written
once, straight into the tables; later runs reuse them.
"""

# ruff: noqa: E501  (report lines are tables)

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from resolvers.global_ids import parse_global_id, to_global_id
from tests.bench.customers_http import ADMIN_URL, create_api_key, revoke_api_key
from tests.bench.database import BenchDatabase, foyer_environment, prepare, vacuum_analyze
from tests.bench.measure import GraphQLClient, SqlClient, alternate, first_of

PAGE_QUERY = """
query Timeline($id: ID!, $after: String) {
  customer(id: $id) {
    timeline(first: 20, after: $after) {
      edges { cursor node { type occurredAt summary details { key value }
        subject { __typename ... on Node { id } ... on Order { reference orderedAt } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""

# The same 21 rows (a page and the one that says whether there is a next), each with its
# order, as one statement; `position` is the cursor's (occurred_at, id) or none.
PAGE_SQL = """
SELECT e.type, e.occurred_at, e.summary, e.details, e.subject_id, o.id, o.ordered_at
FROM timeline_entry e
LEFT JOIN customer_order o ON e.subject_type = 'Order' AND o.id = e.subject_id
  AND o.tenant_id = e.tenant_id
WHERE e.tenant_id = %(tenant)s AND e.customer_id = %(customer)s
  AND (%(at)s::timestamptz IS NULL OR (e.occurred_at, e.id) < (%(at)s, %(id)s))
ORDER BY e.occurred_at DESC, e.id DESC
LIMIT 21
"""


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--database", default="foyer_bench_timeline")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--depth", type=int, default=400, help="A multiple of 100.")
    return parser.parse_args(argv)


def heavy_customer(database: BenchDatabase, tenant_id: int, entries: int) -> int:
    """A customer of the organisation topped up to `entries` timeline entries, each an
    order of one ticket; every tenth order shares the moment of the one before."""
    with psycopg.connect(database.url) as db:
        # The customer an earlier run filled, or one whose record holds nothing else yet
        # (the demo's own history would make the first page unlike the rest).
        customer = db.execute(
            "SELECT coalesce((SELECT min(customer_id) FROM timeline_entry WHERE tenant_id = %(t)s"
            " AND actor = 'bench'), (SELECT min(c.id) FROM customer c WHERE c.tenant_id = %(t)s"
            " AND NOT EXISTS (SELECT 1 FROM timeline_entry e WHERE e.customer_id = c.id AND"
            " e.type <> 'CUSTOMER_CREATED')))",
            {"t": tenant_id},
        ).fetchone()[0]  # type: ignore[index]
        have = db.execute(
            "SELECT count(*) FROM timeline_entry WHERE tenant_id = %s AND customer_id = %s",
            (tenant_id, customer),
        ).fetchone()[0]  # type: ignore[index]
        start = datetime(2020, 1, 1, tzinfo=UTC)
        for n in range(have, entries):
            at = start + timedelta(hours=n - n % 10 // 9)
            order_id = db.execute(
                "INSERT INTO customer_order (tenant_id, owner_id, channel, currency, ordered_at,"
                " created_at, recorded_items) VALUES (%s, %s, 'WEB', 'GBP', %s, %s, 1) RETURNING id",
                (tenant_id, customer, at, at),
            ).fetchone()[0]  # type: ignore[index]
            db.execute(
                "INSERT INTO order_item (tenant_id, order_id, position, kind, price, commission)"
                " VALUES (%s, %s, 0, 'TICKET', 2500, 150)",
                (tenant_id, order_id),
            )
            db.execute(
                "INSERT INTO timeline_entry (tenant_id, customer_id, type, summary, details, actor,"
                " occurred_at, recorded_at, subject_type, subject_id) VALUES (%s, %s, 'TICKETS', %s,"
                " %s, 'bench', %s, %s, 'Order', %s)",
                (
                    tenant_id,
                    customer,
                    f"1 x ticket, £26.50, order O-{order_id}.",
                    psycopg.types.json.Jsonb({"orderId": str(order_id), "role": "OWNER"}),
                    at,
                    at,
                    order_id,
                ),
            )
        db.commit()
    return int(customer)


def _from_graphql(data: dict[str, Any]) -> list[Any]:
    edges = data["customer"]["timeline"]["edges"]
    return [
        [e["node"]["summary"], (parse_global_id(e["node"]["subject"]["id"]) or ("", 0))[1]]
        for e in edges
    ]


def _from_sql(rows: list[Any]) -> list[Any]:
    return [[r[2], r[4]] for r in rows[:20]]


async def measure(
    server_url: str,
    database: BenchDatabase,
    api_key: str,
    tenant_id: int,
    customer: int,
    arguments: Any,
) -> list[dict[str, Any]]:
    http = GraphQLClient(server_url, api_key, 1)
    sql = SqlClient(database.url, 1)
    await sql.open()
    with psycopg.connect(database.url) as db:
        kind = db.execute("SELECT kind FROM customer WHERE id = %s", (customer,)).fetchone()[0]  # type: ignore[index]
    gid = to_global_id("Individual" if kind == "INDIVIDUAL" else "Organisation", customer)
    try:
        cursor = None
        for _ in range(arguments.depth // 100):
            walked = await http.post(
                PAGE_QUERY.replace("first: 20", "first: 100"), {"id": gid, "after": cursor}
            )
            cursor = walked["customer"]["timeline"]["pageInfo"]["endCursor"]
        with psycopg.connect(database.url) as db:
            at, pk = db.execute(
                "SELECT occurred_at, id FROM timeline_entry WHERE tenant_id = %s AND customer_id = %s"
                " ORDER BY occurred_at DESC, id DESC OFFSET %s LIMIT 1",
                (tenant_id, customer, arguments.depth - 1),
            ).fetchone()  # type: ignore[misc]
        pages = {
            "first page": (
                {"id": gid},
                {"tenant": tenant_id, "customer": customer, "at": None, "id": None},
            ),
            f"{arguments.depth} deep": (
                {"id": gid, "after": cursor},
                {"tenant": tenant_id, "customer": customer, "at": at, "id": pk},
            ),
        }
        for name, (variables, parameters) in pages.items():
            _, (rows,) = await sql.run(PAGE_SQL, [parameters])
            _, (data,) = await http.run(PAGE_QUERY, [variables])
            if _from_graphql(data) != _from_sql(rows) or len(rows) != 21:
                raise RuntimeError(f"Foyer and SQL disagree on the {name}")
        rounds = []
        for number in range(arguments.rounds):
            figures = {}
            for name, (variables, parameters) in pages.items():
                ways = await alternate(
                    number,
                    lambda v=variables: first_of(http.run(PAGE_QUERY, [v] * arguments.requests)),
                    lambda p=parameters: first_of(sql.run(PAGE_SQL, [p] * arguments.requests)),
                )
                figures[name] = {w: t.summary() for w, t in ways.items()}
                print(
                    f"round {number + 1}, {name}: Foyer p50 {figures[name]['foyer']['p50']:.2f} p95 "
                    f"{figures[name]['foyer']['p95']:.2f} / SQL p50 {figures[name]['sql']['p50']:.2f} "
                    f"p95 {figures[name]['sql']['p95']:.2f} ms",
                    flush=True,
                )
            rounds.append(figures)
        return rounds
    finally:
        await http.aclose()
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


def print_report(arguments: Any, medians: dict[str, Any]) -> None:
    print()
    print(
        f"customer(id) {{ timeline(first: 20, after:) {{ subject }} }}, one customer with "
        f"{arguments.entries:,} entries, {arguments.requests} requests x {arguments.rounds} rounds, 1 client, medians"
    )
    for name, ways in medians.items():
        f, s = ways["foyer"], ways["sql"]
        print(f"  {name}")
        print(
            f"    Foyer over HTTP  p50 {f['p50']:7.2f}  p95 {f['p95']:7.2f}  p99 {f['p99']:7.2f} ms"
        )
        print(
            f"    one SQL query    p50 {s['p50']:7.2f}  p95 {s['p95']:7.2f}  p99 {s['p99']:7.2f} ms"
        )
        print(
            f"    Foyer / SQL      p50 {f['p50'] / s['p50']:.1f}x  p95 {f['p95'] / s['p95']:.1f}x   "
            f"target p95 < 20 ms: {'met' if f['p95'] < 20 else 'MISSED'}"
        )
    first, deep = (ways["foyer"]["p95"] for ways in medians.values())
    print(
        f"  deep / first page p95: {deep / first:.2f}   target within 20%: "
        f"{'met' if abs(deep / first - 1) <= 0.2 else 'MISSED'}"
    )


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    database = BenchDatabase(ADMIN_URL, arguments.database)
    scratch = Path(tempfile.mkdtemp(prefix="foyer-bench-timeline-"))
    env = foyer_environment(database, scratch / "files")
    try:
        _, tenant_id = prepare(database, 100, env)
        customer = heavy_customer(database, tenant_id, arguments.entries)
        vacuum_analyze(database)
        api_key = create_api_key(env)
        try:
            from tests.bench.server import FoyerServer

            with FoyerServer(env, scratch / "serve.log") as server:
                rounds = asyncio.run(
                    measure(server.base_url, database, api_key, tenant_id, customer, arguments)
                )
        finally:
            revoke_api_key(env, api_key)
        print_report(arguments, median_of(rounds))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
