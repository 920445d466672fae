"""Declares every actor on a broker built by the composition root."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import Retries

from workers.customer_export import export_customers
from workers.dependencies import WorkerDependencies
from workers.donor_profile import render_donor_profile
from workers.job_failures import JobFailures
from workers.partner_export import export_for_partner
from workers.pledge_reminders import run_pledge_reminders, send_pledge_reminders

# Bounded: after `retries`, the message goes to the dead-letter queue and the job is FAILED.
BACKOFF = {"min_backoff": 1_000, "max_backoff": 30_000}
TIME_LIMIT_MS = 60 * 60 * 1000


def declare_actors(
    broker: dramatiq.Broker, deps: WorkerDependencies, queue_prefix: str, retries: int
) -> None:
    # after_* hooks run in reverse order: placed before Retries, ours sees its verdict.
    broker.add_middleware(JobFailures(deps.engine), before=Retries)

    def export_customers_actor(job_id: int) -> None:
        export_customers(deps, job_id)

    def run_pledge_reminders_actor(job_id: int) -> None:
        run_pledge_reminders(deps, job_id)

    def render_donor_profile_actor(job_id: int) -> None:
        render_donor_profile(deps, job_id)

    def send_pledge_reminders_actor(reminder_ids: list[int]) -> None:
        send_pledge_reminders(deps, reminder_ids)

    dramatiq.actor(
        run_pledge_reminders_actor,
        broker=broker,
        actor_name="run_pledge_reminders",
        queue_name=f"{queue_prefix}.reminders",
        time_limit=TIME_LIMIT_MS,
        max_retries=retries,
        **BACKOFF,
    )
    dramatiq.actor(
        send_pledge_reminders_actor,
        broker=broker,
        actor_name="send_pledge_reminders",
        queue_name=f"{queue_prefix}.mail",
        time_limit=5 * 60 * 1000,
        max_retries=retries,
        **BACKOFF,
    )

    def export_for_partner_actor(job_id: int) -> None:
        export_for_partner(deps, job_id)

    dramatiq.actor(
        export_for_partner_actor,
        broker=broker,
        actor_name="export_for_partner",
        queue_name=f"{queue_prefix}.exports",
        time_limit=TIME_LIMIT_MS,
        max_retries=retries,
        **BACKOFF,
    )
    dramatiq.actor(
        render_donor_profile_actor,
        broker=broker,
        actor_name="render_donor_profile",
        queue_name=f"{queue_prefix}.exports",
        time_limit=TIME_LIMIT_MS,
        max_retries=retries,
        **BACKOFF,
    )
    dramatiq.actor(
        export_customers_actor,
        broker=broker,
        actor_name="export_customers",
        queue_name=f"{queue_prefix}.exports",
        time_limit=TIME_LIMIT_MS,
        max_retries=retries,
        **BACKOFF,
    )
