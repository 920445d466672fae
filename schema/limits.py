"""Query limits: a query that would cost too much is refused before it runs.

Cost counts the objects a query can return: every field costs 1, and a field's selections
are multiplied by its `first` (page size; 20 when not given, 1 for fields without one).
The cost of every accepted query is reported in `extensions.cost`.

Depth and alias limits are strawberry's validation rules, given an `extensions.code` like
every other refusal of a request as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    validate,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

DEFAULT_PAGE = 20


class _Coding:
    """A validation context whose reported errors carry `extensions.code`."""

    def __init__(self, context: ValidationContext, code: str) -> None:
        self._context, self._code = context, code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        self._context.report_error(
            GraphQLError(error.message, error.nodes, extensions={"code": self._code})
        )


def coded(rules: list[type[ASTValidationRule]], code: str) -> list[type[ValidationRule]]:
    """Strawberry's limiter rules, which do all their checking when created, reporting their
    errors with `code`."""

    def wrap(rule: type[ASTValidationRule]) -> type[ValidationRule]:
        class Coded(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                rule(_Coding(context, code))  # type: ignore[arg-type]

        return Coded

    return [wrap(rule) for rule in rules]


class QueryCost(SchemaExtension):
    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost
        self.cost: int | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            if context.pre_execution_errors is None:
                context.pre_execution_errors = list(
                    validate(context.schema._schema, document, context.validation_rules)
                )
            if not context.pre_execution_errors:
                self.cost = self._cost_of(document, context.variables or {}, context.operation_name)
                if self.cost > self.max_cost:
                    context.pre_execution_errors = [
                        GraphQLError(
                            f"This query could return {self.cost} objects, over the limit of "
                            f"{self.max_cost}: ask for smaller pages (`first`) or fewer nested "
                            "lists.",
                            extensions={
                                "code": "QUERY_TOO_COSTLY",
                                "cost": self.cost,
                                "maxCost": self.max_cost,
                            },
                        )
                    ]
        yield

    def get_results(self) -> dict[str, Any]:
        return (
            {"cost": {"requested": self.cost, "limit": self.max_cost}}
            if self.cost is not None
            else {}
        )

    def _cost_of(self, document: Any, variables: dict[str, Any], name: str | None) -> int:
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        operations = [
            d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (name is None or (d.name and d.name.value == name))
        ]
        return sum(
            _selection_cost(op.selection_set, fragments, _with_defaults(op, variables), set())
            for op in operations[:1]
        )


def _with_defaults(operation: OperationDefinitionNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The variables as the query will run with them: a variable left out takes the default
    its definition declares (`query($n: Int = 100)`), so a default cannot hide a page size."""
    defaults = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    return {**defaults, **variables}


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, VariableNode):
                value = variables.get(argument.value.name.value)
            else:
                value = value_from_ast_untyped(argument.value, variables)
            # A negative page is refused when the field runs, and must not subtract from
            # the cost of its siblings, which run all the same.
            return max(int(value), 0) if isinstance(value, int) else DEFAULT_PAGE
    # A list field with no `first` is a connection at its default page size only when it has
    # `edges`; other fields return one object.
    if field.selection_set and any(
        isinstance(s, FieldNode) and s.name.value == "edges" for s in field.selection_set.selections
    ):
        return DEFAULT_PAGE
    return 1


def _selection_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    seen: set[str],
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            children = _selection_cost(selection.selection_set, fragments, variables, seen)
            total += 1 + _page_size(selection, variables) * children
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(selection.selection_set, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:  # validation rejects cycles anyway
                total += _selection_cost(
                    fragments[name].selection_set, fragments, variables, seen | {name}
                )
    return total
