"""Keyset (cursor) pagination: a page starts after the sort key of the last row seen.

Cursors are opaque to clients: base64 of the row's sort values. A page costs the same
however deep it is, unlike OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from domain.errors import InvalidInput

# Ours hold a sort key of at most a few hundred characters and a row id.
LONGEST_CURSOR = 2000
Row = TypeVar("Row")


def encode_cursor(values: tuple[Any, ...]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> tuple[Any, ...] | None:
    """The sort values in `cursor`, checked against `shape`; a malformed one is the caller's
    error, not ours."""
    if cursor is None:
        return None
    try:
        if len(cursor) > LONGEST_CURSOR:
            raise ValueError
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError
        return tuple(_sort_value(v, kind) for v, kind in zip(values, shape, strict=True))
    except (ValueError, TypeError, RecursionError, binascii.Error):
        raise InvalidInput.at(("after",), "The cursor is not one this list gave out.") from None


def _sort_value(value: Any, kind: type) -> Any:
    """One sort value of a cursor, exactly of the type the list sorts by and one the database
    can compare: a forged cursor must be refused here, not by the database."""
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is int:
        if type(value) is not int or not -(2**63) <= value < 2**63:
            raise ValueError
        return value
    if type(value) is not kind:
        raise ValueError
    if isinstance(value, str) and b"\x00" in value.encode():  # lone surrogates fail to encode
        raise ValueError
    return value


class Cursors(Sequence[str]):
    """The cursors of a page's rows, each encoded when it is first asked for: a client
    reading a page of 100 asks for its end cursor, rarely for every row's."""

    def __init__(self, positions: list[tuple[Any, ...]]) -> None:
        self._positions = positions
        self._encoded: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._positions)
        found = self._encoded.get(index)
        if found is None:
            found = self._encoded[index] = encode_cursor(self._positions[index])
        return found


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: list[Row]
    cursors: Sequence[str]
    has_next_page: bool
