"""What a field's selection asks for, so a resolver can read it in one go."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment


def selected_names(info: Info) -> frozenset[str]:
    """The names of the fields selected directly under this one, through fragments."""
    names: set[str] = set()

    def walk(selections: Iterable[Any]) -> None:
        for selection in selections:
            if isinstance(selection, InlineFragment | FragmentSpread):
                walk(selection.selections)
            else:
                names.add(selection.name)

    for selected in info.selected_fields:
        walk(selected.selections)
    return frozenset(names)
