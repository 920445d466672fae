"""How much a query may cost: page sizes multiply through nested lists."""

from __future__ import annotations

from graphql import parse

from infra.settings import Settings
from schema.build import build_schema
from schema.limits import Limits
from schema.query_measure import DEFAULT_PAGE, measure

SCHEMA = build_schema(Limits.of(Settings()))._schema


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    [(_, operation)] = measure(parse(query), variables or {}, SCHEMA).operations
    return operation.cost


def test_page_sizes_multiply_through_nesting() -> None:
    flat = cost("{ customers(first: 10) { edges { node { reference } } } }")
    nested = cost(
        "{ customers(first: 10) { edges { node { timeline(first: 5) "
        "{ edges { node { summary } } } } } } }"
    )
    assert flat == 1 + 10 * (1 + 1 * (1 + 1))
    assert nested > flat * 5


def test_variables_and_fragments_count_like_literals() -> None:
    literal = cost("{ customers(first: 50) { edges { node { reference } } } }")
    through_variable = cost(
        "query($n: Int) { customers(first: $n) { ...page } } "
        "fragment page on CustomerConnection { edges { node { reference } } }",
        {"n": 50},
    )
    assert literal == through_variable


def test_a_connection_without_first_counts_its_default_page() -> None:
    assert cost("{ customers { edges { node { reference } } } }") == cost(
        "{ customers(first: 20) { edges { node { reference } } } }"
    )


def test_a_plain_list_counts_as_a_default_page() -> None:
    # Counted as one object, an order's items let a page of orders cost a twentieth of what
    # it returns.
    orders = "{ customer(id: 1) { orders(first: 10) { edges { node { %s } } } } }"
    with_items = cost(orders % "items { id quantity }")
    without = cost(orders % "reference")
    assert with_items - without == 10 * (1 + DEFAULT_PAGE * 2 - 1)
    one = cost('{ customer(id: "x") { reference } }')
    listed = cost('{ customer(id: "x") { reference relationships { id } } }')
    assert listed - one == 1 + DEFAULT_PAGE * 1


def test_a_list_counts_the_same_through_fragments_on_its_types() -> None:
    direct = cost('{ customer(id: "x") { emails { address } } }')
    through_fragment = cost(
        '{ customer(id: "x") { ...F } } fragment F on Individual { emails { address } }'
    )
    inline = cost('{ customer(id: "x") { ... on Organisation { emails { address } } } }')
    assert direct == through_fragment == inline == 1 + 1 + DEFAULT_PAGE


def test_a_field_the_schema_does_not_know_counts_as_one() -> None:
    # Validation refuses it; the measure, taken first, must not fail on it.
    assert cost("{ noSuchField { a b } }") == 3
