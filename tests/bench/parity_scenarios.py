"""The same logical reads three ways: Foyer's GraphQL, PostGraphile's GraphQL on the same
tables, and one hand-written SQL statement; each answer brought to one shape, so the run can
check they hold the same rows before it times anything."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from domain.customers.search import is_short
from resolvers.global_ids import parse_global_id, to_global_id
from tests.bench.fundraising_http import DASHBOARD_QUERY, DASHBOARD_SQL
from tests.bench.orders_http import ORDERS_QUERY, ORDERS_SQL
from tests.bench.scenarios import (
    _DISPLAY_NAME,
    CUSTOMER_QUERY,
    CUSTOMER_SQL,
    SEARCH_QUERY,
    _term_range,
    name_prefixes,
)

Shape = Callable[[Any], Any]


@dataclass(frozen=True)
class Parity:
    name: str
    foyer: str  # GraphQL
    postgraphile: str  # GraphQL
    sql: str
    # One input: Foyer's variables, PostGraphile's variables, the SQL parameters.
    inputs: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]
    from_foyer: Shape
    from_postgraphile: Shape
    from_sql: Shape


def _name(c: dict[str, Any]) -> str:
    if c["kind"] == "INDIVIDUAL":
        return " ".join(p for p in (c["title"], c["firstName"], c["lastName"]) if p)
    return str(c["name"] or "")


def _pk(global_id: str) -> int:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def _gid(pk: int, kind: str) -> str:
    return to_global_id("Individual" if kind == "INDIVIDUAL" else "Organisation", pk)


# Customer by id -------------------------------------------------------------------------

PEOPLE = "rowId kind title firstName lastName name"
PG_CUSTOMER = f"""
query Customer($id: BigInt!) {{
  customerByRowId(rowId: $id) {{
    rowId kind reference title firstName lastName name active createdAt
    customerEmailsByCustomerId {{ nodes {{ rowId position address label }} }}
    customerAddressesByCustomerId {{ nodes {{
      rowId position line1 line2 city region postcode country isPrimary }} }}
    relationshipsByFromCustomerId {{ nodes {{ rowId startsOn endsOn ended
      relationshipTypeByTypeId {{ name actsOnBehalf }}
      customerByFromCustomerId {{ {PEOPLE} }} customerByToCustomerId {{ {PEOPLE} }} }} }}
    relationshipsByToCustomerId {{ nodes {{ rowId startsOn endsOn ended
      relationshipTypeByTypeId {{ name actsOnBehalf }}
      customerByFromCustomerId {{ {PEOPLE} }} customerByToCustomerId {{ {PEOPLE} }} }} }}
  }}
}}"""


def _customer_shape(
    pk: int, reference: str, name: str, emails: Any, addresses: Any, rels: Any
) -> Any:
    return (pk, reference, name, sorted(emails), sorted(addresses), sorted(rels))


def _customer_from_foyer(data: dict[str, Any]) -> Any:
    c = data["customer"]
    return _customer_shape(
        _pk(c["id"]),
        c["reference"],
        c["displayName"],
        [(e["address"], e["label"]) for e in c["emails"]],
        [(a["line1"], a["postcode"], a["primary"]) for a in c["addresses"]],
        [
            (
                r["type"]["name"],
                _pk(r["fromCustomer"]["id"]),
                r["fromCustomer"]["displayName"],
                _pk(r["toCustomer"]["id"]),
                r["toCustomer"]["displayName"],
            )
            for r in c["relationships"]
        ],
    )


def _customer_from_postgraphile(data: dict[str, Any]) -> Any:
    c = data["customerByRowId"]
    relationships = {
        r["rowId"]: r
        for way in ("relationshipsByFromCustomerId", "relationshipsByToCustomerId")
        for r in c[way]["nodes"]
        if not r["ended"]
    }
    return _customer_shape(
        int(c["rowId"]),
        c["reference"],
        _name(c),
        [(e["address"], e["label"]) for e in c["customerEmailsByCustomerId"]["nodes"]],
        [
            (a["line1"], a["postcode"], a["isPrimary"])
            for a in c["customerAddressesByCustomerId"]["nodes"]
        ],
        [
            (
                r["relationshipTypeByTypeId"]["name"],
                int(r["customerByFromCustomerId"]["rowId"]),
                _name(r["customerByFromCustomerId"]),
                int(r["customerByToCustomerId"]["rowId"]),
                _name(r["customerByToCustomerId"]),
            )
            for r in relationships.values()
        ],
    )


def _customer_from_sql(rows: list[Any]) -> Any:
    (row,) = rows
    return _customer_shape(
        row[0],
        row[2],
        row[3],
        [(e["address"], e["label"]) for e in row[10]],
        [(a["line1"], a["postcode"], a["primary"]) for a in row[11]],
        [(r["type"], r["from_id"], r["from_name"], r["to_id"], r["to_name"]) for r in row[12]],
    )


# Name search ------------------------------------------------------------------------------

PAGE = 20
# The words searched are short, so each is stored as it is (domain.customers.search): one
# equality on the terms' listing index, in order, stopping at the page.
SEARCH_SQL = f"""
SELECT c.id, c.kind, c.reference, {_DISPLAY_NAME.format(c="c")} AS display_name, c.active,
       c.sort_key
FROM customer_search_term s
JOIN customer c ON c.id = s.customer_id
WHERE s.tenant_id = %(tenant)s AND s.term = %(low)s AND c.tenant_id = %(tenant)s AND c.active
ORDER BY s.sort_key, s.customer_id
LIMIT {PAGE + 1}"""
PG_SEARCH = """
query Search($tenant: BigInt!, $low: String!, $high: String!) {
  benchSearchCustomers(tenant: $tenant, low: $low, high: $high, page: 21) {
    nodes { rowId kind reference title firstName lastName name active }
  }
}"""


def _search_from_foyer(data: dict[str, Any]) -> Any:
    page = data["customers"]
    return [(e["node"]["reference"], e["node"]["displayName"]) for e in page["edges"]], page[
        "pageInfo"
    ]["hasNextPage"]


def _search_from_postgraphile(data: dict[str, Any]) -> Any:
    nodes = data["benchSearchCustomers"]["nodes"]
    return [(n["reference"], _name(n)) for n in nodes[:PAGE]], len(nodes) > PAGE


def _search_from_sql(rows: list[Any]) -> Any:
    return [(r[2], r[3]) for r in rows[:PAGE]], len(rows) > PAGE


# A page of 100 customers with emails and addresses ----------------------------------------

FOYER_LISTING = """
query Listing {
  customers(first: 100) {
    edges { node { id reference displayName
      emails { address label } addresses { line1 postcode primary } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

PG_LISTING = """
query Listing($tenant: BigInt!) {
  allCustomers(first: 100, condition: {tenantId: $tenant, active: true},
               orderBy: [SORT_KEY_ASC, PRIMARY_KEY_ASC]) {
    nodes { rowId kind reference title firstName lastName name
      customerEmailsByCustomerId { nodes { address label } }
      customerAddressesByCustomerId { nodes { line1 postcode isPrimary } } }
  }
}"""

SQL_LISTING = f"""
SELECT c.id, c.reference, {_DISPLAY_NAME.format(c="c")},
       coalesce((SELECT json_agg(json_build_array(e.address, e.label) ORDER BY e.position)
                 FROM customer_email e
                 WHERE e.tenant_id = c.tenant_id AND e.customer_id = c.id), '[]'),
       coalesce((SELECT json_agg(json_build_array(a.line1, a.postcode, a.is_primary)
                                 ORDER BY a.position)
                 FROM customer_address a
                 WHERE a.tenant_id = c.tenant_id AND a.customer_id = c.id), '[]')
FROM customer c
WHERE c.tenant_id = %(tenant)s AND c.active
ORDER BY c.sort_key, c.id
LIMIT 100"""


def _listing_from_foyer(data: dict[str, Any]) -> Any:
    return [
        (
            _pk(n["id"]),
            n["reference"],
            n["displayName"],
            sorted((e["address"], e["label"]) for e in n["emails"]),
            sorted((a["line1"], a["postcode"], a["primary"]) for a in n["addresses"]),
        )
        for n in (e["node"] for e in data["customers"]["edges"])
    ]


def _listing_from_postgraphile(data: dict[str, Any]) -> Any:
    return [
        (
            int(n["rowId"]),
            n["reference"],
            _name(n),
            sorted((e["address"], e["label"]) for e in n["customerEmailsByCustomerId"]["nodes"]),
            sorted(
                (a["line1"], a["postcode"], a["isPrimary"])
                for a in n["customerAddressesByCustomerId"]["nodes"]
            ),
        )
        for n in data["allCustomers"]["nodes"]
    ]


def _listing_from_sql(rows: list[Any]) -> Any:
    return [
        (r[0], r[1], r[2], sorted(tuple(e) for e in r[3]), sorted(tuple(a) for a in r[4]))
        for r in rows
    ]


# A customer's 20 newest orders with their items -------------------------------------------

PG_ORDERS = """
query Orders($id: BigInt!) {
  customerByRowId(rowId: $id) {
    customerOrdersByOwnerId(first: 20, orderBy: [ORDERED_AT_DESC, ROW_ID_DESC]) {
      nodes { rowId orderedAt
        orderItemsByOrderId(orderBy: ROW_ID_ASC) { nodes {
          rowId position kind price commission description priceBand returnedAt } } }
    }
  }
}"""


def _orders_from_foyer(data: dict[str, Any]) -> Any:
    return [
        (
            _pk(edge["node"]["id"]),
            sorted(
                (
                    item["kind"],
                    item["price"]["amount"],
                    item["commission"]["amount"],
                    item["description"],
                    item["priceBand"],
                    item["returned"],
                )
                for item in edge["node"]["items"]
            ),
        )
        for edge in data["customer"]["orders"]["edges"]
    ]


def _orders_from_postgraphile(data: dict[str, Any]) -> Any:
    return [
        (
            int(o["rowId"]),
            sorted(
                (
                    i["kind"],
                    int(i["price"]),
                    int(i["commission"]),
                    i["description"],
                    i["priceBand"],
                    i["returnedAt"] is not None,
                )
                for i in o["orderItemsByOrderId"]["nodes"]
            ),
        )
        for o in data["customerByRowId"]["customerOrdersByOwnerId"]["nodes"]
    ]


def _orders_from_sql(rows: list[Any]) -> Any:
    return [(pk, sorted(tuple(i[1:]) for i in items or [])) for pk, _, items in rows]


# The opportunities dashboard --------------------------------------------------------------

PG_DASHBOARD = """
query Dashboard($tenant: BigInt!) {
  allOpportunities(first: 50, condition: {tenantId: $tenant}, orderBy: ROW_ID_DESC) {
    nodes { name customerByCustomerId { kind title firstName lastName name }
      opportunityStageByStageId { name } staffUserByOwnerId { name }
      target asked received pledged reserved }
  }
}"""


def _dashboard_from_foyer(data: dict[str, Any]) -> Any:
    return [
        [
            n["name"],
            n["customer"]["displayName"],
            n["stage"]["name"],
            n["owner"]["name"],
            *(n[k]["amount"] for k in ("target", "asked", "received", "pledged", "reserved")),
        ]
        for n in (e["node"] for e in data["opportunities"]["edges"])
    ]


def _dashboard_from_postgraphile(data: dict[str, Any]) -> Any:
    return [
        [
            n["name"],
            _name(n["customerByCustomerId"]),
            n["opportunityStageByStageId"]["name"],
            n["staffUserByOwnerId"]["name"],
            *(int(n[k]) for k in ("target", "asked", "received", "pledged", "reserved")),
        ]
        for n in data["allOpportunities"]["nodes"]
    ]


def _dashboard_from_sql(rows: list[Any]) -> Any:
    return [[v if isinstance(v, str) else int(v) for v in r] for r in rows]


# `{ __typename }`: what any request pays; SQL's share is the API-key look-up ---------------

TYPENAME = "{ __typename }"
AUTH_SQL = (
    "SELECT id, tenant_id, name || ' (' || prefix || '…)', roles FROM api_key"
    " WHERE secret_hash = %(hash)s AND revoked_at IS NULL"
)


def _typename(data: Any) -> Any:
    """Nothing to compare: each way answers its own kind of nothing."""
    return None


def build(db: psycopg.Connection[Any], tenant_id: int, count: int, key_hash: str) -> list[Parity]:
    """Every scenario with `count` inputs, drawn from the data (seeded: runs compare)."""
    rng = random.Random(count)
    prefixes = name_prefixes()
    rng.shuffle(prefixes)
    customers = db.execute(
        "SELECT id, kind FROM customer WHERE tenant_id = %s ORDER BY md5(id::text) LIMIT %s",
        (tenant_id, count),
    ).fetchall()
    owners = db.execute(
        "SELECT owner_id, min(c.kind) FROM customer_order o JOIN customer c ON c.id = o.owner_id"
        " WHERE o.tenant_id = %s GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 50",
        (tenant_id,),
    ).fetchall()
    tenant = {"tenant": tenant_id}
    searches = [prefixes[i % len(prefixes)] for i in range(count)]
    assert all(is_short(s) for s in searches), "the search SQL reads short words"
    return [
        Parity(
            "customer by id",
            CUSTOMER_QUERY,
            PG_CUSTOMER,
            CUSTOMER_SQL,
            [({"id": _gid(pk, kind)}, {"id": pk}, {**tenant, "id": pk}) for pk, kind in customers],
            _customer_from_foyer,
            _customer_from_postgraphile,
            _customer_from_sql,
        ),
        Parity(
            "name search, 20",
            SEARCH_QUERY,
            PG_SEARCH,
            SEARCH_SQL,
            [
                ({"search": s}, _term_range(tenant_id, s), _term_range(tenant_id, s))
                for s in searches
            ],
            _search_from_foyer,
            _search_from_postgraphile,
            _search_from_sql,
        ),
        Parity(
            "100 customers + lists",
            FOYER_LISTING,
            PG_LISTING,
            SQL_LISTING,
            [({}, tenant, tenant)] * count,
            _listing_from_foyer,
            _listing_from_postgraphile,
            _listing_from_sql,
        ),
        Parity(
            "20 orders + items",
            ORDERS_QUERY,
            PG_ORDERS,
            ORDERS_SQL,
            [
                ({"id": _gid(pk, kind)}, {"id": pk}, {**tenant, "owner": pk})
                for pk, kind in (owners[i % len(owners)] for i in range(count))
            ],
            _orders_from_foyer,
            _orders_from_postgraphile,
            _orders_from_sql,
        ),
        Parity(
            "{ __typename } + key",
            TYPENAME,
            TYPENAME,
            AUTH_SQL,
            [({}, {}, {"hash": key_hash})] * count,
            _typename,
            _typename,
            _typename,
        ),
        Parity(
            "opportunities dashboard",
            DASHBOARD_QUERY,
            PG_DASHBOARD,
            DASHBOARD_SQL,
            [({}, tenant, tenant)] * count,
            _dashboard_from_foyer,
            _dashboard_from_postgraphile,
            _dashboard_from_sql,
        ),
    ]
