"""Documents parsed once, what is kept of them, and which operations need their caller."""

from __future__ import annotations

import pytest
from graphql import DocumentNode, parse

from schema.documents import KeptPerDocument, needing_caller, parse_once, typename_only

TOKENS = 1000


@pytest.mark.parametrize(
    "query",
    [
        "{ __typename }",
        "query Probe { __typename a: __typename }",
        "mutation { __typename }",
        "{ __schema { queryType { name } } }",
        '{ __type(name: "Customer") { name } }',
    ],
)
def test_an_operation_of_meta_fields_alone_needs_no_caller(query: str) -> None:
    assert needing_caller(query, None, TOKENS) is None


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { name } }",
        "{ __typename viewer { name } }",
        "{ ...Meta } fragment Meta on Query { __typename }",  # a fragment counts as data
        "{ ... on Query { __typename } }",
        "mutation { logout { errors { code } } }",
    ],
)
def test_an_operation_asking_for_anything_else_needs_its_caller(query: str) -> None:
    operation = needing_caller(query, None, TOKENS)
    assert operation is not None


def test_the_operation_named_is_the_one_judged() -> None:
    document = "query Meta { __typename } query Data { viewer { name } }"
    assert needing_caller(document, "Meta", TOKENS) is None
    chosen = needing_caller(document, "Data", TOKENS)
    assert chosen is not None and chosen.name is not None and chosen.name.value == "Data"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("{ viewer { name } ", None),  # does not parse
        ("query A { viewer { name } } query B { viewer { name } }", None),  # which one?
        ("query A { viewer { name } }", "B"),  # no such operation
        ("", None),
        ("{" + " viewer { name }" * 500 + " }", None),  # over the token limit
    ],
)
def test_a_document_that_runs_nothing_needs_no_caller(query: str, name: str | None) -> None:
    assert needing_caller(query, name, TOKENS) is None


def test_a_text_sent_again_is_the_same_document() -> None:
    text = "{ viewer { name } }"
    assert parse_once(text, max_tokens=TOKENS) is parse_once(text, max_tokens=TOKENS)


def test_what_is_kept_of_a_document_is_found_once_per_document_and_bounded() -> None:
    made: list[DocumentNode] = []

    def count(document: DocumentNode) -> int:
        made.append(document)
        return len(document.definitions)

    kept = KeptPerDocument(count, maxsize=2)
    first, equal = parse("{ a }"), parse("{ a }")  # equal, but two documents
    assert (kept(first), kept(first), kept(equal)) == (1, 1, 1)
    assert made == [first, equal]
    kept(parse("{ b }"))  # the third pushes out the least recently used: `first`
    kept(first)
    assert made[-1] is first and len(made) == 4


@pytest.mark.parametrize(
    ("query", "name", "asked"),
    [
        ("{ __typename }", None, (None, "__typename")),
        ("query Ping { kind: __typename }", None, ("Ping", "kind")),
        ("query Ping { __typename }", "Ping", ("Ping", "__typename")),
    ],
)
def test_typename_alone_is_answered_without_execution(
    query: str, name: str | None, asked: tuple[str | None, str]
) -> None:
    assert typename_only(query, name, TOKENS) == asked


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("query Ping { __typename }", "Pong"),  # no such operation: refused as usual
        ("mutation { __typename }", None),
        ("{ __typename a: __typename }", None),
        ("{ __typename @include(if: true) }", None),
        ("query($x: Int) { __typename }", None),
        ("{ __schema { queryType { name } } }", None),
        ("{ ... on Query { __typename } }", None),
        ("{ __typename } fragment F on Query { __typename }", None),  # invalid: unused
        ("{ __typename(x: 1) }", None),  # invalid: no such argument
        ("{ __typename ", None),
        ("", None),
    ],
)
def test_anything_else_runs_as_usual(query: str, name: str | None) -> None:
    assert typename_only(query, name, TOKENS) is None
