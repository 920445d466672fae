"""How many items a page of a list holds: what every paginated field, and the measure of a
query's cost, agree on."""

from __future__ import annotations

from domain.errors import InvalidInput

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


def check_page_size(first: int | None) -> int:
    """The page size `first` asks for (the default when it asks none); InvalidInput on
    `first` outside 0 to MAX_PAGE_SIZE."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise InvalidInput.at(("first",), f"Must be between 0 and {MAX_PAGE_SIZE} (got {first}).")
    return first
