"""Background jobs: work a user asked for that a worker does later, with its progress.

A job's status moves PENDING → RUNNING → SUCCEEDED or FAILED. Clients poll it; a file it
produces is downloaded at a random address, not at its id.

Who may read a job and its file: whoever in its organisation holds every role the job needed,
that is the requester and any colleague who could have asked for the same job; nobody else,
admins included (an admin role implies its user role, so an OPPORTUNITIES_ADMIN with INSIGHTS
reads an export of inactive customers). A job shows no more than the roles that asked for it
see, so this keeps one rule for every read path; the requester is recorded by identity for
the record, and roles are checked at each read, so a role taken away takes its files too.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from domain.actors import Actor, ActorKind
from domain.events import DomainEvent, OutboxMessage
from domain.roles import FUNDRAISING_READER, Role

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


class JobKind(StrEnum):
    CUSTOMER_EXPORT = "CUSTOMER_EXPORT"
    PLEDGE_REMINDERS = "PLEDGE_REMINDERS"
    PARTNER_EXPORT = "PARTNER_EXPORT"
    DONOR_PROFILE = "DONOR_PROFILE"
    SEGMENT_EXPORT = "SEGMENT_EXPORT"
    MAILING_SEND = "MAILING_SEND"


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED)


# The task a worker runs for each kind of job: the name the outbox message carries.
TASK_FOR_KIND = {
    JobKind.CUSTOMER_EXPORT: "export_customers",
    JobKind.PLEDGE_REMINDERS: "run_pledge_reminders",
    JobKind.PARTNER_EXPORT: "export_for_partner",
    JobKind.DONOR_PROFILE: "render_donor_profile",
    JobKind.SEGMENT_EXPORT: "export_segment",
    JobKind.MAILING_SEND: "send_mailing",
}


def roles_needed(kind: JobKind, parameters: Mapping[str, Any]) -> frozenset[Role]:
    """The roles it takes to ask for a job of `kind` with `parameters`, and so to read it."""
    if kind is JobKind.CUSTOMER_EXPORT:
        inactive = {FUNDRAISING_READER} if parameters.get("include_inactive") else set()
        return frozenset({Role.INSIGHTS, *inactive})
    # The roles the job's file was shaped by, beyond its kind's: a segment's criteria's
    # (domain/segments/access.py), a Donor Profile requester's (domain/donor_profile.py).
    reads = {Role(r) for r in parameters.get("reads", ())}
    if kind is JobKind.SEGMENT_EXPORT:
        return frozenset({Role.INSIGHTS, *reads})
    return _NEEDED[kind] | reads


# What each other kind of job needs, named for every kind: a new kind without an entry fails
# at once rather than falling to a default anyone could read.
_NEEDED = {
    JobKind.PLEDGE_REMINDERS: frozenset({FUNDRAISING_READER}),
    # Personal data leaving for a third party: asked for and read by insights admins only.
    JobKind.PARTNER_EXPORT: frozenset({Role.INSIGHTS_ADMIN}),
    # A whole donor's record, pink notes and opportunities included.
    JobKind.DONOR_PROFILE: frozenset({FUNDRAISING_READER}),
    # Mailings are insights work: asked for, followed and read with INSIGHTS.
    JobKind.MAILING_SEND: frozenset({Role.INSIGHTS}),
}


# Kinds whose job and file only their requester reads: a segment is its owner's alone until
# shared, and its export must not reach a colleague who cannot see the segment.
REQUESTER_ONLY = frozenset({JobKind.SEGMENT_EXPORT})


def may_read(
    actor: Actor,
    needed: Iterable[Role],
    kind: JobKind | None = None,
    requested_by: tuple[str | None, int | None] = (None, None),
) -> bool:
    """Whether `actor`, of the job's organisation, may read a job that needed `needed`
    (and, for a kind only its requester reads, that `requested_by` (kind, id) asked)."""
    if kind in REQUESTER_ONLY and requested_by != (actor.kind.value, actor.id):
        return False
    return all(actor.has(role) for role in needed)


@dataclass
class Job:
    kind: JobKind
    requested_by: str
    parameters: dict[str, Any] = field(default_factory=dict)
    requested_by_kind: ActorKind | None = None
    requested_by_id: int | None = None
    required_roles: frozenset[Role] = frozenset()
    # The file's address: 256 random bits, so knowing one job's id finds no other's file.
    download_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    status: JobStatus = JobStatus.PENDING
    progress: int = 0
    total: int | None = None
    error: str | None = None
    result_file: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class JobRequested(DomainEvent):
    job_id: int
    kind: JobKind

    def message(self) -> OutboxMessage:
        return OutboxMessage(TASK_FOR_KIND[self.kind], {"job_id": self.job_id})


async def request_job(uow: UnitOfWork, kind: JobKind, parameters: dict[str, Any]) -> Job:
    actor = uow.actor
    job = Job(
        kind,
        requested_by=actor.label,
        parameters=parameters,
        requested_by_kind=actor.kind,
        requested_by_id=actor.id,
        required_roles=roles_needed(kind, parameters),
    )
    await uow.jobs.add(job)
    assert job.id is not None
    uow.record(JobRequested(job.id, kind))
    return job
