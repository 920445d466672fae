"""Segments on PostgreSQL at size: `segment.count` and `segment.breakdown(by: MONETARY_BAND)`
of the three-criterion segment (email consent granted AND booked a partner's event in the
last year AND donated over 100.00 in total), through the GraphQL API (in process, over ASGI:
authentication, the request's snapshot, the compiled statement), against one hand-written
SQL statement for each, in the same run. Prints p50/p95 and the ratios; asserts only that
Foyer and SQL agree.

    .venv/bin/python -m tests.bench.segments_bench --customers 1000000 --items 5000000 \\
        [--database foyer_bench_segments] [--requests 30] [--rounds 3]

The data is written by SQL (generate_series) into the benchmark's own database, once per
size: customers, a fifth of events belonging to partner companies, performances over two
years, orders of one to three tickets, a donation on one order in three, and an email
preference granted by 40% (withdrawn again by a tenth of those).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from domain.roles import Role
from infra.auth.accounts import create_api_key, create_tenant
from infra.composition import build_app, build_runtime
from infra.db.migrate import upgrade
from infra.settings import Settings
from tests.bench.database import BenchDatabase, create_database

ADMIN = os.environ.get("FOYER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")

SAVE = """
mutation($input: SaveSegmentInput!) {
  saveSegment(input: $input) { segment { id } errors { message } }
}"""
COUNT = "query($id: ID!) { segment(id: $id) { count } }"
BREAKDOWN = """
query($id: ID!) {
  segment(id: $id) { breakdown(by: MONETARY_BAND) { key customers spent { amount } } }
}"""

# The same members, written by hand: what a person would send to PostgreSQL, each criterion
# a set of customer ids, joined.
MEMBERS_SQL = """
FROM customer c
JOIN (SELECT DISTINCT e.customer_id FROM consent_entry e
      JOIN contact_preference p ON p.id = e.preference_id
      WHERE e.tenant_id = %(t)s AND p.kind = 'EMAIL' AND NOT p.retired AND e.state = 'GRANTED'
        AND e.id = (SELECT max(l.id) FROM consent_entry l WHERE l.tenant_id = %(t)s
                    AND l.customer_id = e.customer_id
                    AND l.preference_id = e.preference_id)) granted ON granted.customer_id = c.id
JOIN (SELECT DISTINCT o.owner_id FROM event ev
      JOIN event_instance ei ON ei.event_id = ev.id
      JOIN order_item i ON i.instance_id = ei.id
      JOIN customer_order o ON o.id = i.order_id
      WHERE ev.tenant_id = %(t)s AND ev.partner_company_id IS NOT NULL AND i.kind = 'TICKET'
        AND i.returned_at IS NULL AND ei.starts_at >= %(since)s AND ei.starts_at < %(until)s
     ) booked ON booked.owner_id = c.id
JOIN (SELECT o.owner_id FROM order_item i JOIN customer_order o ON o.id = i.order_id
      WHERE i.tenant_id = %(t)s AND i.kind = 'DONATION' AND i.returned_at IS NULL
      GROUP BY o.owner_id HAVING sum(i.price) >= 10001) donors ON donors.owner_id = c.id
WHERE c.tenant_id = %(t)s AND c.active AND c.date_of_death IS NULL
  AND NOT EXISTS (SELECT 1 FROM customer_erasure x WHERE x.customer_id = c.id)
"""
COUNT_SQL = "SELECT count(*) " + MEMBERS_SQL
BREAKDOWN_SQL = (
    """
SELECT band, count(*), sum(spent) FROM (
  SELECT CASE WHEN s >= 50000 THEN '5' WHEN s >= 25000 THEN '4' WHEN s >= 10000 THEN '3'
              WHEN s >= 5000 THEN '2' WHEN s IS NULL THEN 'NONE' ELSE '1' END AS band,
         coalesce(s, 0) AS spent
  FROM (SELECT (SELECT sum(CASE WHEN i.returned_at IS NULL THEN coalesce(i.price, 0) ELSE 0 END)
                FROM customer_order o LEFT JOIN order_item i ON i.order_id = o.id
                WHERE o.tenant_id = %(t)s AND o.owner_id = c.id) AS s
"""
    + MEMBERS_SQL
    + " OFFSET 0) members) banded GROUP BY band"
)


def generate(db: psycopg.Connection[Any], tenant: int, customers: int, items: int) -> None:
    """Everything but the tenant, by SQL alone; orders hold one ticket, a second on every
    other order and a donation on one in three, so `items` order items need items / 1.83."""
    orders = int(items / (1 + 1 / 2 + 1 / 3))
    steps = [
        (
            "customers",
            """INSERT INTO customer (tenant_id, kind, reference, first_name, last_name, active,
               sort_key, created_at, updated_at)
               SELECT %(t)s, 'INDIVIDUAL', 'B-' || g, 'F' || g, 'L' || mod(g, 5000), true,
                      lpad(mod(g, 5000)::text, 5, '0') || ' ' || g, now(), now()
               FROM generate_series(1, %(n)s) g""",
        ),
        (
            "catalogue",
            """INSERT INTO partner_company (tenant_id, name)
               SELECT %(t)s, 'Partner ' || g FROM generate_series(1, 20) g;
               INSERT INTO event (tenant_id, name, partner_company_id)
               SELECT %(t)s, 'Event ' || g,
                      CASE WHEN mod(g, 5) = 0 THEN (SELECT min(id) FROM partner_company
                                                WHERE tenant_id = %(t)s) + mod(g, 20) END
               FROM generate_series(1, 200) g;
               INSERT INTO event_instance (tenant_id, event_id, starts_at)
               SELECT %(t)s, (SELECT min(id) FROM event WHERE tenant_id = %(t)s) + mod(g, 200),
                      now() - make_interval(days => mod((g * 37), 730))
               FROM generate_series(1, 2000) g;
               INSERT INTO fund (tenant_id, name, code) VALUES (%(t)s, 'Annual', 'ANNUAL');
               INSERT INTO contact_preference (tenant_id, name, kind, marketing, version,
                 statement, retired, created_at)
               VALUES (%(t)s, 'Email', 'EMAIL', true, 1, 'Email me', false, now())""",
        ),
        (
            "consent",
            """INSERT INTO consent_entry (tenant_id, customer_id, preference_id, state,
                 wording_version, source, recorded_by, recorded_by_kind, recorded_at)
               SELECT %(t)s, c.id, p.id, s.state, 1, 'WEB', 'bench', 'USER', now()
               FROM (SELECT id, tenant_id, random() AS rank FROM customer
                     WHERE tenant_id = %(t)s) c
               CROSS JOIN (SELECT id FROM contact_preference WHERE tenant_id = %(t)s) p
               CROSS JOIN LATERAL (VALUES (1, 'GRANTED'), (2, 'WITHDRAWN')) s(n, state)
               WHERE c.tenant_id = %(t)s AND c.rank < 0.4 AND (s.n = 1 OR c.rank < 0.04)
               ORDER BY c.id, s.n""",
        ),
        (
            "orders",
            """INSERT INTO customer_order (tenant_id, owner_id, channel, currency, ordered_at,
                 created_at)
               SELECT %(t)s, first.id + floor(random() * %(n)s)::bigint, 'WEB', 'GBP',
                      now() - make_interval(days => mod((g * 13), 730)), now()
               FROM generate_series(1, %(orders)s) g,
                    (SELECT min(id) AS id FROM customer WHERE tenant_id = %(t)s) first""",
        ),
        (
            "order items",
            """INSERT INTO order_item (tenant_id, order_id, position, kind, price, commission,
                 instance_id, fund_id)
               SELECT %(t)s, o.id, k.n,
                      CASE WHEN k.n = 3 THEN 'DONATION' ELSE 'TICKET' END,
                      CASE WHEN k.n = 3 THEN 2000 + floor(random() * 18000)::int ELSE 2500 END, 0,
                      CASE WHEN k.n < 3 THEN first_instance.id + floor(random() * 2000)::int END,
                      CASE WHEN k.n = 3 THEN fund.id END
               FROM customer_order o
               CROSS JOIN (SELECT min(id) AS id FROM event_instance WHERE tenant_id = %(t)s)
                 first_instance
               CROSS JOIN (SELECT min(id) AS id FROM fund WHERE tenant_id = %(t)s) fund
               JOIN (VALUES (1), (2), (3)) k(n)
                 ON k.n = 1 OR (k.n = 2 AND mod(o.id, 2) = 0) OR (k.n = 3 AND mod(o.id, 3) = 0)
               WHERE o.tenant_id = %(t)s""",
        ),
    ]
    values = {"t": tenant, "n": customers, "orders": orders}
    db.execute("SELECT setseed(0.42)")
    for name, sql in steps:
        started = time.perf_counter()
        with db.transaction():
            for statement in sql.split(";"):
                db.execute(statement, values)  # type: ignore[arg-type]
        print(f"  generated {name} in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    # As autovacuum would, in time: statistics, and hint bits set once rather than by reads.
    db.execute("VACUUM (ANALYZE)")
    print(f"  vacuumed in {time.perf_counter() - started:.1f} s", flush=True)


def _ms(samples: list[float], p: int) -> float:
    if len(samples) == 1:
        return samples[0] * 1000
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1] * 1000


async def _bench(args: argparse.Namespace) -> None:
    database = BenchDatabase(ADMIN, args.database)
    create_database(database)
    upgrade(database.url)
    files = Path(tempfile.mkdtemp(prefix="foyer-seg-bench-"))
    # The API gives up on a statement after 15 s and a request after 20 by default; at a
    # million customers on a loaded machine one evaluation can take longer, and the
    # benchmark is to say how long.
    settings = Settings(
        database_url=database.url,
        broker_url="",
        files_dir=files,
        db_statement_timeout_seconds=args.statement_timeout,
        request_timeout_seconds=args.statement_timeout,
    )
    runtime = build_runtime(settings)
    label = f"Segments bench {args.customers}x{args.items}"
    with psycopg.connect(database.url, autocommit=True) as db:
        found = db.execute("SELECT id, slug FROM tenant WHERE name = %s", (label,)).fetchone()
    if found is None:
        slug = await create_tenant(runtime.engine, label)
        with psycopg.connect(database.url, autocommit=True) as db:
            tenant = int(db.execute("SELECT id FROM tenant WHERE slug = %s", (slug,)).fetchone()[0])  # type: ignore[index]
            print(f"Generating {args.customers} customers, ~{args.items} order items", flush=True)
            generate(db, tenant, args.customers, args.items)
    else:
        tenant, slug = int(found[0]), str(found[1])
    with psycopg.connect(database.url) as db:
        counts = {
            table: db.execute(
                f"SELECT count(*) FROM {table} WHERE tenant_id = %s", (tenant,)
            ).fetchone()[0]  # type: ignore[index]
            for table in ("customer", "customer_order", "order_item", "consent_entry")
        }
    print("Rows:", counts, flush=True)
    key = await create_api_key(runtime.engine, slug, frozenset({Role.INSIGHTS}), "bench")
    app = build_app(runtime, in_process_workers=False)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers
    ) as client:

        async def graphql(query: str, variables: dict[str, Any]) -> Any:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
            assert "errors" not in body, body
            return body["data"]

        criteria = {
            "all": [
                {"consent": {"state": "GRANTED", "kind": "EMAIL"}},
                {"booking": {"anyPartner": True, "performed": {"withinLastDays": 365}}},
                {"donation": {"total": {"min": 10001}}},
            ]
        }
        saved = await graphql(SAVE, {"input": {"name": "Bench", "criteria": criteria}})
        segment = saved["saveSegment"]["segment"]["id"]
        now = datetime.now(UTC)
        start_today = datetime(now.year, now.month, now.day, tzinfo=UTC)
        window = {
            "t": tenant,
            "since": start_today - timedelta(days=365),
            "until": start_today + timedelta(days=1),
        }
        with psycopg.connect(database.url, autocommit=True) as sql:

            def by_hand(statement: str) -> Any:
                return sql.execute(statement, window).fetchall()  # type: ignore[arg-type]

            # Agreement, and warming both paths.
            foyer_count = (await graphql(COUNT, {"id": segment}))["segment"]["count"]
            sql_count = by_hand(COUNT_SQL)[0][0]
            assert foyer_count == sql_count, (foyer_count, sql_count)
            foyer_buckets = {
                b["key"]: (b["customers"], b["spent"]["amount"])
                for b in (await graphql(BREAKDOWN, {"id": segment}))["segment"]["breakdown"]
            }
            sql_buckets = {band: (int(n), int(s)) for band, n, s in by_hand(BREAKDOWN_SQL)}
            assert foyer_buckets == sql_buckets, (foyer_buckets, sql_buckets)
            print(f"Members: {foyer_count}; monetary bands: {foyer_buckets}", flush=True)

            figures: dict[str, list[dict[str, float]]] = {"count": [], "breakdown": []}
            for round_no in range(args.rounds):
                for name, query, statement in (
                    ("count", COUNT, COUNT_SQL),
                    ("breakdown", BREAKDOWN, BREAKDOWN_SQL),
                ):
                    foyer: list[float] = []
                    hand: list[float] = []
                    for i in range(args.requests):
                        # Who goes first alternates, so neither always meets a warmer cache.
                        order = (0, 1) if (i + round_no) % 2 == 0 else (1, 0)
                        for which in order:
                            started = time.perf_counter()
                            if which == 0:
                                await graphql(query, {"id": segment})
                                foyer.append(time.perf_counter() - started)
                            else:
                                by_hand(statement)
                                hand.append(time.perf_counter() - started)
                    figures[name].append(
                        {
                            "foyer_p50": _ms(foyer, 50),
                            "foyer_p95": _ms(foyer, 95),
                            "sql_p50": _ms(hand, 50),
                            "sql_p95": _ms(hand, 95),
                        }
                    )
    await runtime.close()
    print(
        f"\n{args.customers} customers, {counts['order_item']} order items, "
        f"{args.rounds} rounds x {args.requests} requests; medians over rounds (ms):"
    )
    for name, rounds in figures.items():
        med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        print(
            f"  segment.{name:<9} Foyer p50 {med['foyer_p50']:7.1f} p95 {med['foyer_p95']:7.1f} | "
            f"SQL p50 {med['sql_p50']:7.1f} p95 {med['sql_p95']:7.1f} | "
            f"Foyer/SQL p50 {med['foyer_p50'] / med['sql_p50']:.2f} "
            f"p95 {med['foyer_p95'] / med['sql_p95']:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=5_000_000)
    parser.add_argument("--database", default="foyer_bench_segments")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statement-timeout", type=float, default=300)
    asyncio.run(_bench(parser.parse_args()))


if __name__ == "__main__":
    main()
