"""Statements holding a segment's criteria are planned for their parameters on every run.

psycopg prepares a statement the sixth time a connection runs it, and after five more runs
PostgreSQL may keep one generic plan for it, made without the parameters' values. For most
statements that saves planning. For criteria it is ruinous: which set is small and which is
large (a date range, a total given, a preference's answers) decides the join order, and the
generic plan of the three-criterion segment of issue 13 took 2.4 s at a million customers
against 0.55 s for the plan made with its values. A segment counted again and again on a
pooled connection went from the one to the other after its tenth count.

So a criteria condition marks the statement it is compiled into, and on PostgreSQL such a
statement runs unprepared: the unnamed statement of the extended protocol, planned with its
parameters each time. Planning it costs a few milliseconds against hundreds for the run.

It is planned with small tables open to parallel scans, too. PostgreSQL scans a table in
parallel only from 8 MB (`min_parallel_table_scan_size`), which an organisation's
performances, events and preferences never reach. A booking criterion joins its performances
to their bookings (infra/segments/criteria_sql.py `_at_performances`), and with the
performances read whole in each parallel worker, so were the bookings, and each worker hashed
them all: a third of issue 13's segment at a million customers. Scanned in parallel, the
workers share one read and one hash. Only for these statements, and back to the server's
value after each (in its transaction: `set_config(..., true)`), so that no other statement's
plan changes: allowed for every statement (`ALTER TABLE ... SET (parallel_workers)`), it took
the benchmark's hand-written SQL from 3.3 s to over 9, from index reads to a parallel scan of
every order item.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

# Set on the compiled form of a statement (cached with it) that holds criteria.
_MARK = "foyer_plan_each_run"


class PlannedEachRun(ColumnElement[bool]):
    """`condition`, compiled as itself (in parentheses), marking its statement as one to plan
    with its parameters on every run."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement)]

    def __init__(self, condition: ColumnElement[bool]) -> None:
        self.condition = condition

    @property
    def _from_objects(self) -> Any:
        # The tables the condition names, for the statement's FROM and its correlation.
        return self.condition._from_objects


@compiles(PlannedEachRun)
def _compile(element: PlannedEachRun, compiler: Any, **kw: Any) -> str:
    setattr(compiler, _MARK, True)  # on the statement's compiler: subqueries share it
    return f"({compiler.process(element.condition, **kw)})"


def install(engine: Engine) -> None:
    """Run the marked statements of the engine's PostgreSQL connections unprepared."""
    if engine.dialect.name != "postgresql":
        return  # SQLite plans every statement afresh
    event.listen(engine, "before_cursor_execute", _unprepared)
    event.listen(engine, "after_cursor_execute", _restored)
    event.listen(engine, "handle_error", _restored_after_error)


_SAVED = "foyer_prepare_threshold"


def _unprepared(db: Connection, cursor: Any, _sql: str, _p: Any, context: Any, _many: Any) -> None:
    # No context: a read the driver runs itself (infra/db/driver_reads.py), never criteria.
    if context is None or not getattr(context.compiled, _MARK, False):
        return
    driver = db.connection.driver_connection
    setattr(context, _SAVED, driver.prepare_threshold)
    # None: psycopg neither prepares the statement nor uses a plan it prepared before.
    driver.prepare_threshold = None
    # On the statement's own cursor, which runs the statement next.
    cursor.execute(_SMALL_TABLES_IN_PARALLEL)


def _restored(db: Connection, _cursor: Any, _sql: str, _p: Any, context: Any, _many: Any) -> None:
    if _restore(db, context):
        # A cursor of its own: the statement's holds its rows, not fetched yet.
        cursor = db.connection.cursor()
        try:
            cursor.execute(_SMALL_TABLES_AS_BEFORE)
        finally:
            cursor.close()


def _restored_after_error(exception_context: Any) -> None:
    # A statement PostgreSQL refused took its transaction, and the setting, with it; one that
    # failed before it was sent leaves the setting to the transaction's end, which changes
    # plans there, never answers.
    if exception_context.connection is not None and exception_context.execution_context:
        _restore(exception_context.connection, exception_context.execution_context)


def _restore(db: Connection, context: Any) -> bool:
    """Give psycopg back its threshold; whether the statement was one of those marked."""
    if context is None or not hasattr(context, _SAVED) or db.invalidated:
        return False
    db.connection.driver_connection.prepare_threshold = getattr(context, _SAVED)
    return True


_SMALL_TABLES_IN_PARALLEL = "SELECT set_config('min_parallel_table_scan_size', '0', true)"
_SMALL_TABLES_AS_BEFORE = (
    "SELECT set_config('min_parallel_table_scan_size', reset_val, true)"
    " FROM pg_settings WHERE name = 'min_parallel_table_scan_size'"
)
