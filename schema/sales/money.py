"""Money in the API: integer minor units with a currency, never floats."""

from __future__ import annotations

import strawberry

from domain.money import Money as DomainMoney
from domain.money import format_money


@strawberry.type(
    description="An amount of money: integer minor units (pence, cents) and the ISO 4217 currency."
)
class Money:
    amount: int = strawberry.field(description="Minor units, e.g. 1250 for £12.50.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. `GBP`.")

    @strawberry.field(description="For people to read, e.g. `GBP 12.50`.")
    def formatted(self) -> str:
        return format_money(DomainMoney(self.amount, self.currency))

    @classmethod
    def of(cls, amount: int, currency: str) -> Money:
        return cls(amount=amount, currency=currency)
