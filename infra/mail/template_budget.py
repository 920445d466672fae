"""The budget of one template render, and the checks that keep every value within it.

Every way a template can make work or text is charged here (`made`): operators, calls,
filters, each loop item and each value written, by the size of what they take and make,
and refused past `OPERATION_BUDGET` or `TIME_BUDGET`. What could allocate a gigabyte in one
step (repetition, powers, joins, replacements) is refused before it runs: a check after it
would come too late.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

VALUE_LIMIT = 100_000  # characters (or items) of any value a template makes
INTEGER_BITS = 10_000  # bits of any integer a template makes
RANGE_LIMIT = 1_000  # items of a `range()`
OPERATION_BUDGET = 50_000  # units of work per render: 1 per step, plus 1 per 10 characters
TIME_BUDGET = 1.0  # seconds per render, whatever the machine's load


class TemplateRefused(Exception):
    """A template the sandbox will not render: not valid, unsafe, or over its budget.

    A failure of the input, the same on every attempt: never worth retrying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Budget:
    def __init__(self) -> None:
        self.left = OPERATION_BUDGET
        self.deadline = time.monotonic() + TIME_BUDGET

    def charge(self, size: int) -> None:
        self.left -= 1 + size // 10
        if self.left < 0:
            raise TemplateRefused("it does too much work for one email")
        if time.monotonic() > self.deadline:
            raise TemplateRefused(f"it takes longer than {TIME_BUDGET:g} s to render")


# The budget of the render running in this thread; None while compiling.
_budget: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def size_of(value: Any) -> int:
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 4
    return 0


def made(value: Any, taken: int = 0) -> Any:
    """Check and charge a value the template made, from arguments of size `taken`."""
    size = size_of(value)
    if size > VALUE_LIMIT or (isinstance(value, int) and value.bit_length() > INTEGER_BITS):
        raise TemplateRefused(f"it makes a value larger than {VALUE_LIMIT:,} characters")
    budget = _budget.get()
    if budget is not None:
        budget.charge(size + taken)
    return value


def refuse_if_huge(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, an operation whose result would be over the limits."""
    integers = isinstance(left, int) and isinstance(right, int)
    if operator == "*" and not integers:
        for sequence, times in ((left, right), (right, left)):
            if isinstance(times, int) and size_of(sequence) * times > VALUE_LIMIT:
                raise TemplateRefused(f"it repeats a value past {VALUE_LIMIT:,} characters")
    if operator == "*" and integers and left.bit_length() + right.bit_length() > INTEGER_BITS:
        raise TemplateRefused("it multiplies numbers too large for an email")
    if operator == "**" and integers and abs(left) > 1 and right * left.bit_length() > INTEGER_BITS:
        raise TemplateRefused("it raises a number to too high a power")
    if operator == "%" and isinstance(left, str):
        raise TemplateRefused("`%` formatting of text is not available in templates")


def bounded_range(*bounds: int) -> range:
    numbers = range(*bounds)
    if len(numbers) > RANGE_LIMIT:
        raise TemplateRefused(f"`range()` goes up to {RANGE_LIMIT:,} items in templates")
    return numbers


def checked_join(items: Iterable[Any], separator: str = "", attribute: Any = None) -> str:
    parts = [str(item if attribute is None else item[attribute]) for item in items]
    if sum(map(len, parts)) + len(separator) * len(parts) > VALUE_LIMIT:
        raise TemplateRefused(f"it joins text past {VALUE_LIMIT:,} characters")
    return separator.join(parts)


def checked_replace(text: Any, old: str, new: str, count: int | None = None) -> str:
    value = str(text)
    times = value.count(old) if count is None else min(count, value.count(old))
    if len(value) + times * (len(new) - len(old)) > VALUE_LIMIT:
        raise TemplateRefused(f"it replaces text past {VALUE_LIMIT:,} characters")
    return value.replace(old, new, -1 if count is None else count)


def checked_sum(items: Iterable[Any], attribute: Any = None, start: int | float = 0) -> int | float:
    numbers = [item if attribute is None else item[attribute] for item in items]
    if not all(isinstance(n, int | float) for n in numbers):
        raise TemplateRefused("`sum` adds up numbers only in templates")
    return sum(numbers, start)


@contextmanager
def budgeted() -> Iterator[None]:
    """Charge what templates do in this thread (and its context) to a fresh budget."""
    token = _budget.set(_Budget())
    try:
        yield
    finally:
        _budget.reset(token)
