"""Documents parsed once per process, and what a parsed operation asks of the request.

Clients send the same few query texts all day: each is parsed once and the document is
kept (an LRU bounded by count), so a request that repeats one pays a dictionary look-up.
Validating it is kept with the document too (schema/limits.py): both caches key on the
same document object.

An operation that selects only the schema's own meta fields (`{ __typename }`, the
introspection fields) reads nothing of any organisation: it needs no caller, so the
request asks the database nothing (no look-up of the key, no snapshot).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Generic, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from strawberry.extensions import SchemaExtension

DOCUMENTS_KEPT = 256
_META_FIELDS = frozenset({"__typename", "__schema", "__type"})
T = TypeVar("T")

parse_once: Callable[..., DocumentNode] = lru_cache(maxsize=DOCUMENTS_KEPT)(parse)


class KeptPerDocument(Generic[T]):
    """What `make` finds in a document, found once per document and kept while it is one of
    the last `maxsize`. Kept by identity: graphql-core's nodes are frozen dataclasses whose
    hash walks the whole document, which an `lru_cache` would do on every request. The
    entry holds its document, so no other document can come to have its id."""

    def __init__(self, make: Callable[[DocumentNode], T], maxsize: int = DOCUMENTS_KEPT):
        self._make = make
        self._maxsize = maxsize
        self._kept: OrderedDict[int, tuple[DocumentNode, T]] = OrderedDict()

    def __call__(self, document: DocumentNode) -> T:
        key = id(document)
        entry = self._kept.get(key)
        if entry is not None and entry[0] is document:
            self._kept.move_to_end(key)
            return entry[1]
        found = self._make(document)
        self._kept[key] = (document, found)
        if len(self._kept) > self._maxsize:
            self._kept.popitem(last=False)
        return found


class ParsedOnce(SchemaExtension):
    """Strawberry's parse step through `parse_once`, with the options the limits set (the
    token limit), so the document is the same object every time its text comes back."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = parse_once(context.query, **context.parse_options)
        yield


def needing_caller(
    query: str | None, operation_name: str | None, max_tokens: int
) -> OperationDefinitionNode | None:
    """The operation the request runs when it asks for anything but meta fields. A
    document that does not parse, or names no operation it has, runs nothing and is
    refused by the limits: it needs no caller either."""
    if not query:
        return None
    try:
        document = parse_once(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name is not None and op.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return None
    # Anything but a meta field directly in the operation (a fragment among them) counts.
    meta_only = all(
        isinstance(selection, FieldNode) and selection.name.value in _META_FIELDS
        for selection in chosen[0].selection_set.selections
    )
    return None if meta_only else chosen[0]


def _asks_only_typename(document: DocumentNode) -> tuple[str | None, str] | None:
    """(operation name, response key) of a document that is one query selecting only
    `__typename` once, plainly (no variable, directive or fragment); else None."""
    if len(document.definitions) != 1:
        return None
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode):
        return None
    if operation.operation is not OperationType.QUERY:
        return None
    if operation.variable_definitions or operation.directives:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1:
        return None
    field = selections[0]
    if not isinstance(field, FieldNode) or field.name.value != "__typename":
        return None
    if field.arguments or field.directives or field.selection_set is not None:
        return None
    name = operation.name.value if operation.name is not None else None
    return name, (field.alias or field.name).value


_typename_asked = KeptPerDocument(_asks_only_typename)


def typename_only(
    query: str | None, operation_name: str | None, max_tokens: int
) -> tuple[str | None, str] | None:
    """For `{ __typename }` (by any alias or operation name), what the answer needs: the
    operation's name and the response key. Its answer is the query type's name whoever
    asks, so the request needs no execution at all (no extension, no executor: graphql-
    core and strawberry would spend ten times the HTTP floor on one constant). Anything
    else, or a name the document does not have, is None and runs as usual."""
    if not query:
        return None
    try:
        document = parse_once(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    asked = _typename_asked(document)
    if asked is None or operation_name not in (None, asked[0]):
        return None
    return asked
