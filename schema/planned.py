"""Values a planned read already worked out, carried by the object they belong to.

A planned read (a page of customers with their lists, the opportunities dashboard) has in
hand, before any field resolves, what some fields of each object will answer: a customer's
emails, an opportunity's stage or its Received. Handed over as the object's planned values
(by the field's Python name, exactly what its resolver would return), the field answers
them without its resolver, its resolve info or a dataloader look-up; the executor then
answers the whole object in place when the rest of it is plain (schema/execution.py).

Only a field without arguments and without field extensions takes a planned value, so a
permission check (a field extension) always runs, and a field whose answer depends on its
arguments always asks its resolver. A field not planned resolves as ever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLField

T = TypeVar("T")
_ATTRIBUTE = "_planned_values"
# What a planned reader gives for a field it must leave to its resolver.
NOT_PLANNED: Any = object()


def with_planned(value: T, values: dict[str, Any]) -> T:
    """`value` (an object of a strawberry type) answering `values` for its fields."""
    setattr(value, _ATTRIBUTE, values)
    return value


def takes_planned(field: GraphQLField) -> str | None:
    """The Python name under which `field` takes a planned value, or None where it never
    does (arguments, field extensions, or no resolver of its own)."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is None or field.args or definition.extensions or definition.arguments:
        return None
    if getattr(definition, "base_resolver", None) is None:
        return None
    return str(definition.python_name)


def planned_reader(name: str, otherwise: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """Reads the planned value `name` of a source, else `otherwise(source)`; NOT_PLANNED
    where there is none and no `otherwise`."""

    def read(source: Any) -> Any:
        values = getattr(source, _ATTRIBUTE, None)
        if values is not None:
            found = values.get(name, NOT_PLANNED)
            if found is not NOT_PLANNED:
                return found
        return NOT_PLANNED if otherwise is None else otherwise(source)

    return read


def planned_first(name: str, resolve: Any) -> Any:
    """A field resolver answering the planned value where the source has one: graphql-core's
    own path (a field the executor does not answer in place) then gives what the plan read
    too, without a dataloader batch."""

    def resolve_planned(source: Any, info: Any) -> Any:
        values = getattr(source, _ATTRIBUTE, None)
        if values is not None:
            found = values.get(name, NOT_PLANNED)
            if found is not NOT_PLANNED:
                return found
        return resolve(source, info)

    without_info = getattr(resolve, "without_info", None)
    resolve_planned.planned = planned_reader(name, without_info)  # type: ignore[attr-defined]
    return resolve_planned
