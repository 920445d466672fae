"""A page of customers with everything hanging off them costs a constant number of SQL
statements, whatever the page size: the customers' own lists come with the page, the rest
goes through per-request dataloaders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from infra.db import tables as t
from infra.demo.generator import generate_customers
from tests.conftest import Api, StatementCounter

PAGE = """
query($first: Int!) {
  customers(first: $first) { edges { node {
    displayName emails { address } phones { number } addresses { line1 primary } tags
    attributes { key value }
    relationships { type { name } fromCustomer { displayName } toCustomer { displayName } }
    ... on Individual {
      household { name members { displayName } primaryHouseholder { displayName } }
    }
  } } }
}"""

# Whatever the page size:
EXPECTED_STATEMENTS = (
    0  # the caller: remembered since the first request (its check rides with the BEGIN)
    + 1  # the page of customers, with their emails, phones, addresses, tags, attributes
    # and relationships (with their types and the customers at both ends)
    + 2  # their households, and every member (the primary householder among them)
)


def generate(api: Api, count: int) -> None:
    engine = api.runtime.sync_engine
    with engine.connect() as db:
        tenant_id = db.execute(
            select(t.tenant.c.id).where(t.tenant.c.slug == api.slug)
        ).scalar_one()
    assert generate_customers(engine, tenant_id, count) == count


async def page(
    api: Api, statements: StatementCounter, first: int
) -> tuple[int, list[dict[str, Any]]]:
    """The statements a page costs, and its customers."""
    await api.data("{ viewer { name } }")  # the caller is known
    statements.count = 0
    data = await api.data(PAGE, {"first": first})
    return statements.count, [edge["node"] for edge in data["customers"]["edges"]]


async def test_a_page_of_customers_costs_the_same_statements_whatever_its_size(
    api: Api, statements: StatementCounter
) -> None:
    generate(api, 100)
    large_cost, large = await page(api, statements, 100)
    small_cost, small = await page(api, statements, 10)
    assert (len(large), len(small)) == (100, 10)
    assert small == large[:10]
    for customers in (large, small):
        assert any(c["relationships"] for c in customers)
        assert any(c.get("household") for c in customers)
        assert any(c["emails"] for c in customers) and any(c["addresses"] for c in customers)
    assert large_cost == small_cost == EXPECTED_STATEMENTS
