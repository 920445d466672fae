"""Background jobs: work a user asked for that a worker does later, with its progress.

A job's status moves PENDING → RUNNING → SUCCEEDED or FAILED. Clients poll it; a file it
produces is downloadable by its own organisation only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from domain.events import DomainEvent, OutboxMessage

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


class JobKind(StrEnum):
    CUSTOMER_EXPORT = "CUSTOMER_EXPORT"
    PLEDGE_REMINDERS = "PLEDGE_REMINDERS"
    DONOR_PROFILE = "DONOR_PROFILE"


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
    JobKind.DONOR_PROFILE: "render_donor_profile",
}


@dataclass
class Job:
    kind: JobKind
    requested_by: str
    parameters: dict[str, Any] = field(default_factory=dict)
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
    job = Job(kind, requested_by=uow.actor.label, parameters=parameters)
    await uow.jobs.add(job)
    assert job.id is not None
    uow.record(JobRequested(job.id, kind))
    return job
