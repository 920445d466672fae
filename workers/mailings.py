"""Mailings: the run job that resolves a run's recipients and hands them to the senders,
and the sending of each batch.

The run job writes a delivery row per recipient before it is sent, a chunk of recipients
at a time, each chunk's batches handed to the senders as it commits
(infra/db/mailing_recipients.py); then it stays RUNNING while batches go: each batch renews
its lease as it finishes, and once the run is resolved, the batch that finishes the last
delivery finishes the job.
Should every batch stop (workers killed, messages lost), the job's lease runs out and the
sweeper sends the run job again, which hands over what is left: a delivery marked SENT is
never sent again, and one whose sending was cut off goes again with the same Message-ID.
"""

from __future__ import annotations

import functools
import logging
import time
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy import Engine

from domain.consent.erasure import email_hash, needs_fresh_answer
from domain.mailings.events import MailingSent
from domain.mailings.runs import DeliveryStatus, RunStatus, mailing_figures
from domain.mailings.values import Recipient, addressed_name, mailing_values, recipient_of
from infra.auth.customer_links import (
    UNSUBSCRIBE_DAYS,
    preferences_url,
    unsubscribe_mailto,
    unsubscribe_token,
    unsubscribe_url,
)
from infra.clock import utc_now
from infra.db import job_progress
from infra.db import mailing_recipients as recipients
from infra.db import mailing_sending as sending
from infra.db.leases import HeldElsewhere, Holder, LeaseLost
from infra.db.reminder_queue import sending_connection, suppressions
from infra.mail import MailNotSent, OutgoingMail
from infra.mail.mailing_render import Templates, render_mailing
from infra.mail.templates import TemplateRefused
from workers.dependencies import WorkerDependencies

ACTOR = "Foyer mailings"

log = logging.getLogger("foyer.mailings")


def run_mailing(deps: WorkerDependencies, job_id: int) -> None:
    holder = deps.holder()
    job = job_progress.claim(deps.engine, job_id, holder)
    if job is None:
        return
    with deps.engine.begin() as db:
        run = recipients.run_of_job(db, job_id)
        if run is None:
            raise LookupError(f"Job {job_id} has no mailing run.")
        if run.status is RunStatus.SENT:
            due = True  # finished, but its worker died before the job was marked
        elif run.status is RunStatus.SCHEDULED and run.send_at > utc_now():
            # Sent early (a restart re-enqueues every unfinished job): the scheduler sends
            # it again when it is due.
            due = False
        else:
            due = recipients.start_sending(db, run)
        if due and run.status is not RunStatus.SENT:
            # What an earlier attempt handed over and lost; nothing on a first attempt.
            recipients.dispatch(db, run, deps.lease, deps.max_attempts)
    if not due:
        job_progress.release(deps.engine, job_id, holder.delivery, send_again=False)
        return
    if not run.resolved:
        recipients.resolve(deps.engine, run, holder)
    finish_if_done(deps.engine, run.id, job_id)


def finish_if_done(engine: Engine, run_id: int, job_id: int) -> None:
    """Finish the run and its job once it is resolved and none of its deliveries is QUEUED
    (again, should the job's mark have been lost after the run's)."""
    with engine.begin() as db:
        if sending.unfinished(db, run_id):
            return
        counts = sending.delivery_counts(db, run_id)
        finished = sending.finish_run(db, run_id)
        total = sending.job_total(db, job_id)
    if finished and job_progress.succeed(engine, job_id, None, total, mailing_figures(counts)):
        sent = counts.get(DeliveryStatus.SENT.value, 0)
        log.info("Mailing run %s finished: %d sent", run_id, sent)


def send_mailing_batch(deps: WorkerDependencies, delivery_ids: list[int]) -> None:
    """Send each delivery of the batch not sent yet, marking each as it goes: a batch
    delivered again sends only what is left. Leased to this attempt first, so a copy of the
    message never sends the same delivery at the same time: one that finds deliveries held
    by another attempt comes back for them when that lease runs out."""
    holder = deps.holder()
    with sending_connection(deps.engine) as db:
        claimed, held = sending.DELIVERIES.take(db, delivery_ids, holder)
        batch = sending.deliveries(db, claimed) if claimed else []
        if not batch and held is not None:
            db.commit()
            raise HeldElsewhere(held)
        if not batch:
            # Delivered again after its worker was killed: that one may have sent the
            # run's last mail without finishing the run.
            run = sending.run_and_job(db, delivery_ids[0])
            db.commit()
            if run is not None:
                finish_if_done(deps.engine, *run)
            return
        first = batch[0]
        if first.run_status != RunStatus.SENDING.value:
            sending.cancel_held(db, claimed, holder)
            db.commit()
            return
        ids = [row.customer_id for row in batch]
        now = utc_now()
        members = sending.memberships(db, first.tenant_id, ids, now.date())
        bookings = sending.next_bookings(db, first.tenant_id, ids, now)
        hashes = {r.id: email_hash(first.tenant_id, r.address) for r in batch}
        suppressed = suppressions(db, first.tenant_id, sorted(set(hashes.values())))
        db.commit()  # the claim and the reads' transaction; each mark commits its own
        pace = (
            sending.reserve_pace(deps.engine, first.tenant_id, len(batch))
            if first.messages_per_second
            else None  # no pace set: nothing to reserve, no round trip for it
        )
        batch_sender = _Batch(deps, db, holder, [r.id for r in batch], pace)
        done = 0
        try:
            for row in batch:
                _send(batch_sender, row, members, bookings, suppressed.get(hashes[row.id]))
                done += 1
        finally:
            with deps.engine.begin() as progress:
                sending.count_progress(progress, first.job_id, done, deps.lease)
    finish_if_done(deps.engine, first.run_id, first.job_id)
    if held is not None:
        raise HeldElsewhere(held)  # back for the rest of the batch, another attempt's now


def _send(
    batch: _Batch, row: Any, members: dict[int, Any], bookings: dict[int, Any], since: Any
) -> None:
    granted = row.granted_at is not None and not needs_fresh_answer(since, row.granted_at)
    membership, booking = members.get(row.customer_id), bookings.get(row.customer_id)
    recipient = recipient_of(row, membership, booking)
    batch.send(row, recipient, granted)


class _Batch:
    """One batch being sent: its pace, and the heartbeat of its leases. Before each mail
    goes, the lease on it must still be this attempt's: one that ran out (a mail server
    stalled past it) may have been taken over, and the rest of the batch is then left to
    the attempt that took it."""

    def __init__(
        self,
        deps: WorkerDependencies,
        db: Any,
        holder: Holder,
        ids: list[int],
        pace: tuple[datetime, float] | None,
    ) -> None:
        self.deps, self.db, self.holder, self.ids = deps, db, holder, ids
        self.pace, self.sent = pace, 0
        self.renew_at = time.monotonic() + holder.lease.total_seconds() / 2

    def send(self, row: Any, recipient: Recipient, granted: bool) -> None:
        if not granted:
            # Withdrawn since the run started (or an erased address needing a fresh answer).
            sending.record(self.db, row.id, DeliveryStatus.SKIPPED_NO_CONSENT)
            return
        try:
            mail = compose(self.deps, row, recipient)
        except TemplateRefused as refused:
            reason = f"The mailing's template was refused: {refused.reason}."
            sending.record(self.db, row.id, DeliveryStatus.FAILED, reason=reason)
            return
        self._wait_turn(row.id)
        self._heartbeat(row.id)
        try:
            self.deps.mail.send(mail)
        except MailNotSent as refused:
            if not refused.permanent:
                raise  # a passing failure: retried (workers/retry_policy.py)
            reason = f"The mail server refused it: {refused.reason}"
            sending.record(self.db, row.id, DeliveryStatus.FAILED, reason=reason)
            return
        fact = MailingSent(
            row.customer_id, row.mailing_id, row.mailing_name, mail.subject, row.address
        )
        sent = (row.tenant_id, fact, ACTOR, utc_now())
        sending.record(self.db, row.id, DeliveryStatus.SENT, sent)

    def _wait_turn(self, delivery_id: int) -> None:
        """Keep to the organisation's pace: message n of the batch not before its slot."""
        if self.pace is not None:
            start, interval = self.pace
            slot = start + timedelta(seconds=interval * self.sent)
            while (wait := (slot - utc_now()).total_seconds()) > 0:
                time.sleep(min(wait, 1.0))
                self._heartbeat(delivery_id)
        self.sent += 1

    def _heartbeat(self, delivery_id: int) -> None:
        """Renew the leases once half of one has gone: the one of `delivery_id`, about to
        be sent, must still be held."""
        if time.monotonic() > self.renew_at:
            held = sending.DELIVERIES.renew(self.db, self.ids, self.holder)
            self.db.commit()
            self.renew_at = time.monotonic() + self.holder.lease.total_seconds() / 2
            if delivery_id not in held:
                raise LeaseLost(f"Delivery {delivery_id}'s lease ran out and was taken over.")


@functools.lru_cache(maxsize=4)
def _address(mailbox: str) -> str:
    """The address of the configured mailbox (`Name <address>`): parsed once."""
    return parseaddr(mailbox)[1]


def compose(deps: WorkerDependencies, row: Any, recipient: Recipient) -> OutgoingMail:
    """The email of one delivery, with its unsubscribe headers (RFC 8058) and a stable
    Message-ID: sent twice, it is recognisably the same mail."""
    now = utc_now()
    token = unsubscribe_token(deps.links, row.tenant_id, row.id, now)
    one_click = unsubscribe_url(deps.public_url, token)
    page = preferences_url(
        deps.links,
        deps.public_url,
        row.tenant_id,
        row.customer_id,
        now + timedelta(days=UNSUBSCRIBE_DAYS),
    )
    values = mailing_values(recipient, row.organisation, page, one_click)
    rendered = render_mailing(Templates(row.subject, row.html_body, row.text_body), values)
    mailbox = _address(deps.unsubscribe_mailbox)
    return OutgoingMail(
        to_address=row.address,
        to_name=addressed_name(recipient),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=f"<mailing-delivery-{row.id}@foyer>",
        headers={
            "List-Unsubscribe": f"<{one_click}>, <{unsubscribe_mailto(mailbox, token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
