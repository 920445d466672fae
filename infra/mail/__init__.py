"""The mail transport every Foyer email goes through: SMTP, or `.eml` files by default."""

from infra.mail.message import DEFAULT_SENDER, OutgoingMail, build_message
from infra.mail.transport import (
    FileTransport,
    MailNotSent,
    MailTransport,
    SmtpTransport,
    build_transport,
)

__all__ = [
    "DEFAULT_SENDER",
    "FileTransport",
    "MailNotSent",
    "MailTransport",
    "OutgoingMail",
    "SmtpTransport",
    "build_message",
    "build_transport",
]
