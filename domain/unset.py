"""A marker for "not given" in update commands, distinct from "set to nothing" (None)."""

from __future__ import annotations

from enum import Enum
from typing import Final, Literal, TypeAlias, TypeVar, Union

T = TypeVar("T")


class _Unset(Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
Unset: TypeAlias = Literal[_Unset.UNSET]
Maybe: TypeAlias = Union[T, Unset]  # noqa: UP007 (a generic alias needs Union)
