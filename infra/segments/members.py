"""Who is in a segment or a list, as a SELECT of one column, `customer_id`, that any statement
can embed (`INSERT ... SELECT` included) on either database.

A frozen list's members are rows. A saved segment's members are its criteria evaluated at
the moment the statement runs, and its criteria are rows too: so `members_select` puts a
placeholder in the statement which, when the statement is compiled to run, reads the
segment's criteria and the organisation's RFM bands on the connection running it (in the
same transaction) and compiles into them, with bound parameters. Callers need no connection
to build the statement, and the criteria they evaluate are those of the moment it runs.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, Select, event, false, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean

from domain.segments.criteria import Criterion, from_json
from infra.clock import utc_now
from infra.db import insights_tables as n
from infra.db import tables as t
from infra.segments.criteria_sql import Evaluation, members_condition
from infra.segments.rfm_sql import bands_of

person = t.customer.c


def members_select(
    tenant_id: int, *, segment_id: int | None = None, list_id: int | None = None
) -> Select[Any]:
    """The members of the organisation's saved segment (evaluated when the statement runs)
    or of its frozen list; another organisation's segment or list has none."""
    if (segment_id is None) == (list_id is None):
        raise ValueError("Name a segment or a list, not both.")
    if list_id is not None:
        lm = n.customer_list_member.c
        return select(lm.customer_id).where(lm.tenant_id == tenant_id, lm.list_id == list_id)
    assert segment_id is not None
    return select(person.id.label("customer_id")).where(SavedSegment(tenant_id, segment_id))


def criteria_select(root: Criterion, at: Evaluation) -> Select[Any]:
    """The members of a criteria tree in hand (a preview, or a segment already read)."""
    return select(person.id.label("customer_id")).where(members_condition(root, at))


class SavedSegment(ColumnElement[bool]):
    """Stands for "the customer is a member of this saved segment": compiled, when its
    statement runs, into the segment's criteria as they are then. Never cached, so a
    statement holding it is compiled afresh each time."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, tenant_id: int, segment_id: int) -> None:
        self.tenant_id = tenant_id
        self.segment_id = segment_id


# The connection running the statement being compiled, set by `before_execute` (the
# compiler is not told which connection it compiles for). A context variable, so each thread
# and each asyncio task sees only its own.
_RUNNING_ON: ContextVar[Connection | None] = ContextVar("segment_connection", default=None)


@compiles(SavedSegment)
def _compile_saved_segment(element: SavedSegment, compiler: Any, **kw: Any) -> str:
    db = _RUNNING_ON.get()
    if db is None:
        raise RuntimeError(
            "A saved segment's members compile only as their statement runs, on an engine "
            "with infra.segments.members.install: its criteria are read then."
        )
    condition = saved_segment_condition(db, element.tenant_id, element.segment_id)
    return str(compiler.process(condition, **kw))


def install(engine: Engine) -> None:
    """Let statements the engine runs hold saved segments (an AsyncEngine: pass its
    `sync_engine`). Costs one context-variable write per statement."""
    event.listen(engine, "before_execute", _running_on)
    event.listen(engine, "after_execute", _done)
    event.listen(engine, "handle_error", _failed)


def _running_on(db: Connection, *_: Any) -> None:
    _RUNNING_ON.set(db)


def _done(db: Connection, *_: Any) -> None:
    _RUNNING_ON.set(None)


def _failed(context: Any) -> None:
    _RUNNING_ON.set(None)


def saved_segment_condition(db: Connection, tenant_id: int, segment_id: int) -> Any:
    """The segment's criteria as a condition, read on `db` (so in its transaction); false for
    a segment the organisation does not have."""
    s = n.segment.c
    stored = db.execute(
        select(s.criteria).where(s.tenant_id == tenant_id, s.id == segment_id)
    ).scalar()
    if stored is None:
        return false()
    at = Evaluation(tenant_id, utc_now().date(), bands_of(db, tenant_id))
    return members_condition(from_json(stored), at)
