"""The three things measured, each as a GraphQL request and as the one SQL query a person
would write by hand for the same rows, with varied inputs and a check that both agree."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from domain.customers.search import SearchQuery, prefix_upper_bound
from domain.text import fold
from infra.demo.people import FIRST_NAMES, LAST_NAMES
from resolvers.global_ids import to_global_id

PAGE = 20
SCENARIOS = ("search by name prefix", "search by email", "customer by id")

SEARCH_QUERY = """
query Search($search: String!) {
  customers(search: $search, first: 20) {
    edges { node { id reference displayName active } }
    pageInfo { hasNextPage endCursor }
  }
}"""

CUSTOMER_QUERY = """
query Customer($id: ID!) {
  customer(id: $id) {
    id reference displayName active createdAt
    ... on Individual { title firstName lastName }
    ... on Organisation { name }
    emails { address label primary }
    addresses { line1 line2 city region postcode country primary }
    relationships {
      id startsOn endsOn ended
      type { name actsOnBehalf }
      fromCustomer { id displayName }
      toCustomer { id displayName }
    }
  }
}"""

_DISPLAY_NAME = """CASE WHEN {c}.kind = 'INDIVIDUAL'
    THEN concat_ws(' ', {c}.title, {c}.first_name, {c}.last_name) ELSE {c}.name END"""

# One page (and one row more, to know whether there is a next page) of the active customers
# with a search term in [low, high), in listing order: what Foyer's search does for one word.
# The matches are sorted by the sort key kept on the terms, so only the page's rows are
# joined to their customers.
SEARCH_SQL = f"""
SELECT c.id, c.kind, c.reference, {_DISPLAY_NAME.format(c="c")} AS display_name, c.active,
       c.sort_key
FROM (SELECT DISTINCT s.sort_key, s.customer_id FROM customer_search_term s
      WHERE s.tenant_id = %(tenant)s AND s.term >= %(low)s AND s.term < %(high)s
      ORDER BY s.sort_key, s.customer_id) found
JOIN customer c ON c.id = found.customer_id
WHERE c.tenant_id = %(tenant)s AND c.active
ORDER BY found.sort_key, found.customer_id
LIMIT {PAGE + 1}"""

# The customer with its emails, addresses and relationships (each with its type and both
# customers' names) as JSON arrays: one statement, one round trip.
CUSTOMER_SQL = f"""
SELECT c.id, c.kind, c.reference, {_DISPLAY_NAME.format(c="c")} AS display_name, c.active,
       c.created_at, c.title, c.first_name, c.last_name, c.name,
       coalesce((SELECT json_agg(json_build_object('address', e.address, 'label', e.label)
                                 ORDER BY e.position)
                 FROM customer_email e
                 WHERE e.tenant_id = c.tenant_id AND e.customer_id = c.id), '[]') AS emails,
       coalesce((SELECT json_agg(json_build_object(
                          'line1', a.line1, 'line2', a.line2, 'city', a.city,
                          'region', a.region, 'postcode', a.postcode, 'country', a.country,
                          'primary', a.is_primary) ORDER BY a.position)
                 FROM customer_address a
                 WHERE a.tenant_id = c.tenant_id AND a.customer_id = c.id), '[]') AS addresses,
       coalesce((SELECT json_agg(json_build_object(
                          'id', r.id, 'starts_on', r.starts_on, 'ends_on', r.ends_on,
                          'ended', r.ended, 'type', rt.name,
                          'acts_on_behalf', rt.acts_on_behalf,
                          'from_id', f.id, 'from_kind', f.kind,
                          'from_name', {_DISPLAY_NAME.format(c="f")},
                          'to_id', o.id, 'to_kind', o.kind,
                          'to_name', {_DISPLAY_NAME.format(c="o")}) ORDER BY r.id)
                 FROM relationship r
                 JOIN relationship_type rt ON rt.id = r.type_id
                 JOIN customer f ON f.id = r.from_customer_id
                 JOIN customer o ON o.id = r.to_customer_id
                 WHERE r.tenant_id = c.tenant_id AND NOT r.ended
                   AND (r.from_customer_id = c.id OR r.to_customer_id = c.id)),
                '[]') AS relationships
FROM customer c
WHERE c.tenant_id = %(tenant)s AND c.id = %(id)s"""


@dataclass(frozen=True)
class Scenario:
    name: str
    query: str
    sql: str
    target_p95_ms: float
    # One input: the GraphQL variables and the SQL parameters for the same rows.
    inputs: list[tuple[dict[str, Any], dict[str, Any]]]
    # Both answers brought to one shape, to check they hold the same rows.
    from_graphql: Callable[[dict[str, Any]], Any]
    from_sql: Callable[[list[Any]], Any]


def name_prefixes() -> list[str]:
    """Every 3- and 4-letter prefix of the generator's names that is a single search word."""
    prefixes = set()
    for name in (*FIRST_NAMES, *LAST_NAMES):
        folded = fold(name)
        for length in (3, 4):
            prefix = folded[:length]
            parsed = SearchQuery.parse(prefix)
            if prefix.isalpha() and parsed and parsed.words == (prefix,) and not parsed.whole:
                prefixes.add(prefix)
    return sorted(prefixes)


def _term_range(tenant_id: int, text: str) -> dict[str, Any]:
    parsed = SearchQuery.parse(text)
    assert parsed is not None and len(parsed.words) == 1 and parsed.whole is None, text
    word = parsed.words[0]
    return {"tenant": tenant_id, "low": word, "high": prefix_upper_bound(word)}


def _page_from_graphql(data: dict[str, Any]) -> Any:
    page = data["customers"]
    return (
        [(e["node"]["reference"], e["node"]["displayName"]) for e in page["edges"]],
        page["pageInfo"]["hasNextPage"],
    )


def _page_from_sql(rows: list[Any]) -> Any:
    return [(r[2], r[3]) for r in rows[:PAGE]], len(rows) > PAGE


def _type_name(kind: str) -> str:
    return "Individual" if kind == "INDIVIDUAL" else "Organisation"


def _customer_from_graphql(data: dict[str, Any]) -> Any:
    c = data["customer"]
    return (
        c["id"],
        c["reference"],
        c["displayName"],
        [(e["address"], e["label"]) for e in c["emails"]],
        [(a["line1"], a["postcode"], a["primary"]) for a in c["addresses"]],
        [
            (
                r["type"]["name"],
                r["fromCustomer"]["id"],
                r["fromCustomer"]["displayName"],
                r["toCustomer"]["id"],
                r["toCustomer"]["displayName"],
            )
            for r in c["relationships"]
        ],
    )


def _customer_from_sql(rows: list[Any]) -> Any:
    (row,) = rows
    return (
        to_global_id(_type_name(row[1]), row[0]),
        row[2],
        row[3],
        [(e["address"], e["label"]) for e in row[10]],
        [(a["line1"], a["postcode"], a["primary"]) for a in row[11]],
        [
            (
                r["type"],
                to_global_id(_type_name(r["from_kind"]), r["from_id"]),
                r["from_name"],
                to_global_id(_type_name(r["to_kind"]), r["to_id"]),
                r["to_name"],
            )
            for r in row[12]
        ],
    )


def build_scenarios(db: psycopg.Connection[Any], tenant_id: int, count: int) -> list[Scenario]:
    """The scenarios with `count` inputs each, drawn at random from the data (seeded, so
    runs are comparable)."""
    rng = random.Random(count)
    prefixes = name_prefixes()
    rng.shuffle(prefixes)
    names = [prefixes[i % len(prefixes)] for i in range(count)]
    emails = [
        r[0]
        for r in db.execute(
            "SELECT e.address FROM customer_email e JOIN customer c ON c.id = e.customer_id"
            " WHERE e.tenant_id = %s AND c.active ORDER BY md5(e.address) LIMIT %s",
            (tenant_id, count),
        )
    ]
    customers = db.execute(
        "SELECT id, kind FROM customer WHERE tenant_id = %s ORDER BY md5(id::text) LIMIT %s",
        (tenant_id, count),
    ).fetchall()
    return [
        Scenario(
            SCENARIOS[0],
            SEARCH_QUERY,
            SEARCH_SQL,
            50.0,
            [({"search": n}, _term_range(tenant_id, n)) for n in names],
            _page_from_graphql,
            _page_from_sql,
        ),
        Scenario(
            SCENARIOS[1],
            SEARCH_QUERY,
            SEARCH_SQL,
            50.0,
            [({"search": e}, _term_range(tenant_id, e)) for e in emails],
            _page_from_graphql,
            _page_from_sql,
        ),
        Scenario(
            SCENARIOS[2],
            CUSTOMER_QUERY,
            CUSTOMER_SQL,
            15.0,
            [
                ({"id": to_global_id(_type_name(kind), pk)}, {"tenant": tenant_id, "id": pk})
                for pk, kind in customers
            ],
            _customer_from_graphql,
            _customer_from_sql,
        ),
    ]
