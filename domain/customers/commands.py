"""Commands that change the customer record, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.customers.contact import Address, Email, Phone
from domain.customers.customer import Attribute
from domain.unset import UNSET, Maybe


@dataclass(frozen=True)
class ContactDetails:
    """Lists given replace the record's; lists left as None are kept."""

    emails: list[Email] | None = None
    phones: list[Phone] | None = None
    addresses: list[Address] | None = None
    tags: list[str] | None = None
    attributes: list[Attribute] | None = None


@dataclass(frozen=True)
class CreateIndividual:
    last_name: str
    first_name: str | None = None
    title: str | None = None
    date_of_death: date | None = None
    details: ContactDetails = field(default_factory=ContactDetails)


@dataclass(frozen=True)
class CreateOrganisation:
    name: str
    details: ContactDetails = field(default_factory=ContactDetails)


@dataclass(frozen=True)
class UpdateIndividual:
    customer_id: int
    title: Maybe[str | None] = UNSET
    first_name: Maybe[str | None] = UNSET
    last_name: Maybe[str] = UNSET
    date_of_death: Maybe[date | None] = UNSET
    details: ContactDetails = field(default_factory=ContactDetails)


@dataclass(frozen=True)
class UpdateOrganisation:
    customer_id: int
    name: Maybe[str] = UNSET
    details: ContactDetails = field(default_factory=ContactDetails)


@dataclass(frozen=True)
class DeactivateCustomer:
    customer_id: int
    reason: str | None = None


@dataclass(frozen=True)
class ReactivateCustomer:
    customer_id: int
