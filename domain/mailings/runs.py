"""Sending a mailing: a run to one segment or list, now or at a set time, as a job.

Recipients are resolved when the run starts, not when it is asked for: consent, addresses
and the audience are read at send time. Each recipient gets a delivery row before anything
is handed to the mail server, so a run killed and started again sends each one once; those
not sent are counted by why (`DeliveryStatus`). A mailing is sent at most once to each
customer: a later run of the same mailing skips whoever an earlier one sent it to, and only
one run of a mailing is under way at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.errors import Conflict, InvalidInput, NotFound
from domain.jobs import Job, JobKind, request_job
from domain.mailings.mailing import check_preference
from domain.segments.segment import readable_list, readable_segment

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


class RunStatus(StrEnum):
    SCHEDULED = "SCHEDULED"  # waiting for its `send_at`
    SENDING = "SENDING"
    SENT = "SENT"  # every recipient sent, skipped or failed
    CANCELLED = "CANCELLED"

    @property
    def active(self) -> bool:
        return self in (RunStatus.SCHEDULED, RunStatus.SENDING)


class DeliveryStatus(StrEnum):
    QUEUED = "QUEUED"  # written, not yet accepted by the mail server
    SENT = "SENT"
    FAILED = "FAILED"  # with a reason: the mail server refused it for good, or the template
    CANCELLED = "CANCELLED"  # the run was cancelled before it went
    SKIPPED_NO_CONSENT = "SKIPPED_NO_CONSENT"  # no GRANTED state for the mailing's preference
    SKIPPED_NO_EMAIL = "SKIPPED_NO_EMAIL"
    SKIPPED_ERASED = "SKIPPED_ERASED"
    SKIPPED_DECEASED = "SKIPPED_DECEASED"
    SKIPPED_INACTIVE = "SKIPPED_INACTIVE"
    SKIPPED_ALREADY_SENT = "SKIPPED_ALREADY_SENT"  # an earlier run of the mailing sent it

    @property
    def finished(self) -> bool:
        return self is not DeliveryStatus.QUEUED


@dataclass
class MailingRun:
    mailing_id: int
    job_id: int
    send_at: datetime
    status: RunStatus
    segment_id: int | None = None
    list_id: int | None = None
    requested_by: str = ""
    cancelled_by: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class SendMailing:
    mailing_id: int
    segment_id: int | None = None
    list_id: int | None = None
    # None: now.
    send_at: datetime | None = None


async def send_mailing(uow: UnitOfWork, command: SendMailing) -> tuple[MailingRun, Job]:
    """Start a run of the mailing as a job; at `send_at` when that is later than now."""
    if (command.segment_id is None) == (command.list_id is None):
        raise InvalidInput.at(("segmentId",), "Give exactly one of `segmentId` and `listId`.")
    mailing = await uow.mailings.get(command.mailing_id)
    if mailing is None:
        raise NotFound("Mailing", ("mailingId",))
    check_preference(await uow.consent.preference(mailing.preference_id))
    if command.segment_id is not None:
        # The one rule for reading a segment's members, as freezing and exporting it.
        await readable_segment(uow, command.segment_id, ("segmentId",))
    if command.list_id is not None:
        # The one rule for reading a list's members, as listing them.
        await readable_list(uow, command.list_id, ("listId",))
    if await uow.mailings.active_run(command.mailing_id) is not None:
        raise Conflict("The mailing is being sent already: cancel that run first.", ("mailingId",))
    now = uow.now()
    send_at = command.send_at or now
    if send_at.tzinfo is None:
        raise InvalidInput.at(("sendAt",), "Give the time with its offset from UTC.")
    job = await request_job(uow, JobKind.MAILING_SEND, {"mailing_id": command.mailing_id})
    assert job.id is not None
    run = MailingRun(
        command.mailing_id,
        job.id,
        max(send_at, now),
        RunStatus.SCHEDULED if send_at > now else RunStatus.SENDING,
        command.segment_id,
        command.list_id,
        uow.actor.label,
    )
    if not await uow.mailings.add_run(run):
        # Deleted since it was read above, by a change that committed in between.
        field = "segmentId" if command.segment_id is not None else "listId"
        raise NotFound("Segment" if command.segment_id is not None else "Customer list", (field,))
    return run, job


async def cancel_mailing(uow: UnitOfWork, mailing_id: int) -> MailingRun:
    """Stop the mailing's run under way, between batches: what is not yet handed to the
    mail server stays unsent (a batch being sent finishes; the next does not start), and
    its job is FAILED with the reason."""
    if await uow.mailings.get(mailing_id) is None:
        raise NotFound("Mailing", ("mailingId",))
    run = await uow.mailings.active_run(mailing_id)
    if run is None:
        raise Conflict("The mailing is not being sent.", ("mailingId",))
    run.status, run.cancelled_by = RunStatus.CANCELLED, uow.actor.label
    await uow.mailings.cancel_run(run, f"Cancelled by {uow.actor.label}.")
    return run


def mailing_figures(counts: dict[str, int]) -> dict[str, int]:
    """A run's deliveries by status, named as a job's summary names its figures (`sent`,
    `skippedNoConsent`, …), every status present."""
    return {_figure(status): counts.get(status.value, 0) for status in DeliveryStatus}


def _figure(status: DeliveryStatus) -> str:
    first, *rest = status.value.lower().split("_")
    return first + "".join(word.title() for word in rest)
