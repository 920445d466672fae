"""What an operation selects, collected once per process instead of once per request.

graphql-core collects each object's subfields (merging fields, expanding fragments) and
schema/execution.py plans how to answer them, for every request, although clients send
the same few documents all day and the documents are parsed once (schema/documents.py):
for customer by id that is about 5% of the request. What an operation selects depends
only on its document and the schema, except through `@skip`, `@include` and `@defer`,
whose arguments may be variables. So for an operation without directives in its
selections, the collected subfields and the plans are kept with the operation and shared
by every request that runs it; an operation with one is collected per request as before.

Subfields are found by the identity of the selection nodes they are collected from (nodes
of a document kept here alive with the operation, so no other node can come to have their
id); plans by the collected objects they are made for, which each entry keeps alive.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
)
from graphql.execution.collect_fields import FragmentDetails

OPERATIONS_KEPT = 256


class Collected:
    """One operation's collected subfields and plans, shared by the requests running it.
    Only plans of what was collected here are kept: graphql-core collects the operation's
    root fields itself, anew for each request, so their plans stay with the request."""

    __slots__ = ("_nodes", "kept", "object_plans", "plans", "subfields")

    def __init__(self, operation: OperationDefinitionNode, fragments: tuple[Any, ...]) -> None:
        self._nodes = (operation, fragments)  # alive while their ids key `subfields`
        self.subfields: dict[tuple[Any, ...], Any] = {}
        # The ids of the selections and fields collected (alive in `subfields`).
        self.kept: set[int] = set()
        self.plans: dict[int, Any] = {}
        self.object_plans: dict[tuple[Any, int], Any] = {}

    def keep(self, key: tuple[Any, ...], collected: Any) -> None:
        self.subfields[key] = collected
        grouped = collected.grouped_field_set
        self.kept.add(id(grouped))
        self.kept.update(id(field_details_list) for field_details_list in grouped.values())


_kept: OrderedDict[int, tuple[OperationDefinitionNode, Collected | None]] = OrderedDict()


def collected_for(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
) -> Collected | None:
    """The operation's shared collection; None when its selections hold a directive, or a
    fragment takes arguments."""
    key = id(operation)
    entry = _kept.get(key)
    if entry is not None and entry[0] is operation:
        _kept.move_to_end(key)
        return entry[1]
    definitions = (operation, *(f.definition for f in fragments.values()))
    varying = any(f.variable_signatures for f in fragments.values()) or any(
        map(_has_directives, definitions)
    )
    found = None if varying else Collected(operation, definitions)
    _kept[key] = (operation, found)
    if len(_kept) > OPERATIONS_KEPT:
        _kept.popitem(last=False)
    return found


def collected_kept() -> list[tuple[OperationDefinitionNode, Collected | None]]:
    """The operations kept, each with its collection (None where it has none), oldest first."""
    return list(_kept.values())


def _has_directives(definition: Any) -> bool:
    if isinstance(definition, FragmentDefinitionNode) and definition.directives:
        return True
    # Iterative: selections may nest as deep as the query limits allow.
    pending = [definition.selection_set]
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if selection.directives:
                return True
            if isinstance(selection, FieldNode | InlineFragmentNode):
                pending.append(selection.selection_set)
            elif not isinstance(selection, FragmentSpreadNode):
                return True  # a kind of selection this does not know: collect per request
    return False


def subfields_key(return_type: Any, field_details_list: Any) -> tuple[Any, ...]:
    return (return_type, *[id(details.node) for details in field_details_list])
