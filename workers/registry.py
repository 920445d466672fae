"""Declares every actor on a broker built by the composition root."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import Retries

from workers.customer_export import export_customers
from workers.dependencies import WorkerDependencies
from workers.donor_profile import render_donor_profile
from workers.mailings import run_mailing, send_mailing_batch
from workers.partner_export import export_for_partner
from workers.pledge_reminders import run_pledge_reminders, send_pledge_reminders
from workers.retry_policy import RetryPolicy
from workers.segment_export import export_segment

TIME_LIMIT_MS = 60 * 60 * 1000


def declare_actors(broker: dramatiq.Broker, deps: WorkerDependencies) -> None:
    # Our policy decides what is retried and for how long, in place of dramatiq's count.
    broker.middleware[:] = [m for m in broker.middleware if not isinstance(m, Retries)]
    broker.add_middleware(RetryPolicy(deps.engine, deps.retries, deps.lease))
    broker.add_middleware(deps.shutdown)

    def export_customers_actor(job_id: int) -> None:
        export_customers(deps, job_id)

    def run_pledge_reminders_actor(job_id: int) -> None:
        run_pledge_reminders(deps, job_id)

    def render_donor_profile_actor(job_id: int) -> None:
        render_donor_profile(deps, job_id)

    def send_pledge_reminders_actor(reminder_ids: list[int]) -> None:
        send_pledge_reminders(deps, reminder_ids)

    def export_for_partner_actor(job_id: int) -> None:
        export_for_partner(deps, job_id)

    def export_segment_actor(job_id: int) -> None:
        export_segment(deps, job_id)

    def send_mailing_actor(job_id: int) -> None:
        run_mailing(deps, job_id)

    def send_mailing_batch_actor(delivery_ids: list[int]) -> None:
        send_mailing_batch(deps, delivery_ids)

    for function, name, queue, time_limit in (
        (run_pledge_reminders_actor, "run_pledge_reminders", "reminders", TIME_LIMIT_MS),
        (send_pledge_reminders_actor, "send_pledge_reminders", "mail", 5 * 60 * 1000),
        (send_mailing_actor, "send_mailing", "reminders", TIME_LIMIT_MS),
        (send_mailing_batch_actor, "send_mailing_batch", "mail", 5 * 60 * 1000),
        (export_customers_actor, "export_customers", "exports", TIME_LIMIT_MS),
        (export_for_partner_actor, "export_for_partner", "exports", TIME_LIMIT_MS),
        (render_donor_profile_actor, "render_donor_profile", "exports", TIME_LIMIT_MS),
        (export_segment_actor, "export_segment", "exports", TIME_LIMIT_MS),
    ):
        dramatiq.actor(
            function,
            broker=broker,
            actor_name=name,
            queue_name=f"{deps.queue_prefix}.{queue}",
            time_limit=time_limit,
        )
