"""How much a query may cost: page sizes multiply through nested lists."""

from __future__ import annotations

from graphql import parse

from schema.query_measure import measure


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    [(_, operation)] = measure(parse(query), variables or {}).operations
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
