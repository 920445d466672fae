"""Events of consent, with their timeline entries and the notice integrations hear."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.events import DomainEvent, OutboxMessage
from domain.timeline import Subject, TimelineEntry, TimelineEntryType

if TYPE_CHECKING:
    from domain.consent.ledger import ConsentEntry

SOURCE_WORDS = {
    "WEB": "on the website",
    "BOX_OFFICE": "at the box office",
    "PHONE": "by phone",
    "IMPORT": "by import",
    "CUSTOMER_ACCOUNT": "on their preferences page",
    "UNSUBSCRIBE_LINK": "through an unsubscribe link",
}


@dataclass(frozen=True)
class ConsentRecorded(DomainEvent):
    entry: ConsentEntry
    preference_name: str

    def timeline_entries(self) -> list[TimelineEntry]:
        entry = self.entry
        assert entry.customer_id is not None
        granted = entry.state.value == "GRANTED"
        verb = "Agreed to" if granted else "Withdrew from"
        details = {
            "preferenceId": str(entry.preference_id),
            "source": entry.source.value,
            "wordingVersion": str(entry.wording_version),
        }
        if entry.order_id is not None:
            details["orderId"] = str(entry.order_id)
        return [
            TimelineEntry(
                entry.customer_id,
                TimelineEntryType.CONSENT_GRANTED
                if granted
                else TimelineEntryType.CONSENT_WITHDRAWN,
                f"{verb} {self.preference_name!r} {SOURCE_WORDS[entry.source.value]}.",
                details,
                subject=Subject("ContactPreference", entry.preference_id),
            )
        ]

    def message(self) -> OutboxMessage:
        entry = self.entry
        return OutboxMessage(
            "consent.recorded",
            {
                "entry_id": entry.id,
                "customer_id": entry.customer_id,
                "preference_id": entry.preference_id,
                "state": entry.state.value,
            },
            event=True,
        )
