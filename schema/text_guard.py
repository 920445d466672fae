"""Refuses a request holding text no field accepts, before any resolver runs.

The domain's text rules (domain/text.py) decide what each field keeps; this guard applies
their one rule that holds for every string, to every variable and every string literal of
the document, so a field added without them still never sends NUL to the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from domain.text import describe_character, unacceptable_character
from schema.documents import KeptPerDocument


class UnacceptableTextGuard(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        found = _in_variables(context.variables or {})
        if found is None and context.graphql_document is not None:
            found = _in_literals(context.graphql_document)
        if found is not None and not context.pre_execution_errors:
            where, ch = found
            context.pre_execution_errors = [
                GraphQLError(
                    f"Text must not contain control characters (found {describe_character(ch)}"
                    f" in {where}).",
                    extensions={"code": "BAD_USER_INPUT"},
                )
            ]
        yield


def _in_variables(variables: dict[str, Any]) -> tuple[str, str] | None:
    # Iterative: variables may be nested deeper than Python's recursion limit.
    pending: list[tuple[str, Any]] = [(f"${name}", value) for name, value in variables.items()]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if (ch := unacceptable_character(value)) is not None:
                return f"variable `{path}`", ch
        elif isinstance(value, dict):
            pending.extend((f"{path}.{key}", item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((f"{path}.{i}", item) for i, item in enumerate(value))
    return None


class _StringLiterals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: tuple[str, str] | None = None

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        if self.found is None and (ch := unacceptable_character(node.value)) is not None:
            self.found = ("a string in the query", ch)
        return self.BREAK if self.found else None


def _literal_found(document: Any) -> tuple[str, str] | None:
    literals = _StringLiterals()
    visit(document, literals)
    return literals.found


# A document's literals are the same each time it comes back.
_in_literals = KeptPerDocument(_literal_found)
