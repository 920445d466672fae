"""Relay global ids: opaque strings naming a type and a row ("Individual:42", base64)."""

from __future__ import annotations

import base64
import binascii
import re

from domain.errors import NotFound

# Row ids are positive 64-bit integers (BIGINT on PostgreSQL, INTEGER on SQLite): a number
# outside that range names no row, and must not reach the database, which would refuse it.
LARGEST_ROW_ID = 2**63 - 1
# "Individual:9223372036854775807" encoded is 40 characters; anything much longer is not ours,
# and is refused before any decoding work.
LONGEST_GLOBAL_ID = 120
_DECODED = re.compile(r"([A-Za-z]{1,40}):([1-9][0-9]{0,18})")


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def parse_global_id(global_id: str) -> tuple[str, int] | None:
    """The type name and row id behind `global_id`, or None when it is not one of ours:
    malformed, or a number that cannot be a row id (zero, negative, beyond 64 bits). Callers
    treat None exactly as an id of another organisation: not found."""
    if len(global_id) > LONGEST_GLOBAL_ID:
        return None
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (ValueError, binascii.Error):
        return None
    match = _DECODED.fullmatch(decoded)
    if match is None:
        return None
    pk = int(match[2])
    return (match[1], pk) if pk <= LARGEST_ROW_ID else None


def pk_of(global_id: str, types: tuple[str, ...], what: str, field: tuple[str, ...]) -> int:
    """The row id behind `global_id`, which must name one of `types`; otherwise NotFound,
    exactly as for an id of another organisation."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in types:
        raise NotFound(what, field)
    return parsed[1]


CUSTOMER_TYPES = ("Individual", "Organisation")
