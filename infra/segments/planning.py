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
workers share one read and one hash. Only for these statements, and back to the value
before after each (in its transaction: `set_config(..., true)`), so that no other
statement's plan changes. Allowed for every statement (`ALTER TABLE ... SET
(parallel_workers)`), it took the benchmark's hand-written SQL from 3.3 s to over 9: a
parallel scan of every order item instead of index reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

from infra.db.snapshot import needs_transaction

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
    """Run the marked statements of the engine's PostgreSQL connections unprepared, with
    small tables open to parallel scans."""
    if engine.dialect.name != "postgresql":
        return  # SQLite plans every statement afresh, and has no parallel scans
    # `do_execute`, not before/after_cursor_execute: what it sends fails as the statement
    # would, inside SQLAlchemy's handling of driver errors (a lost connection is then
    # invalidated and reported as one), on every SQLAlchemy 2 release.
    event.listen(engine, "do_execute", _planned_each_run)


def _planned_each_run(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """Run a marked statement; False leaves any other to the dialect."""
    if not getattr(context.compiled, _MARK, False):
        return False
    # Its settings are local to its transaction: a request reading once has none.
    needs_transaction(context.root_connection)
    driver = context.root_connection.connection.driver_connection
    threshold = driver.prepare_threshold
    # None: psycopg neither prepares the statement nor uses a plan it prepared before.
    driver.prepare_threshold = None
    try:
        if context.execution_options.get("stream_results"):
            # A server-side cursor: PostgreSQL plans no parallel scan for one anyway.
            cursor.execute(statement, parameters)
            return True
        cursor.execute(_SMALL_TABLES_IN_PARALLEL)
        before = cursor.fetchone()[0]
        cursor.execute(statement, parameters)
        # A cursor of its own: the statement's holds its rows, not fetched yet.
        restoring = context.root_connection.connection.cursor()
        try:
            restoring.execute(_SMALL_TABLES_AS_BEFORE, (before,))
        finally:
            restoring.close()
    finally:
        driver.prepare_threshold = threshold
    return True


# The value in force before, read as it is set aside, so that whatever the transaction had
# set is what it has again. Local to the transaction: a statement PostgreSQL refuses takes
# the transaction and the setting with it; one that fails before it is sent leaves the
# setting to the transaction's end, which changes plans there, never answers. Neither
# statement goes through SQLAlchemy's events, so SQL logging and statement counts show
# neither: two round trips per criteria statement, against hundreds of milliseconds.
_SMALL_TABLES_IN_PARALLEL = (
    "SELECT current_setting('min_parallel_table_scan_size'),"
    " set_config('min_parallel_table_scan_size', '0', true)"
)
_SMALL_TABLES_AS_BEFORE = "SELECT set_config('min_parallel_table_scan_size', %s, true)"
