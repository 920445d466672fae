"""One email as Foyer's workers describe it, and the bytes a transport sends.

The message is written out directly, header block and parts, rather than built as an
`email.message.Message` and flattened: for a mailing, building and flattening the object
(and smtplib parsing its From and To again to send it) cost more CPU than the rest of the
message's work together, a worker's ceiling. What it writes is what the classic classes
wrote: headers folded at spaces within 78 characters, non-ASCII in RFC 2047 encoded words,
a plain-text part and an HTML alternative, each 7bit when it is ASCII with lines SMTP
takes, else UTF-8 in quoted-printable; lines end in CRLF, as SMTP wants them.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parseaddr

from infra.clock import utc_now

DEFAULT_SENDER = "Foyer <no-reply@foyer.invalid>"

# Headers build_message writes itself; `OutgoingMail.headers` may not replace them.
_OWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "subject",
        "message-id",
        "date",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)
# A display name with any of these is quoted, and these escaped in it (RFC 5322).
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')
_ESCAPES = re.compile(r'[\\"]')
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")
CRLF = "\r\n"
_LINE = 78  # a header line's length, as RFC 5322 recommends
_SMTP_LINE = 998  # the most characters a line may have on the wire (RFC 5321)
_QP_LINE = 76  # the most characters of a quoted-printable line (RFC 2045)
# UTF-8 bytes per encoded word: 40 make 56 base64 characters, a word of 68, so that even
# after "Subject: " the line stays within _LINE.
_WORD_BYTES = 40
# A display name goes in one encoded word as long as its line stays within _SMTP_LINE: as
# the classic classes wrote it, and because Python's own parser (policy.default) reads a
# space into a name between two encoded words where RFC 2047 says there is none.
_NAME_BYTES = 700


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
) -> bytes:
    """The message as sent: plain text, plus an HTML alternative when there is one."""
    head = [
        from_header(sender),
        _address_header("To", mail.to_name, mail.to_address),
        _header("Subject", mail.subject),
        f"Date: {format_datetime(date or utc_now())}",
        f"Message-ID: {mail.message_id}",
        *(_header(name, value) for name, value in mail.headers.items()),
        "MIME-Version: 1.0",
    ]
    text = _part(mail.text, "plain")
    if mail.html is None:
        return CRLF.join((*head, text)).encode()
    # 128 random bits: a boundary that cannot occur in the parts by chance.
    boundary = f"=_foyer_{secrets.token_hex(16)}"
    head.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    return CRLF.join(
        (
            *head,
            "",
            f"--{boundary}",
            text,
            f"--{boundary}",
            _part(mail.html, "html"),
            f"--{boundary}--",
            "",
        )
    ).encode()


@functools.lru_cache(maxsize=16)
def from_header(sender: str) -> str:
    """The From header of a sender (one per process, written once)."""
    name, address = parseaddr(sender)
    return _address_header("From", name, address)


def _part(body: str, subtype: str) -> str:
    """A part's headers and body, without the line break its delimiter starts with. ASCII
    with lines SMTP takes as 7bit; anything else as UTF-8 in quoted-printable (still
    readable raw, and lines of any length fold)."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n")
    if lines.isascii() and all(len(line) <= _SMTP_LINE for line in lines.split("\n")):
        return (
            f'Content-Type: text/{subtype}; charset="us-ascii"{CRLF}'
            f"Content-Transfer-Encoding: 7bit{CRLF}{CRLF}{lines.replace(chr(10), CRLF)}"
        )
    encoded = _quoted_printable(lines.replace("\n", CRLF))
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}{encoded}"
    )


def _quoted_printable(text: str) -> str:
    """`text` (lines ending in CRLF) in quoted-printable, lines of at most 76 characters.
    binascii writes a line of 77 where a line ends in a space it encodes (`=20`): that
    last `=XX` goes to a line of its own, after a soft break."""
    encoded = binascii.b2a_qp(text.encode(), istext=True).decode("ascii")
    lines = encoded.split(CRLF)
    if all(len(line) <= _QP_LINE for line in lines):
        return encoded
    return CRLF.join(
        line if len(line) <= _QP_LINE else f"{line[:-3]}={CRLF}{line[-3:]}" for line in lines
    )


def _header(name: str, value: str) -> str:
    """One header, folded; encoded words only when needed (RFC 2047); line breaks in the
    value never reach the header."""
    flat = " ".join(value.splitlines())
    if flat.isascii():
        return _folded(f"{name}:", flat)
    return f"{name}: {_encoded_words(flat, _WORD_BYTES)}"


def _address_header(name: str, display_name: str, address: str) -> str:
    """`Name: display name <address>`: the display name quoted when it needs to be, in
    encoded words when it is not ASCII."""
    display_name = " ".join(display_name.splitlines())
    if not display_name:
        return f"{name}: {address}"
    if not display_name.isascii():
        return f"{name}: {_encoded_words(display_name, _NAME_BYTES)}{CRLF} <{address}>"
    if _SPECIALS.search(display_name):  # as email.utils.formataddr quotes it
        display_name = '"' + _ESCAPES.sub(r"\\\g<0>", display_name) + '"'
    return _folded(f"{name}:", f"{display_name} <{address}>")


def _folded(start: str, value: str) -> str:
    """`start` and `value` on lines of at most _LINE characters where spaces allow: each
    line break goes before a space, so unfolding gives the value back."""
    line = f"{start} {value}"
    if len(line) <= _LINE:
        return line
    lines, current = [], start
    for word in value.split(" "):
        if word and current is not start and len(current) + 1 + len(word) > _LINE:
            lines.append(current)
            current = ""
        current = f"{current} {word}"
    lines.append(current)
    return CRLF.join(lines)


def _encoded_words(text: str, most: int) -> str:
    """`text` as base64 encoded words of whole characters and at most `most` bytes, one
    per line."""
    words, chunk, size = [], [], 0
    for character in text:
        length = len(character.encode())
        if size + length > most:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(character)
        size += length
    words.append("".join(chunk))
    return f"{CRLF} ".join(
        f"=?utf-8?b?{base64.b64encode(word.encode()).decode('ascii')}?=" for word in words
    )
