"""The `DateTime` scalar: a moment, which needs its UTC offset.

Every moment Foyer stores or compares is in UTC; a time without an offset names no moment
(19:30 where?), and one whose offset takes it outside the years a datetime holds
(`0001-01-01T00:00:00+05:00`) cannot be converted. Both are refused when the request's
input is read, for every field at once, as any value of the wrong type is.
"""

from __future__ import annotations

from datetime import UTC, datetime

from strawberry.schema.types.base_scalars import isoformat, wrap_parser
from strawberry.types.scalar import ScalarDefinition


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("It needs a UTC offset, e.g. 2027-03-01T19:30:00Z.")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("It is outside the years 1 to 9999 in UTC.") from None
    return moment


MOMENT = ScalarDefinition(
    name="DateTime",
    description="A moment: an ISO 8601 date and time with its UTC offset "
    "(`2027-03-01T19:30:00Z`, `2027-03-01T20:30:00+01:00`).",
    specified_by_url=None,
    serialize=isoformat,
    parse_value=wrap_parser(_moment, "DateTime"),
    parse_literal=None,
    origin=datetime,
)
