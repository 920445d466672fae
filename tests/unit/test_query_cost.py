"""How much a query may cost: page sizes multiply through nested lists."""

from __future__ import annotations

from graphql import parse

from domain.pages import DEFAULT_PAGE_SIZE
from domain.segments.criteria import MAX_NODES
from infra.settings import Settings
from schema.build import build_schema
from schema.limits import Limits
from schema.query_measure import EVALUATION, LARGEST_PAGE, measure

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
    assert with_items - without == 10 * (1 + DEFAULT_PAGE_SIZE * 2 - 1)
    one = cost('{ customer(id: "x") { reference } }')
    listed = cost('{ customer(id: "x") { reference relationships { id } } }')
    assert listed - one == 1 + DEFAULT_PAGE_SIZE * 1


def test_a_list_counts_the_same_through_fragments_on_its_types() -> None:
    direct = cost('{ customer(id: "x") { emails { address } } }')
    through_fragment = cost(
        '{ customer(id: "x") { ...F } } fragment F on Individual { emails { address } }'
    )
    inline = cost('{ customer(id: "x") { ... on Organisation { emails { address } } } }')
    assert direct == through_fragment == inline == 1 + 1 + DEFAULT_PAGE_SIZE


def test_a_field_the_schema_does_not_know_counts_as_one() -> None:
    # Validation refuses it; the measure, taken first, must not fail on it.
    assert cost("{ noSuchField { a b } }") == 3


def test_a_page_counts_wherever_its_edges_are_selected() -> None:
    # Found by a hostile probe: `edges` in a fragment hid the connection's default page, and
    # 30 aliases of nested pages cost 3,240 while returning 650,000 objects.
    direct = cost("{ customers { edges { node { reference } } } }")
    inline = cost("{ customers { ... { edges { node { reference } } } } }")
    typed = cost("{ customers { ... on CustomerConnection { edges { node { reference } } } } }")
    named = cost(
        "{ customers { ...P } } fragment P on CustomerConnection { edges { node { id } } }"
    )
    assert direct == inline == typed == named == 1 + DEFAULT_PAGE_SIZE * 3


def test_a_whole_float_page_counts_as_the_page_it_runs_as() -> None:
    query = "query($n: Int) { customers(first: $n) { edges { node { reference } } } }"
    assert cost(query, {"n": 100.0}) == cost(query, {"n": 100}) == 1 + 100 * 3


def test_a_page_beyond_graphqls_int_cannot_make_a_cost_too_long_to_write() -> None:
    query = """query($n: Int) { customers(first: $n) { edges { node {
      orders(first: $n) { edges { node { reference } } } } } } }"""
    huge = cost(query, {"n": int("9" * 4000)})
    assert huge == cost(query, {"n": LARGEST_PAGE})
    assert len(str(huge)) < 100


def test_a_tree_counts_at_its_bound_once() -> None:
    one = cost('{ segment(id: "x") { criteriaTree { any { tag { tag } } } } }')
    deep = cost('{ segment(id: "x") { criteriaTree { any { all { any { tag { tag } } } } } } }')
    # Each node answers the fields of its own level: `tag { tag }` below `any`.
    assert one == 1 + 1 + MAX_NODES * (1 + 1)
    assert deep == one
    # A tree read back with every level's fields: one node's (its __typename and two links
    # at the top; `tag { tag }` and a link below), not every level's at once.
    levels = (
        '{ segment(id: "x") { criteriaTree { kind: __typename all { ...L any { ...L } }'
        " any { ...L not { ...L } } } } } fragment L on SegmentCriterion { tag { tag } }"
    )
    assert cost(levels) == 1 + 1 + MAX_NODES * 3
    page = cost(
        "{ segments(first: 100) { edges { node { criteriaTree { any { tag { tag } } } } } } }"
    )
    assert page == 1 + 100 * (1 + 1 + 1 + MAX_NODES * 2)


def test_each_segment_evaluation_costs_as_much_as_many_objects() -> None:
    # Found by a hostile probe: 100 segments' counts and breakdowns cost 15,501 and kept the
    # database busy past the request's deadline.
    names = cost("{ segments(first: 100) { edges { node { name } } } }")
    counts = cost("{ segments(first: 100) { edges { node { name count } } } }")
    assert counts - names == 100 * EVALUATION
    assert counts > 50_000


def test_a_preview_counts_its_page_once() -> None:
    # Its customers are the preview's page: not 20 more per customer.
    query = """{ previewSegment(criteria: {all: []}, first: 100) { count
      customers { edges { node { reference } } } } }"""
    assert cost(query) == EVALUATION + 100 * (1 + 1 + (1 + 1 + 1))
