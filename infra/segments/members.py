"""Who is in a segment or a list, as a SELECT of one column, `customer_id`, that any statement
can embed (`INSERT ... SELECT` included) on either database.

A frozen list's members are rows. A saved segment's members are its criteria evaluated at
the moment the statement runs, and its criteria are rows too: so `members_select` puts a
placeholder in the statement, and a `before_execute` hook on the engine (`install`, done by
the engine builders) reads the segment's criteria and the organisation's RFM bands on the
same connection, in the same transaction, and swaps the placeholder for the compiled
condition just before the statement is sent. Callers need no connection to build the
statement, and the criteria they evaluate are those of the moment the statement runs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Select, event, false, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
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
    """Stands for "the customer is a member of this saved segment" until `_resolve` puts
    the segment's compiled criteria in its place."""

    type = Boolean()
    inherit_cache = False
    _traverse_internals: list[Any] = []

    def __init__(self, tenant_id: int, segment_id: int) -> None:
        self.tenant_id = tenant_id
        self.segment_id = segment_id


@compiles(SavedSegment)
def _unresolved(element: SavedSegment, compiler: Any, **kw: Any) -> str:
    raise RuntimeError(
        "A saved segment's members were compiled on an engine without "
        "infra.segments.members.install: its criteria were never read."
    )


def install(engine: Engine) -> None:
    """Resolve saved segments in every statement the engine runs (an AsyncEngine: pass its
    `sync_engine`)."""
    event.listen(engine, "before_execute", _resolve, retval=True)


def _resolve(
    db: Connection, statement: Any, multiparams: Any, params: Any, execution_options: Any
) -> tuple[Any, Any, Any]:
    if not isinstance(statement, ClauseElement) or not _holds_segment(statement):
        return statement, multiparams, params

    def replace(element: Any) -> Any:
        if isinstance(element, SavedSegment):
            return saved_segment_condition(db, element.tenant_id, element.segment_id)
        return None

    return visitors.replacement_traverse(statement, {}, replace), multiparams, params


def _holds_segment(statement: ClauseElement) -> bool:
    return any(isinstance(element, SavedSegment) for element in visitors.iterate(statement))


def saved_segment_condition(db: Connection, tenant_id: int, segment_id: int) -> Any:
    s = n.segment.c
    stored = db.execute(
        select(s.criteria).where(s.tenant_id == tenant_id, s.id == segment_id)
    ).scalar()
    if stored is None:
        return false()
    at = Evaluation(tenant_id, utc_now().date(), bands_of(db, tenant_id))
    return members_condition(from_json(stored), at)
