"""Events of consent, with their timeline entries and the notice integrations hear."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.events import Fact, OutboxMessage
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
class ConsentRecorded(Fact):
    """An answer appended to the ledger, with the preference's name as it was then."""

    entry_id: int
    customer_id: int
    preference_id: int
    preference_name: str
    granted: bool
    source: str
    wording_version: int
    order_id: int | None

    def timeline_entries(self) -> list[TimelineEntry]:
        verb = "Agreed to" if self.granted else "Withdrew from"
        details = {
            "preferenceId": str(self.preference_id),
            "source": self.source,
            "wordingVersion": str(self.wording_version),
        }
        if self.order_id is not None:
            details["orderId"] = str(self.order_id)
        return [
            TimelineEntry(
                self.customer_id,
                TimelineEntryType.CONSENT_GRANTED
                if self.granted
                else TimelineEntryType.CONSENT_WITHDRAWN,
                f"{verb} {self.preference_name!r} {SOURCE_WORDS[self.source]}.",
                details,
                subject=Subject("ContactPreference", self.preference_id),
            )
        ]

    def message(self) -> OutboxMessage:
        return OutboxMessage(
            "consent.recorded",
            {
                "entry_id": self.entry_id,
                "customer_id": self.customer_id,
                "preference_id": self.preference_id,
                "state": "GRANTED" if self.granted else "WITHDRAWN",
            },
            event=True,
        )


def consent_recorded(entry: ConsentEntry, preference_name: str) -> ConsentRecorded:
    assert entry.id is not None and entry.customer_id is not None
    return ConsentRecorded(
        entry.id,
        entry.customer_id,
        entry.preference_id,
        preference_name,
        entry.state.value == "GRANTED",
        entry.source.value,
        entry.wording_version,
        entry.order_id,
    )
