"""A mailing: a name, a subject, an HTML body and optionally a written plain-text part, all
templates over the recipient's fields (domain/mailings/values.py), sent under one contact
preference of the organisation.

The preference says what the customer agreed to: only those whose current state for it is
GRANTED are sent the mailing, and its unsubscribe link withdraws exactly that preference.
It must be an EMAIL preference or a TOPIC one (a subject the organisation writes about,
which Foyer only ever sends by email), in use: POST, PHONE and SMS are other channels, and a
PARTNER preference is consent to share data with a third party, not to be mailed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from domain.consent.preferences import ContactPreference, PreferenceKind
from domain.errors import Conflict, InvalidInput, NotFound, ProblemCollector
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

SUBJECT_TEMPLATE_LIMIT = 1_000
BODY_TEMPLATE_LIMIT = 200_000
MAILED_KINDS = frozenset({PreferenceKind.EMAIL, PreferenceKind.TOPIC})


@dataclass
class Mailing:
    name: str
    subject: str
    html_body: str
    preference_id: int
    # None: the plain-text part is derived from each recipient's rendered HTML.
    text_body: str | None = None
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None


def clean_mailing(mailing: Mailing) -> Mailing:
    """The mailing as stored, or every problem with its fields at once."""
    problems = ProblemCollector()
    name = clean_text(problems, ("name",), mailing.name, required=True)
    subject = clean_text(
        problems, ("subject",), mailing.subject, required=True, limit=SUBJECT_TEMPLATE_LIMIT
    )
    html = clean_text(
        problems,
        ("htmlBody",),
        mailing.html_body,
        required=True,
        limit=BODY_TEMPLATE_LIMIT,
        multiline=True,
    )
    text = clean_text(
        problems, ("textBody",), mailing.text_body, limit=BODY_TEMPLATE_LIMIT, multiline=True
    )
    problems.raise_if_any()
    assert name is not None and subject is not None and html is not None
    return Mailing(name, subject, html, mailing.preference_id, text, id=mailing.id)


def check_preference(preference: ContactPreference | None) -> ContactPreference:
    """The preference a mailing may be sent under, or why not."""
    if preference is None:
        raise NotFound("Contact preference", ("preferenceId",))
    if preference.retired:
        raise Conflict(f"{preference.name!r} is retired.", ("preferenceId",))
    if preference.kind not in MAILED_KINDS:
        raise InvalidInput.at(
            ("preferenceId",),
            f"{preference.name!r} is a {preference.kind.value} preference: a mailing is sent "
            "under an EMAIL or TOPIC one.",
        )
    return preference


async def save_mailing(uow: UnitOfWork, mailing: Mailing) -> Mailing:
    """Create a mailing, or change one (`mailing.id` set). Its templates are checked by the
    caller, where the sandbox lives (resolvers/mailings.py)."""
    cleaned = clean_mailing(mailing)
    check_preference(await uow.consent.preference(cleaned.preference_id))
    now = uow.now()
    if cleaned.id is None:
        cleaned.created_by, cleaned.created_at, cleaned.updated_at = uow.actor.label, now, now
        await uow.mailings.add(cleaned)
        return cleaned
    existing = await uow.mailings.get(cleaned.id)
    if existing is None:
        raise NotFound("Mailing", ("id",))
    if await uow.mailings.active_run(cleaned.id) is not None:
        # Each recipient must get the words the run started with.
        raise Conflict("The mailing is being sent: cancel the run to change it.", ("id",))
    cleaned.created_by, cleaned.created_at, cleaned.updated_at = (
        existing.created_by,
        existing.created_at,
        now,
    )
    await uow.mailings.save(cleaned)
    return cleaned
