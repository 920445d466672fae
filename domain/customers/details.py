"""Validating and applying changes to a record's names and contact details."""

from __future__ import annotations

from datetime import date

from domain.actors import Actor
from domain.customers.commands import ContactDetails
from domain.customers.contact import (
    Email,
    clean_address,
    clean_email,
    clean_phone,
    with_one_primary,
)
from domain.customers.customer import Attribute, Customer
from domain.errors import PermissionDenied, ProblemCollector
from domain.text import clean_text

MAX_LIST_ITEMS = 20
MAX_TAGS = 50


def _too_many(problems: ProblemCollector, field: str, items: list[object], limit: int) -> bool:
    if len(items) > limit:
        problems.add((field,), f"At most {limit} entries (got {len(items)}).")
        return True
    return False


def apply_contact_details(
    problems: ProblemCollector, customer: Customer, details: ContactDetails, actor: Actor
) -> list[str]:
    """Validate `details` into `customer`; return the names of the fields that changed."""
    changed: list[str] = []
    if details.emails is not None and not _too_many(
        problems, "emails", list(details.emails), MAX_LIST_ITEMS
    ):
        emails = [
            clean_email(problems, ("emails", str(i)), e) for i, e in enumerate(details.emails)
        ]
        _refuse_repeats(problems, emails)
        _replace(customer, "emails", [e for e in emails if e], changed)
    if details.phones is not None and not _too_many(
        problems, "phones", list(details.phones), MAX_LIST_ITEMS
    ):
        phones = [
            clean_phone(problems, ("phones", str(i)), p) for i, p in enumerate(details.phones)
        ]
        _replace(customer, "phones", [p for p in phones if p], changed)
    if details.addresses is not None and not _too_many(
        problems, "addresses", list(details.addresses), MAX_LIST_ITEMS
    ):
        cleaned = [
            clean_address(problems, ("addresses", str(i)), a)
            for i, a in enumerate(details.addresses)
        ]
        addresses = with_one_primary(problems, ("addresses",), [a for a in cleaned if a])
        _replace(customer, "addresses", addresses, changed)
    if details.tags is not None and not _too_many(problems, "tags", list(details.tags), MAX_TAGS):
        tags = [
            clean_text(problems, ("tags", str(i)), t, required=True, limit=60)
            for i, t in enumerate(details.tags)
        ]
        _replace(customer, "tags", sorted({t for t in tags if t}), changed)
    if details.attributes is not None:
        _apply_attributes(problems, customer, details.attributes, actor, changed)
    return changed


def _apply_attributes(
    problems: ProblemCollector,
    customer: Customer,
    given: list[Attribute],
    actor: Actor,
    changed: list[str],
) -> None:
    """Replace the attributes the actor may see; protected ones stay untouched for anyone
    without PROTECTED_DATA, who cannot see them and so cannot mean to remove them."""
    if _too_many(problems, "attributes", list(given), MAX_LIST_ITEMS):
        return
    if any(a.protected for a in given) and not actor.may_see_protected_data:
        raise PermissionDenied(
            "Setting protected attributes needs the PROTECTED_DATA role.", ("attributes",)
        )
    cleaned: dict[str, Attribute] = {}
    for i, attribute in enumerate(given):
        key = clean_text(
            problems, ("attributes", str(i), "key"), attribute.key, required=True, limit=60
        )
        value = clean_text(
            problems, ("attributes", str(i), "value"), attribute.value, limit=2000, multiline=True
        )
        if key in cleaned:
            problems.add(("attributes", str(i), "key"), f"Attribute {key!r} is given twice.")
        elif key:
            cleaned[key] = Attribute(key, value or "", attribute.protected)
    kept = [] if actor.may_see_protected_data else [a for a in customer.attributes if a.protected]
    kept_keys = {a.key for a in kept}
    for key in cleaned.keys() & kept_keys:
        problems.add(("attributes",), f"Attribute {key!r} is protected.")
    _replace(
        customer, "attributes", sorted([*kept, *cleaned.values()], key=lambda a: a.key), changed
    )


def _replace(customer: Customer, field: str, value: object, changed: list[str]) -> None:
    if getattr(customer, field) != value:
        setattr(customer, field, value)
        changed.append(field)


def check_date_of_death(problems: ProblemCollector, value: date | None, today: date) -> None:
    if value is not None and value > today:
        problems.add(("dateOfDeath",), "Must not be in the future.")


def _refuse_repeats(problems: ProblemCollector, emails: list[Email | None]) -> None:
    """One address once: `A@Example.ORG` and `a@example.org` reach the same mailbox, and a
    customer holding both would get every mailing twice."""
    seen: set[str] = set()
    for i, email in enumerate(emails):
        if email is None:
            continue
        if email.address.casefold() in seen:
            problems.add(("emails", str(i), "address"), f"{email.address!r} is given twice.")
        seen.add(email.address.casefold())
