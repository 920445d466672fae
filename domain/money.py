"""Money: integer minor units (pence, cents) with a currency, never floats."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ProblemCollector

# Far above any real order line, far below 64-bit overflow when summed.
MAX_AMOUNT = 10**12


@dataclass(frozen=True, order=True)
class Money:
    amount: int
    currency: str

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"Cannot combine {self.currency} with {other.currency}.")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)


def format_money(money: Money) -> str:
    """Money as every text Foyer writes for a person shows it: `GBP 1,234.50`."""
    # Two decimal places: the minor unit of every currency Foyer's customers trade in so far.
    sign = "-" if money.amount < 0 else ""
    whole, minor = divmod(abs(money.amount), 100)
    return f"{sign}{money.currency} {whole:,}.{minor:02d}"


def total(amounts: list[Money], currency: str) -> Money:
    return sum(amounts, Money.zero(currency))


def check_amount(
    problems: ProblemCollector, field: tuple[str, ...], amount: int, *, positive: bool = False
) -> None:
    """An amount in minor units: never negative (nor zero when `positive`), never absurd."""
    if amount < 0 or (positive and amount == 0):
        problems.add(field, "Must be more than zero." if positive else "Must not be negative.")
    elif amount > MAX_AMOUNT:
        problems.add(field, f"Must be at most {MAX_AMOUNT} minor units.")


def check_currency(
    problems: ProblemCollector, field: tuple[str, ...], currency: str | None, expected: str
) -> None:
    if currency is not None and currency.upper() != expected:
        problems.add(field, f"This organisation trades in {expected}, not {currency}.")
