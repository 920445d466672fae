"""Calls generated from the schema itself, so a field added tomorrow is covered by the tests
that walk every field taking an id or a string."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    build_schema,
    get_named_type,
    is_leaf_type,
)

from infra.settings import Settings
from resolvers.global_ids import to_global_id
from schema.build import build_schema as build_foyer_schema
from schema.limits import Limits

# A plausible value of each leaf type; `ID` and `String` are what the tests vary.
_LEAVES: dict[str, Any] = {
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "String": "x",
    "ID": to_global_id("Individual", 1),
    "Date": "2026-01-01",
    "DateTime": "2026-01-01T12:00:00+00:00",
}


@cache
def foyer_schema() -> GraphQLSchema:
    return build_schema(build_foyer_schema(Limits.of(Settings())).as_str())


@dataclass(frozen=True)
class RootField:
    operation: str  # "query" or "mutation"
    name: str
    field: GraphQLField


def root_fields() -> Iterator[RootField]:
    schema = foyer_schema()
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            yield RootField(operation, name, field)


def takes(leaf: str, kind: GraphQLInputType, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a value of `kind` holds, at any depth, a value of the scalar `leaf`."""
    named = get_named_type(kind)
    if named.name == leaf:
        return True
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        return any(takes(leaf, f.type, seen | {named.name}) for f in named.fields.values())
    return False


def value_of(
    kind: GraphQLInputType,
    leaf: str,
    chosen: Callable[[], Any],
    seen: frozenset[str] = frozenset(),
) -> Any:
    """A value of `kind` with its required parts filled in, every `leaf` among them, and
    every optional `leaf`, set to `chosen()`. A type met again inside itself (a tree of
    criteria) is not entered again; of a `oneOf` input, one field is given: one holding
    `leaf` when there is one."""
    if isinstance(kind, GraphQLNonNull):
        return value_of(kind.of_type, leaf, chosen, seen)
    if isinstance(kind, GraphQLList):
        return [value_of(kind.of_type, leaf, chosen, seen)]
    if kind.name == leaf:  # type: ignore[union-attr]
        return chosen()
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if is_leaf_type(kind):
        return _LEAVES[kind.name]  # type: ignore[union-attr]
    assert isinstance(kind, GraphQLInputObjectType)
    inside = seen | {kind.name}
    fields = {
        name: f for name, f in kind.fields.items() if get_named_type(f.type).name not in inside
    }
    if kind.is_one_of:
        holding = [name for name, f in fields.items() if takes(leaf, f.type, inside)]
        name = (holding or list(fields))[0]
        return {name: value_of(fields[name].type, leaf, chosen, inside)}
    return {
        name: value_of(f.type, leaf, chosen, inside)
        for name, f in fields.items()
        if isinstance(f.type, GraphQLNonNull) or takes(leaf, f.type)
    }


def needed(argument: GraphQLArgument, leaf: str) -> bool:
    return isinstance(argument.type, GraphQLNonNull) or takes(leaf, argument.type)


def aliased_calls(root: RootField, leaf: str, values: list[Any]) -> tuple[str, dict[str, Any]]:
    """One document calling `root` once per value (aliases `c0`, `c1`, …), each call with
    every `leaf` in its arguments set to that value, and the variables it needs."""
    arguments = {n: a for n, a in root.field.args.items() if needed(a, leaf)}
    declarations, calls, variables = [], [], {}
    for i, value in enumerate(values):
        passed = []
        for name, argument in arguments.items():
            variable = f"{name}{i}"
            declarations.append(f"${variable}: {argument.type}")
            variables[variable] = value_of(argument.type, leaf, lambda v=value: v)
            passed.append(f"{name}: ${variable}")
        args = f"({', '.join(passed)})" if passed else ""
        calls.append(f"c{i}: {root.name}{args} {_selection(root.field)}")
    heading = f"({', '.join(declarations)})" if declarations else ""
    return f"{root.operation}{heading} {{ {' '.join(calls)} }}", variables


def _selection(field: GraphQLField) -> str:
    return "" if is_leaf_type(get_named_type(field.type)) else "{ __typename }"
