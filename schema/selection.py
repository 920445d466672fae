"""What a field's selection asks for, so a resolver can read it in one go."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment

# By the field's nodes in the document (kept with the entry, so no other nodes can come
# to have their ids): a document sent again is the same objects (schema/documents.py).
_KEPT_AT_MOST = 1024
_kept: dict[tuple[Any, ...], tuple[tuple[Any, ...], frozenset[str]]] = {}


def selected_names(info: Info, *path: str) -> frozenset[str]:
    """The names of the fields selected under this one (and under `path` in it, e.g.
    "edges", "node"), through fragments. Worked out once per field of a document: the
    names depend on nothing else, and strawberry's `selected_fields` converts the whole
    selection (arguments, directives) each time it is asked."""
    nodes = tuple(info._raw_info.field_nodes)
    key = (*map(id, nodes), *path)
    entry = _kept.get(key)
    if entry is not None and all(a is b for a, b in zip(entry[0], nodes, strict=True)):
        return entry[1]
    names = _names(info, path)
    if len(_kept) >= _KEPT_AT_MOST:
        _kept.clear()
    _kept[key] = (nodes, names)
    return names


def _names(info: Info, path: tuple[str, ...]) -> frozenset[str]:
    names: set[str] = set()

    def walk(selections: Iterable[Any], path: tuple[str, ...]) -> None:
        for selection in selections:
            if isinstance(selection, InlineFragment | FragmentSpread):
                walk(selection.selections, path)
            elif not path:
                names.add(selection.name)
            elif selection.name == path[0]:
                walk(selection.selections, path[1:])

    for selected in info.selected_fields:
        walk(selected.selections, path)
    return frozenset(names)
