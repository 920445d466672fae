"""Leases: which attempt at a message's work may act on a row (a job, a pledge reminder, a
mailing delivery) and until when.

A lease belongs to one attempt, never to a message: the broker delivers a message again
when it loses its consumer's connection, though that consumer may still be working, and the
two copies must not both send the same mail. So each attempt holds its leases under a name
of its own, and:
- when an attempt fails and is sent again for a retry, it hands its leases over to the name
  that retry inherits (`Holder.heir`), which takes them at once;
- any other attempt finds them held and waits until they run out (`HeldElsewhere`): the
  holder renews them while it works, so the wait ends when it has finished or died.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import dramatiq.errors
from sqlalchemy import Column, Connection, Engine, Table, func, or_, select, update

from infra.clock import utc_now

WORKER = f"{socket.gethostname()}:{os.getpid()}"


def heir(message_id: str, retries: int) -> str:
    """The name under which leases wait for retry number `retries` of a message."""
    return f"{message_id}#{retries}"


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: one attempt (`delivery`, unique to it), on one worker, for `lease`
    at a time; `heir` is the name its predecessor handed its leases to, if any."""

    delivery: str
    lease: timedelta
    heir: str | None = None
    worker: str = WORKER

    @classmethod
    def attempt(cls, message_id: str, retries: int, nonce: str, lease: timedelta) -> Holder:
        return cls(f"{heir(message_id, retries)}/{nonce}", lease, heir(message_id, retries))

    @classmethod
    def alone(cls, lease: timedelta) -> Holder:
        """An attempt outside any message (a test calling an actor's function)."""
        return cls(uuid.uuid4().hex, lease)


class LeaseLost(Exception):
    """The lease ran out and another attempt took the work over: this one must stop without
    sending or writing anything more."""


class HeldElsewhere(dramatiq.errors.Retry):
    """Another attempt holds the work's lease and may be working on it: this one is sent
    again for when the lease runs out. A Retry, so that dramatiq does not log it as a
    failure (workers/retry_policy.py sends it again)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"Leased to another attempt until {until.isoformat()}.")
        self.until = until


@dataclass(frozen=True)
class LeasedRows:
    """A table whose rows are leased while unfinished: its holder and expiry columns, and
    the condition of a row still to be done."""

    table: Table
    unfinished: Any

    @property
    def holder(self) -> Column[Any]:
        return self.table.c.lease_holder

    @property
    def expires(self) -> Column[Any]:
        return self.table.c.lease_expires_at

    def free_for(self, holder: Holder, now: datetime) -> Any:
        """Not held, run out (at `now`), already `holder`'s, or handed over to it."""
        return or_(
            self.holder.is_(None),
            self.expires.is_(None),
            self.expires < now,
            self.holder.in_(_names(holder)),
        )

    def claim(self, db: Connection, ids: list[int], holder: Holder, now: datetime) -> list[int]:
        """Lease to `holder` the unfinished rows of `ids` free for it; their ids, in order."""
        claimed = db.execute(
            update(self.table)
            .where(self.table.c.id.in_(ids), self.unfinished, self.free_for(holder, now))
            .values(lease_expires_at=now + holder.lease, lease_holder=holder.delivery)
            .returning(self.table.c.id)
        )
        return sorted(claimed.scalars())

    def take(
        self, db: Connection, ids: list[int], holder: Holder
    ) -> tuple[list[int], datetime | None]:
        """`claim` what is free of `ids`, and say until when another attempt holds the rest
        (`held_until`; not asked when all was claimed, as it mostly is)."""
        now = utc_now()
        claimed = self.claim(db, ids, holder, now)
        held = None if len(claimed) == len(ids) else self.held_until(db, ids, holder, now)
        return claimed, held

    def held_until(
        self, db: Connection, ids: list[int], holder: Holder, now: datetime
    ) -> datetime | None:
        """When the last lease another attempt holds on the unfinished rows of `ids` runs
        out (None: no other attempt holds one). With the same `now` as the claim before
        it, a row is either claimed or found held."""
        return db.execute(
            select(func.max(self.expires)).where(
                self.table.c.id.in_(ids), self.unfinished, ~self.free_for(holder, now)
            )
        ).scalar()

    def renew(self, db: Connection, ids: list[int], holder: Holder) -> set[int]:
        """The heartbeat: `holder`'s unfinished rows of `ids` held for another lease; the
        ids of those still `holder`'s (one missing was taken over: its lease ran out)."""
        renewed = db.execute(
            update(self.table)
            .where(self.table.c.id.in_(ids), self.unfinished, self.holder == holder.delivery)
            .values(lease_expires_at=utc_now() + holder.lease)
            .returning(self.table.c.id)
        )
        return set(renewed.scalars())

    def postpone(
        self, engine: Engine, ids: list[int], holder: Holder, successor: str, seconds: float
    ) -> None:
        """`hand_over`, in a transaction of its own."""
        with engine.begin() as db:
            self.hand_over(db, ids, holder, successor, seconds)

    def hand_over(
        self,
        db: Connection,
        ids: list[int],
        holder: Holder,
        successor: str,
        seconds: float,
        **values: Any,
    ) -> None:
        """`holder`'s unfinished rows of `ids` passed to `successor` (the retry), held
        through its backoff of `seconds` and one lease longer: those it held and those
        handed to it that it failed before claiming; `values` set on them too."""
        db.execute(
            update(self.table)
            .where(self.table.c.id.in_(ids), self.unfinished, self.holder.in_(_names(holder)))
            .values(
                lease_holder=successor,
                lease_expires_at=utc_now() + holder.lease + timedelta(seconds=seconds),
                **values,
            )
        )


def _names(holder: Holder) -> list[str]:
    """The names under which rows are `holder`'s: its own, and the one it inherits."""
    return [holder.delivery] if holder.heir is None else [holder.delivery, holder.heir]
