"""One email as Foyer's workers describe it, and the MIME message a transport sends."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr

from infra.clock import utc_now

DEFAULT_SENDER = "Foyer <no-reply@foyer.invalid>"

# Headers build_message writes itself; `OutgoingMail.headers` may not replace them.
_OWN_HEADERS = frozenset(
    {"from", "to", "subject", "message-id", "date", "mime-version", "content-type"}
)
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP


class _Policy(Compat32):
    """The classic policy, but a header that fits on its line in plain ASCII is written as
    it is: passed through `email.header` to be folded, which leaves it unchanged, it cost
    more than the rest of writing a mailing out."""

    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\r" not in value
            and "\n" not in value
            and len(name) + len(value) + 2 <= (self.max_line_length or 0)
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


_POLICY = _Policy()


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
) -> Message:
    """Plain text, plus an HTML alternative when there is one.

    Built with the classic `email.mime` classes rather than `EmailMessage`: the modern
    policy parses every header it is given again, which made building a reminder cost
    more than sending it (0.50 against 0.15 ms)."""
    text = _part(mail.text, "plain")
    message: Message = text
    if mail.html is not None:
        # A boundary of 128 random bits cannot occur in the parts by chance; left to the
        # generator, it compiles a regular expression per message to check that it does
        # not, which cost more than building the rest of a mailing's message.
        message = MIMEMultipart(
            "alternative", boundary=f"=_foyer_{secrets.token_hex(16)}", policy=_POLICY
        )
        message.attach(text)
        message.attach(_part(mail.html, "html"))
    message["From"] = formataddr(parseaddr(sender), "utf-8")
    message["To"] = formataddr((mail.to_name, mail.to_address), "utf-8")
    message["Subject"] = _header(mail.subject)
    message["Date"] = format_datetime(date or utc_now())
    message["Message-ID"] = mail.message_id
    for name, value in mail.headers.items():
        message[name] = _header(value)
    return message


def _part(body: str, subtype: str) -> MIMEText:
    """ASCII as 7bit; anything else as UTF-8 in quoted-printable, still readable raw."""
    if body.isascii():
        return MIMEText(body, subtype, "us-ascii", policy=_POLICY)
    return MIMEText(body, subtype, _UTF8, policy=_POLICY)


def _header(value: str) -> str:
    """Encoded words only when needed (RFC 2047); line breaks never reach a header."""
    flat = " ".join(value.splitlines())
    return flat if flat.isascii() else Header(flat, "utf-8").encode()
