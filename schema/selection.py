"""What a field's selection asks for, so a resolver can read it in one go."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment


def selected_names(info: Info, *path: str) -> frozenset[str]:
    """The names of the fields selected under this one (and under `path` in it, e.g.
    "edges", "node"), through fragments."""
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
