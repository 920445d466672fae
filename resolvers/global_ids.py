"""Relay global ids: opaque strings naming a type and a row ("Individual:42", base64)."""

from __future__ import annotations

import base64
import binascii

from domain.errors import NotFound


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def parse_global_id(global_id: str) -> tuple[str, int] | None:
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return type_name, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def pk_of(global_id: str, types: tuple[str, ...], what: str, field: tuple[str, ...]) -> int:
    """The row id behind `global_id`, which must name one of `types`; otherwise NotFound,
    exactly as for an id of another organisation."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in types:
        raise NotFound(what, field)
    return parsed[1]


CUSTOMER_TYPES = ("Individual", "Organisation")
