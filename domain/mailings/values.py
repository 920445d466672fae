"""What a mailing's templates may use: the recipient's fields and the organisation's name,
each as the text it writes (every value a string, so a template can do nothing with one that
it could not do with text).

`title`, `first_name`, `last_name`, `name` (the whole name as addressed), `membership` (the
scheme of the current membership, or blank) and `membership_ends_on`, `next_booking` (the
event of the next upcoming booked performance, or blank) and `next_booking_on`,
`organisation`, and the two links every mailing carries: `preferences_url` and
`unsubscribe_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from domain.text import SHORT_TEXT_LIMIT

NAMES = (
    "title",
    "first_name",
    "last_name",
    "name",
    "membership",
    "membership_ends_on",
    "next_booking",
    "next_booking_on",
    "organisation",
    "preferences_url",
    "unsubscribe_url",
)


@dataclass(frozen=True)
class Recipient:
    title: str | None
    first_name: str | None
    last_name: str | None
    # An Organisation's name, or the name an erased record keeps.
    name: str | None
    membership: str | None = None
    membership_ends_on: date | None = None
    next_booking: str | None = None
    next_booking_at: datetime | None = None


class Person(Protocol):
    title: str | None
    first_name: str | None
    last_name: str | None
    name: str | None


def recipient_of(person: Person, membership: Any | None, booking: Any | None) -> Recipient:
    """The recipient's values from their record, their current membership (a scheme's `name`
    and `ends_on`) and their next booking (an event's `name` and `starts_at`), either None."""
    return Recipient(
        person.title,
        person.first_name,
        person.last_name,
        person.name,
        membership.name if membership else None,
        membership.ends_on if membership else None,
        booking.name if booking else None,
        booking.starts_at if booking else None,
    )


def addressed_name(recipient: Recipient) -> str:
    parts = (recipient.title, recipient.first_name, recipient.last_name)
    return " ".join(p for p in parts if p) or recipient.name or ""


def mailing_values(
    recipient: Recipient, organisation: str, preferences_url: str, unsubscribe_url: str
) -> dict[str, str]:
    return {
        "title": recipient.title or "",
        "first_name": recipient.first_name or "",
        "last_name": recipient.last_name or "",
        "name": addressed_name(recipient),
        "membership": recipient.membership or "",
        "membership_ends_on": _day(recipient.membership_ends_on),
        "next_booking": recipient.next_booking or "",
        "next_booking_on": _day(recipient.next_booking_at),
        "organisation": organisation,
        "preferences_url": preferences_url,
        "unsubscribe_url": unsubscribe_url,
    }


def _day(moment: date | datetime | None) -> str:
    if moment is None:
        return ""
    return f"{moment.day} {moment:%B %Y}"


def sample_values(organisation: str, today: date) -> list[dict[str, str]]:
    """Values like a real recipient's, to try templates with before they are saved: a
    common case, a bare one (an Organisation with nothing booked), and one with every value
    at its longest."""
    link = "https://foyer.example/unsubscribe/" + "x" * 120
    longest = "W" * SHORT_TEXT_LIMIT
    return [
        mailing_values(
            Recipient("Ms", "Ada", "Lovelace", None, "Friends", today, "Hamlet", None),
            organisation,
            link,
            link,
        ),
        mailing_values(Recipient(None, None, None, "Acme Ltd"), organisation, link, link),
        mailing_values(
            Recipient(
                longest[:40],
                longest,
                longest,
                longest,
                longest,
                date(9999, 12, 31),
                longest,
                datetime(9999, 12, 31),
            ),
            organisation,
            link,
            link,
        ),
    ]


def sent_summary(mailing_name: str, subject: str, address: str) -> str:
    """The line on the recipient's timeline."""
    return f"Mailing {mailing_name!r} sent to {address}: {subject!r}."
