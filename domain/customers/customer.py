"""The Customer record: an Individual or an Organisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from domain.customers.contact import Address, Email, Phone
from domain.text import fold

REFERENCE_PREFIX = "C-"
# References start at six digits so staff read out numbers of a familiar length from day one.
FIRST_REFERENCE_NUMBER = 100001


class CustomerKind(StrEnum):
    INDIVIDUAL = "INDIVIDUAL"
    ORGANISATION = "ORGANISATION"


@dataclass(frozen=True)
class Attribute:
    """A custom attribute; protected ones are blank to anyone without PROTECTED_DATA."""

    key: str
    value: str
    protected: bool = False


@dataclass
class Customer:
    kind: CustomerKind
    id: int | None = None
    reference: str | None = None
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_death: date | None = None
    name: str | None = None
    emails: list[Email] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    active: bool = True
    created_at: datetime | None = None

    @property
    def is_individual(self) -> bool:
        return self.kind is CustomerKind.INDIVIDUAL

    @property
    def display_name(self) -> str:
        return display_name(self.kind, self.title, self.first_name, self.last_name, self.name)

    @property
    def sort_key(self) -> str:
        """Surname first, accent-folded: the order staff expect in a list of people."""
        if self.is_individual:
            return fold(f"{self.last_name or ''} {self.first_name or ''}".strip())
        return fold(self.name or "")


def display_name(
    kind: str,
    title: str | None,
    first_name: str | None,
    last_name: str | None,
    name: str | None,
) -> str:
    """The name to show: an Individual's title and names, an Organisation's name. Also for
    rows read without building their Customer (exports, reports)."""
    if kind == CustomerKind.INDIVIDUAL:
        return " ".join(p for p in (title, first_name, last_name) if p)
    return name or ""


def format_reference(number: int) -> str:
    return f"{REFERENCE_PREFIX}{number}"
