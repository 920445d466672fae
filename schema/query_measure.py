"""How big a query document is once its fragments are spread: depth, aliases, fields and
cost, in time linear in the document.

Spreading a fragment twice in a fragment that is itself spread twice doubles the work of a
naive walk at every level (23 levels of `...F ...F` is 8 million fields from 949
characters). Each fragment is measured once, after the fragments it spreads, and a spread
reads the fragment's measure instead of walking it again.

Cost counts the objects a query can return: every field costs 1 (a field that evaluates a
segment, EVALUATION), and a field's selections are multiplied by how many it can return: the
`first` of a field that takes one (20 when not given, wherever its `edges` are selected,
in a fragment or not); a default page for a plain list of objects (an order's items, a
customer's relationships); a tree's bound for a tree (TREES); 1 for a field of one object.
The fields' types come from the schema; a field it does not know (which validation refuses)
counts as one object.

Counting a plain list as one object let `orders(first: 100) { edges { node { items } } }`
cost a twentieth of what it returns. A default page is what such lists hold in practice,
not their bound: an order may hold MAX_ITEMS (200) items, and counting every order at that
would refuse a page of twenty orders with their items, the box office's everyday query.
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
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)

from domain.pages import DEFAULT_PAGE_SIZE
from domain.segments.criteria import MAX_NODES

# GraphQL's Int: a larger page is refused when its variables are coerced, and must not make
# a cost too long to write in the answer (Python writes no integer past 4,300 digits).
LARGEST_PAGE = 2**31 - 1
# A tree counts at its bound as a whole: a segment's criteria hold at most MAX_NODES however
# deep they nest (20 per level would cost a tree of eight levels 20**8), and each node is
# one of them, answering the fields selected at its own level.
TREES = {"SegmentCriterion": MAX_NODES}
# Fields that evaluate a segment (or the year's measures) in SQL, each a statement over the
# organisation's whole audience: one costs as much as EVALUATION objects, so a page of 100
# segments with their counts is refused, not twenty seconds of the database's time.
EVALUATIONS = frozenset(
    {
        ("Segment", "count"),
        ("Segment", "breakdown"),
        ("Segment", "customers"),
        ("Query", "previewSegment"),
        ("Insights", "measures"),
    }
)
EVALUATION = 1_000

# The type a selection set selects from, where it has fields; None where the schema does
# not say (an unknown name, or a union).
Parent = GraphQLObjectType | GraphQLInterfaceType | None


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
    # Inside a tree (TREES): the most one node below this level costs by its own fields.
    deeper: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.fields + other.fields,
            self.cost + other.cost,
            self.schemas + other.schemas,
            max(self.deeper, other.deeper),
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


def measure(
    document: DocumentNode, variables: dict[str, Any], schema: GraphQLSchema
) -> DocumentMeasure:
    """`variables` are those the executed operation runs with (page sizes may come from
    them); the measures of other operations are only used for their depth and aliases."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walk = _Walk(variables, schema)
    for name in _spread_order(fragments):
        fragment = fragments[name]
        walk.fragments[name] = walk.selections(
            fragment.selection_set, walk.condition(fragment.type_condition, None)
        )
    operations = tuple(
        (d, walk.selections(d.selection_set, schema.get_root_type(d.operation)))
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )
    return DocumentMeasure(operations, walk.fragments)


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


class _Walk:
    def __init__(self, variables: dict[str, Any], schema: GraphQLSchema) -> None:
        self.variables = variables
        self.schema = schema
        self.fragments: dict[str, Measure] = {}

    def condition(self, named: NamedTypeNode | None, parent: Parent) -> Parent:
        """The type a fragment's selections select from."""
        if named is None:
            return parent
        found = self.schema.get_type(named.name.value)
        return found if isinstance(found, GraphQLObjectType | GraphQLInterfaceType) else None

    def selections(self, selection_set: SelectionSetNode | None, parent: Parent) -> Measure:
        total = NOTHING
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.condition(selection.type_condition, parent)
                total += self.selections(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                # Unknown and cyclic fragments measure nothing; validation refuses them.
                total += self.fragments.get(selection.name.value, NOTHING)
        return total

    def field(self, field: FieldNode, parent: Parent) -> Measure:
        name = field.name.value
        definition = parent.fields.get(name) if parent is not None else None
        named = get_named_type(definition.type) if definition is not None else None
        inner = named if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else None
        children = self.selections(field.selection_set, inner)
        introspection = name.startswith("__")
        own = EVALUATION if parent is not None and (parent.name, name) in EVALUATIONS else 1
        # A node of a tree costs its own fields; the tree costs its bound times the most
        # any one node costs, at whichever level it is.
        node = max(children.cost, children.deeper)
        type_name = named.name if named is not None else None
        bound = TREES.get(type_name) if parent is not None and type_name is not None else None
        if bound is not None and parent is not None and parent.name == type_name:
            cost, deeper = own, node  # a link to the nodes below
        elif bound is not None:
            cost, deeper = own + bound * node, 0
        else:
            cost, deeper = own + self.size(field, parent, definition) * children.cost, 0
        return Measure(
            depth=0 if introspection or children.depth < 0 else children.depth + 1,
            aliases=(1 if field.alias else 0) + children.aliases,
            fields=1 + children.fields,
            cost=cost,
            schemas=(name == "__schema") + children.schemas,
            deeper=deeper,
        )

    def size(self, field: FieldNode, parent: Parent, definition: Any) -> int:
        """How many objects `field` can return, each with its selections."""
        if parent is None or definition is None:
            return 1
        if "first" in definition.args:  # a page, however its `edges` are selected
            return _page_size(field, self.variables)
        # A connection's `edges` are its page, counted by its `first`.
        return DEFAULT_PAGE_SIZE if _is_list(definition.type) and field.name.value != "edges" else 1


def _is_list(field_type: Any) -> bool:
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    """The `first` a field runs with: its default page where it is not given."""
    for argument in field.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, VariableNode):
                value = variables.get(argument.value.name.value)
            else:
                value = value_from_ast_untyped(argument.value, variables)
            # A variable of 100.0 runs as the Int 100 (graphql-core takes a whole float).
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int):
                return DEFAULT_PAGE_SIZE
            # A negative page is refused when the field runs, and must not subtract from
            # the cost of its siblings, which run all the same.
            return min(max(value, 0), LARGEST_PAGE)
    return DEFAULT_PAGE_SIZE
