"""Relay connections: the shape of every list in the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from domain.pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

T = TypeVar("T")

FIRST_DESCRIPTION = f"How many to return: at most {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
AFTER_DESCRIPTION = "Return the items after this cursor (a previous page's `endCursor`)."


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item of this page; pass it as `after` for the next."
    )


@strawberry.type(description="One item of a list, with its cursor.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    # The page's cursors and this item's place among them: a cursor is encoded only when
    # it is asked for (infra/db/keyset.py).
    cursors: strawberry.Private[Sequence[str]]
    index: strawberry.Private[int]

    @strawberry.field(description="Opaque position of this item in the list.")
    def cursor(self) -> str:
        return self.cursors[self.index]


@strawberry.type(description="A page of a list, in a stable order, read with keyset cursors.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")

    @classmethod
    def of(
        cls,
        rows: Sequence[Any],
        cursors: Sequence[str],
        has_next_page: bool,
        to_node: Callable[[Any], T],
    ) -> Connection[T]:
        if len(rows) != len(cursors):
            raise ValueError("A page has one cursor for each of its rows.")
        edges = [
            Edge(node=to_node(row), cursors=cursors, index=index) for index, row in enumerate(rows)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next_page, end_cursor=cursors[-1] if cursors else None
            ),
        )
