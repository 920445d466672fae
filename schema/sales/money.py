"""Money in the API: integer minor units with a currency, never floats."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain.money import Money as DomainMoney
from domain.money import format_money

# JSON's largest integer that every client reads exactly (2^53 - 1).
LARGEST = 9_007_199_254_740_991


def _minor_units(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > LARGEST:
        raise ValueError(f"MinorUnits is a whole number up to {LARGEST:,}.")
    return value


MinorUnits = NewType("MinorUnits", int)

# In the schema's scalar map (schema/build.py).
MINOR_UNITS = ScalarDefinition(
    name="MinorUnits",
    description="A whole number of a currency's minor units (pence, cents), as a JSON "
    "integer of up to 9,007,199,254,740,991. GraphQL's `Int` stops at 2,147,483,647, "
    "£21.4 million in pence: less than an organisation's totals reach.",
    specified_by_url=None,
    serialize=_minor_units,
    parse_value=_minor_units,
    parse_literal=None,
    origin=MinorUnits,  # type: ignore[arg-type]
)


@strawberry.type(
    description="An amount of money: integer minor units (pence, cents) and the ISO 4217 currency."
)
class Money:
    amount: MinorUnits = strawberry.field(description="Minor units, e.g. 1250 for £12.50.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. `GBP`.")

    @strawberry.field(description="For people to read, e.g. `GBP 12.50`.")
    def formatted(self) -> str:
        return format_money(DomainMoney(self.amount, self.currency))

    @classmethod
    def of(cls, amount: int, currency: str) -> Money:
        return cls(amount=amount, currency=currency)
