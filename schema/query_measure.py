"""How big a query document is once its fragments are spread: depth, aliases, fields and
cost, in time linear in the document.

Spreading a fragment twice in a fragment that is itself spread twice doubles the work of a
naive walk at every level (23 levels of `...F ...F` is 8 million fields from 949
characters). Each fragment is measured once, after the fragments it spreads, and a spread
reads the fragment's measure instead of walking it again.

Cost counts the objects a query can return: every field costs 1, and a field's selections
are multiplied by its `first` (page size; 20 when not given, 1 for fields without one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    value_from_ast_untyped,
)

DEFAULT_PAGE = 20


@dataclass(frozen=True)
class Measure:
    """A selection set as spread out: `depth` is the level of its deepest field (its own
    fields are level 0; -1 when it has none), counted as strawberry's depth limiter did:
    introspection fields (`__schema`) count, their selections do not."""

    depth: int = -1
    aliases: int = 0
    fields: int = 0
    cost: int = 0
    # `__schema` fields: each answers the whole schema, 1.5 MB in a quarter of a second.
    schemas: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.fields + other.fields,
            self.cost + other.cost,
            self.schemas + other.schemas,
        )


NOTHING = Measure()


@dataclass(frozen=True)
class DocumentMeasure:
    # Pairs, not a dict keyed by the operation: an AST node's hash walks its whole subtree
    # (graphql-core's nodes are frozen dataclasses), which a look-up would pay per request.
    operations: tuple[tuple[OperationDefinitionNode, Measure], ...]
    fragments: dict[str, Measure]

    def of(self, operation: OperationDefinitionNode) -> Measure:
        return next(m for op, m in self.operations if op is operation)

    @property
    def fields(self) -> int:
        """Every field a validation rule could visit: the operations and the fragment
        definitions (rules check unused fragments too), each spread out."""
        return sum(m.fields for _, m in self.operations) + sum(
            m.fields for m in self.fragments.values()
        )


def measure(document: DocumentNode, variables: dict[str, Any]) -> DocumentMeasure:
    """`variables` are those the executed operation runs with (page sizes may come from
    them); the measures of other operations are only used for their depth and aliases."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measured: dict[str, Measure] = {}
    for name in _spread_order(fragments):
        measured[name] = _measure(fragments[name].selection_set, measured, variables)
    operations = tuple(
        (d, _measure(d.selection_set, measured, variables))
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )
    return DocumentMeasure(operations, measured)


def with_defaults(operation: OperationDefinitionNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The variables as the query will run with them: a variable left out takes the default
    its definition declares (`query($n: Int = 100)`), so a default cannot hide a page size."""
    defaults = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    return {**defaults, **variables}


def page_variables(document: DocumentNode) -> frozenset[str]:
    """The names of the variables any `first` argument of the document reads: the only
    ones its measure depends on."""
    names: set[str] = set()

    def walk(selection_set: SelectionSetNode | None) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                for argument in selection.arguments or ():
                    if argument.name.value == "first":
                        names.update(_variables_in(argument.value))
            walk(getattr(selection, "selection_set", None))

    for definition in document.definitions:
        walk(getattr(definition, "selection_set", None))
    return frozenset(names)


def _variables_in(value: Any) -> Iterator[str]:
    if isinstance(value, VariableNode):
        yield value.name.value
    for child in getattr(value, "values", None) or ():  # a list
        yield from _variables_in(child)
    for child in getattr(value, "fields", None) or ():  # an object's fields
        yield from _variables_in(child.value)


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            yield selection.name.value
        elif selection.selection_set is not None:  # type: ignore[attr-defined]
            yield from _spreads(selection.selection_set)  # type: ignore[attr-defined]


def _spread_order(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Fragments ordered so that each comes after every fragment it spreads. Without a
    stack of calls, so a long chain of fragments cannot exhaust the interpreter's; a cycle
    (which validation refuses) is cut where it closes."""
    order: list[str] = []
    state: dict[str, bool] = {}  # False: being visited; True: placed
    for root in fragments:
        if root in state:
            continue
        state[root] = False
        stack = [(root, iter(list(_spreads(fragments[root].selection_set))))]
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                state[name] = True
                order.append(name)
            elif child in fragments and child not in state:
                state[child] = False
                stack.append((child, iter(list(_spreads(fragments[child].selection_set)))))
    return order


def _measure(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, Measure],
    variables: dict[str, Any],
) -> Measure:
    total = NOTHING
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            total += _field(selection, fragments, variables)
        elif isinstance(selection, InlineFragmentNode):
            total += _measure(selection.selection_set, fragments, variables)
        elif isinstance(selection, FragmentSpreadNode):
            # Unknown and cyclic fragments measure nothing; validation refuses them.
            total += fragments.get(selection.name.value, NOTHING)
    return total


def _field(field: FieldNode, fragments: dict[str, Measure], variables: dict[str, Any]) -> Measure:
    children = _measure(field.selection_set, fragments, variables)
    introspection = field.name.value.startswith("__")
    return Measure(
        depth=0 if introspection or children.depth < 0 else children.depth + 1,
        aliases=(1 if field.alias else 0) + children.aliases,
        fields=1 + children.fields,
        cost=1 + _page_size(field, variables) * children.cost,
        schemas=(field.name.value == "__schema") + children.schemas,
    )


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
