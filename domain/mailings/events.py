"""Events of mailings: each a fact of the record's history (domain.history), worded from what
it keeps."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events import Fact
from domain.mailings.values import sent_summary
from domain.timeline import Subject, TimelineEntry
from domain.timeline import TimelineEntryType as T


@dataclass(frozen=True)
class MailingSent(Fact):
    """A mailing sent to one recipient: to the address, under the name and subject it had
    then."""

    customer_id: int
    mailing_id: int
    mailing_name: str
    subject: str
    address: str

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.MAILING_SENT,
                sent_summary(self.mailing_name, self.subject, self.address),
                {"mailingId": str(self.mailing_id)},
                subject=Subject("Mailing", self.mailing_id),
            )
        ]
