"""Query limits: a query that is too deep, has too many aliases, would spread out too far or
cost too much is refused before it runs, each with its `extensions.code`.

Every limit is computed from one linear measure of the document (schema/query_measure.py),
and the ones that bound the document's size are checked before graphql-core's validation,
so no validation rule ever walks a document whose fragments spread out too far. The rule
that compares fields pairwise (OverlappingFieldsCanBeMerged) also gets a smaller budget
than graphql-core's default, so that the pairs a small document can still make stop early.

The cost of every accepted query is reported in `extensions.cost`; cost is counted as
schema/query_measure.py describes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    IntValueNode,
    OperationDefinitionNode,
    ValidationContext,
    specified_rules,
)
from graphql.validation.rules.overlapping_fields_can_be_merged import (
    OverlappingFieldsCanBeMergedRule,
)
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from schema.documents import KeptPerDocument
from schema.query_measure import DocumentMeasure, measure, page_variables, with_defaults


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_tokens: int
    max_aliases: int
    max_cost: int
    # Fields in the document with every fragment spread where it is used.
    max_fields: int
    # Work units of graphql-core's field-merging rule (its default is 500,000).
    validation_budget: int

    @classmethod
    def of(cls, settings: Any) -> Limits:
        return cls(
            settings.max_depth,
            settings.max_tokens,
            settings.max_aliases,
            settings.max_cost,
            settings.max_fields,
            settings.validation_budget,
        )


def refusal(message: str, code: str, **details: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **details})


def chosen_operation(execution: ExecutionContext) -> OperationDefinitionNode | None:
    """The operation the request runs (the spec's GetOperation): the one `operationName`
    names, or the only one. Raises the refusal when there is none such; None before the
    document is parsed."""
    document = execution.graphql_document
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    # The name the request gave: strawberry's `operation_name` falls back to the first
    # operation's, which would run the first of several.
    name = execution._provided_operation_name
    if name is None:
        if len(operations) > 1:
            raise refusal(
                f"This document has {len(operations)} operations: say which to run with "
                "`operationName`.",
                "OPERATION_NAME_REQUIRED",
            )
        return operations[0] if operations else None
    named = [op for op in operations if op.name and op.name.value == name]
    if not named:
        raise refusal(f"This document has no operation named {name!r}.", "UNKNOWN_OPERATION")
    return named[0]


Validator = Callable[[DocumentNode], tuple[GraphQLError, ...]]


def cached_validator(schema: GraphQLSchema, budget: int) -> Validator:
    """graphql-core's rules (and strawberry's) against `schema`, the field-merging rule
    with `budget` instead of its default; results are kept per document, as a query sent
    again is the same document (the parse cache hands back the same one)."""

    class BudgetedOverlappingFields(OverlappingFieldsCanBeMergedRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.rule_context.remaining_complexity_budget = budget

    rules = tuple(
        BudgetedOverlappingFields if rule is OverlappingFieldsCanBeMergedRule else rule
        for rule in specified_rules
    )

    def validated(document: DocumentNode) -> tuple[GraphQLError, ...]:
        return tuple(_for_the_client(e) for e in validate_document(schema, document, rules))

    return KeptPerDocument(validated)


Measurer = Callable[[DocumentNode, dict[str, Any]], DocumentMeasure]
_page_variables = KeptPerDocument(page_variables)


def cached_measure(schema: GraphQLSchema) -> Measurer:
    """The measure of a document run with some variables against `schema`: a document whose
    page sizes take no variable measures the same each time it comes back, whatever its
    variables (customer by id's `$id`), and is measured once."""
    plain = KeptPerDocument(lambda document: measure(document, {}, schema))

    def measured(document: DocumentNode, variables: dict[str, Any]) -> DocumentMeasure:
        if _page_variables(document) & variables.keys():
            return measure(document, variables, schema)
        return plain(document)

    return measured


class QueryLimits(SchemaExtension):
    def __init__(self, limits: Limits, validator: Validator, measured: Measurer) -> None:
        self.limits = limits
        self.validator = validator
        self.measured = measured
        self.cost: int | None = None

    def on_operation(self) -> Iterator[None]:
        # graphql-core's parser stops at the token limit, before reading the rest.
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        chosen_operation(self.execution_context)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            operation = chosen_operation(context)
            variables = with_defaults(operation, context.variables or {}) if operation else {}
            measured = self.measured(document, variables)
            # The size limits first: validation must never see a document that spreads out
            # too far.
            context.pre_execution_errors = self._size_errors(measured) or list(
                self.validator(document)
            )
            if not context.pre_execution_errors and operation is not None:
                self.cost = measured.of(operation).cost
                context.pre_execution_errors = self._cost_errors(self.cost)
        yield

    def get_results(self) -> dict[str, Any]:
        return (
            {"cost": {"requested": self.cost, "limit": self.limits.max_cost}}
            if self.cost is not None
            else {}
        )

    def _size_errors(self, measured: DocumentMeasure) -> list[GraphQLError]:
        limits = self.limits
        if measured.fields > limits.max_fields:
            return [
                refusal(
                    f"This document spreads out to {measured.fields} fields, over the limit "
                    f"of {limits.max_fields}: spread fewer fragments.",
                    "QUERY_TOO_LARGE",
                )
            ]
        errors = [
            refusal(
                f"'{op.name.value if op.name else 'anonymous'}' exceeds maximum operation "
                f"depth of {limits.max_depth}",
                "QUERY_TOO_DEEP",
            )
            for op, m in measured.operations
            if m.depth > limits.max_depth
        ]
        # One is what a tool asks; sixteen, aliased, took the server 3.9 s to answer in
        # 24 MB without credentials (found by a hostile probe).
        errors += [
            refusal(
                "Ask for `__schema` once in an operation: one answer holds the whole schema.",
                "QUERY_TOO_LARGE",
            )
            for _, m in measured.operations
            if m.schemas > 1
        ]
        aliases = sum(m.aliases for _, m in measured.operations)
        if aliases > limits.max_aliases:
            errors.append(
                refusal(
                    f"{aliases} aliases found. Allowed: {limits.max_aliases}", "TOO_MANY_ALIASES"
                )
            )
        return errors

    def _cost_errors(self, cost: int) -> list[GraphQLError]:
        if cost <= self.limits.max_cost:
            return []
        return [
            refusal(
                f"This query could return {cost} objects, over the limit of "
                f"{self.limits.max_cost}: ask for smaller pages (`first`) or fewer nested "
                "lists.",
                "QUERY_TOO_COSTLY",
                cost=cost,
                maxCost=self.limits.max_cost,
            )
        ]


def _for_the_client(error: GraphQLError) -> GraphQLError:
    """A validation error as the client gets it: every one is about the document, the
    client's to fix, never an unexpected error to mask."""
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        # A literal that broke its type's own parsing (Python reads no integer of more
        # than 4,300 digits): graphql-core keeps the exception, which masking would take
        # for a bug, and words it with Python's advice to the programmer.
        return GraphQLError(
            f"This value cannot be read as the type it is given for{_what(error)}.",
            nodes=error.nodes,
            extensions={"code": "BAD_USER_INPUT"},
        )
    if isinstance(error, ValidationAbortedError):
        return refusal(
            "This document is too complex to check: it has too many fields to compare. "
            "Send fewer fields of the same name.",
            "QUERY_TOO_COMPLEX",
        )
    if error.extensions and "code" in error.extensions:
        return error
    # Coded as every other refusal is, so a client can tell a document it must fix from
    # the rest without reading the message.
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        extensions={**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"},
    )


def _what(error: GraphQLError) -> str:
    node = error.nodes[0] if error.nodes else None
    if isinstance(node, IntValueNode):
        return f": a number of {len(node.value.lstrip('-')):,} digits"
    return ""
