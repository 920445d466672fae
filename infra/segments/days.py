"""Days in SQL: a date column plus a number of days held in another column (a scheme's grace
period), which the two databases spell differently, and the first moment of a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class plus_days(FunctionElement[Any]):
    """`day + days` as a date."""

    type = Date()
    inherit_cache = True
    name = "plus_days"

    def __init__(self, day: ColumnElement[Any], days: ColumnElement[Any]) -> None:
        super().__init__(day, days)


@compiles(plus_days, "postgresql")
def _plus_days_postgresql(element: plus_days, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + {compiler.process(days, **kw)})"


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element: plus_days, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '+' || {compiler.process(days, **kw)} || ' days')"


def start_of(day: date) -> datetime:
    """The first moment of `day`, UTC: periods of days compare moments against these."""
    return datetime.combine(day, time(), UTC)
