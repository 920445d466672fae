"""The days Foyer plans and reports over: 1 January 1900 to 31 December 2199.

A date a user sends for planning or looking back (a criterion's period, a pledge's due
dates, an activity's due date, the year of the audience measures) must fall within them:
wide enough for any real history or plan, and far enough from the end of the calendar
(9999) that the day after, the next instalment or the year after is still a date. Without
this, `9999-12-31` got past validation and failed the reads that added a day to it.
"""

from __future__ import annotations

from datetime import date

from domain.errors import ProblemCollector

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def check_day(problems: ProblemCollector, field: tuple[str, ...], day: date | None) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        problems.add(field, f"Must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}.")


def check_year(problems: ProblemCollector, field: tuple[str, ...], year: int) -> None:
    if not EARLIEST.year <= year <= LATEST.year:
        problems.add(field, f"Must be between {EARLIEST.year} and {LATEST.year}.")
