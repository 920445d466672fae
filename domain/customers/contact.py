"""Contact details: emails, phones, addresses, and their validation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import ProblemCollector
from domain.text import clean_text

# Deliberately permissive: one @, a dot in the domain, no spaces. Deliverability is the mail
# server's to judge; this catches typing mistakes at the box office.
# A domain of names: no address literal (`[127.0.0.1]`) and no bare IP address (a top-level
# domain always has a letter), so no mailing is aimed at a machine (found by a hostile probe).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s\[\]]+\.[^@\s.\[\]]*[^\W\d_][^@\s.\[\]]*$")
_PHONE_CHARS = re.compile(r"^[0-9+()\-.\s]+$")
EMAIL_LIMIT = 254


@dataclass(frozen=True)
class Email:
    address: str
    label: str | None = None


@dataclass(frozen=True)
class Phone:
    number: str
    label: str | None = None

    @property
    def digits(self) -> str:
        return "".join(ch for ch in self.number if ch.isdigit())


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str | None
    city: str | None
    region: str | None
    postcode: str | None
    country: str | None
    primary: bool


def clean_email(problems: ProblemCollector, field: tuple[str, ...], email: Email) -> Email | None:
    address = clean_text(
        problems, (*field, "address"), email.address, required=True, limit=EMAIL_LIMIT
    )
    label = clean_text(problems, (*field, "label"), email.label)
    if address is None:
        return None
    if not _EMAIL.match(address):
        problems.add((*field, "address"), f"{address!r} is not an email address.")
        return None
    local, _, domain = address.rpartition("@")
    # The domain part is case-insensitive; the local part is kept as typed.
    return Email(f"{local}@{domain.lower()}", label)


def clean_phone(problems: ProblemCollector, field: tuple[str, ...], phone: Phone) -> Phone | None:
    number = clean_text(problems, (*field, "number"), phone.number, required=True, limit=40)
    label = clean_text(problems, (*field, "label"), phone.label)
    if number is None:
        return None
    cleaned = Phone(number, label)
    if not _PHONE_CHARS.match(number) or len(cleaned.digits) < 5:
        problems.add((*field, "number"), f"{number!r} is not a phone number.")
        return None
    return cleaned


def clean_address(
    problems: ProblemCollector, field: tuple[str, ...], address: Address
) -> Address | None:
    line1 = clean_text(problems, (*field, "line1"), address.line1, required=True)
    cleaned = Address(
        line1=line1 or "",
        line2=clean_text(problems, (*field, "line2"), address.line2),
        city=clean_text(problems, (*field, "city"), address.city),
        region=clean_text(problems, (*field, "region"), address.region),
        postcode=clean_text(problems, (*field, "postcode"), address.postcode, limit=20),
        country=clean_text(problems, (*field, "country"), address.country),
        primary=address.primary,
    )
    return cleaned if line1 is not None else None


def with_one_primary(
    problems: ProblemCollector, field: tuple[str, ...], addresses: list[Address]
) -> list[Address]:
    """Exactly one address is primary; when none is marked, the first one is."""
    marked = [a for a in addresses if a.primary]
    if len(marked) > 1:
        problems.add(field, "Only one address may be primary.")
        return addresses
    if addresses and not marked:
        first = addresses[0]
        return [Address(**{**first.__dict__, "primary": True}), *addresses[1:]]
    return addresses
