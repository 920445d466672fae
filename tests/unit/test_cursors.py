"""A forged cursor is the caller's error, refused before it reaches the database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.errors import InvalidInput
from infra.db.keyset import decode_cursor, encode_cursor


def forged(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def test_a_cursor_this_list_gave_out_reads_back() -> None:
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert decode_cursor(encode_cursor((moment, 7)), (datetime, int)) == (moment, 7)
    assert decode_cursor(encode_cursor(("smith jo", 7)), (str, int)) == ("smith jo", 7)


@pytest.mark.parametrize(
    "cursor",
    [
        forged(["smith", 10**30]),  # beyond 64 bits: the database would refuse it
        forged(["smith", True]),
        forged(["smith", 1.5]),
        forged(["smi\x00th", 1]),  # PostgreSQL refuses NUL in text
        forged(["\ud800", 1]),  # a lone surrogate cannot be encoded for the database
        forged([7, 1]),
        base64.urlsafe_b64encode(b"[" * 100_000).decode(),  # nested past the recursion limit
        "x" * 10_000,
    ],
)
def test_a_forged_cursor_is_refused_as_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, (str, int))
