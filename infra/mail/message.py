"""One email as Foyer's workers describe it, and the MIME message a transport sends."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from infra.clock import utc_now

DEFAULT_SENDER = "Foyer <no-reply@foyer.invalid>"

# Headers build_message writes itself; `OutgoingMail.headers` may not replace them.
_OWN_HEADERS = frozenset(
    {"from", "to", "subject", "message-id", "date", "mime-version", "content-type"}
)
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")


@dataclass(frozen=True)
class OutgoingMail:
    """An email to one recipient.

    `message_id` is chosen by the caller and derived from what the mail is about
    (`<reminder-42@foyer>`): a job that runs twice sends the same Message-ID, so the
    receiving system can recognise the duplicate.
    """

    to_address: str
    to_name: str
    subject: str
    text: str
    message_id: str
    html: str | None = None
    # Extra headers such as List-Unsubscribe and List-Unsubscribe-Post.
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _MESSAGE_ID.fullmatch(self.message_id):
            raise ValueError(f"Message-ID must look like <local@domain>, not {self.message_id!r}")
        reserved = _OWN_HEADERS.intersection(name.lower() for name in self.headers)
        if reserved:
            raise ValueError(f"These headers are set from the fields: {sorted(reserved)}")


def build_message(
    mail: OutgoingMail, sender: str = DEFAULT_SENDER, *, date: datetime | None = None
) -> EmailMessage:
    """Plain text, plus an HTML alternative when there is one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=mail.to_name, addr_spec=mail.to_address)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(date or utc_now())
    message["Message-ID"] = mail.message_id
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message
