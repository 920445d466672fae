"""Erasing a customer (UK GDPR art. 17): irreversible, and every total stays as it was.

The person is anonymised in place: names, contact details, tags, attributes and search
terms go, and the personal words are taken out of what mentions them (their timeline and
their relations', opportunity names, activity subjects, order attributes). Orders,
donations, pledges and their amounts stay, so no figure changes; ledger entries stay with
the person's link removed. Each erased email address is kept only as a one-way hash on a
suppression list, so the address coming back is not mailed without a fresh answer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from domain.customers.customer import Customer
from domain.errors import Conflict, InvalidInput, NotFound, ProblemCollector
from domain.events import Fact, OutboxMessage
from domain.text import clean_text
from domain.timeline import TimelineEntry, TimelineEntryType

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

ERASED = "[erased]"
ERASED_NAME = "Erased customer"


def email_hash(tenant_id: int, address: str) -> str:
    """How a suppressed address is kept: no one can read it back, anyone can check one."""
    return hashlib.sha256(f"{tenant_id}:{address.strip().lower()}".encode()).hexdigest()


def needs_fresh_answer(suppressed_at: datetime | None, granted_at: datetime | None) -> bool:
    """An erased address that comes back (a new record, an import) counts as consenting
    only with an answer given after its erasure."""
    return suppressed_at is not None and (granted_at is None or granted_at <= suppressed_at)


def personal_words(customer: Customer) -> list[str]:
    """What identifies the person, longest first (so a full name goes before its parts)."""
    words: set[str] = {customer.display_name}
    words |= {w for w in (customer.first_name, customer.last_name, customer.name) if w}
    for email in customer.emails:
        words |= {email.address, email.address.split("@")[0]}
    for phone in customer.phones:
        words.add(phone.number)
    for address in customer.addresses:
        words |= {w for w in (address.line1, address.line2, address.postcode) if w}
    words |= set(customer.tags)
    words |= {a.value for a in customer.attributes}
    return sorted((w.strip() for w in words if len(w.strip()) >= 2), key=len, reverse=True)


def scrub(text: str, words: Iterable[str]) -> str:
    """`text` with every whole-word occurrence of `words` replaced, whatever the case."""
    for word in words:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", ERASED, text, flags=re.IGNORECASE)
    return text


@dataclass(frozen=True)
class CustomerErased(Fact):
    customer_id: int
    reference: str

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                TimelineEntryType.CUSTOMER_ERASED,
                "Personal details erased; orders, gifts and their amounts kept.",
            )
        ]

    def message(self) -> OutboxMessage:
        return OutboxMessage(
            "customer.erased",
            {"customer_id": self.customer_id, "reference": self.reference},
            event=True,
        )


async def erase_customer(
    uow: UnitOfWork, customer_id: int, reason: str, confirm_reference: str
) -> Customer:
    problems = ProblemCollector()
    why = clean_text(problems, ("reason",), reason, required=True, limit=2000) or ""
    problems.raise_if_any()
    customer = await uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("Customer", ("customerId",))
    if await uow.erasures.erased(customer_id):
        raise Conflict("This customer was erased already.", ("customerId",))
    if confirm_reference.strip().upper() != (customer.reference or "").upper():
        raise InvalidInput.at(
            ("confirmReference",),
            "Type the customer's reference exactly, to confirm: erasure cannot be undone.",
        )
    hashes = sorted({email_hash(uow.actor.tenant_id, e.address) for e in customer.emails})
    await uow.erasures.erase(customer, personal_words(customer), hashes, why)
    uow.record(CustomerErased(customer_id, customer.reference or ""))
    erased = await uow.customers.get(customer_id)
    assert erased is not None
    return erased
