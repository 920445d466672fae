"""Field values without a coroutine when the request already holds them.

A planned read (resolvers/customers.py, resolvers/fundraising.py) hands its rows to the
dataloaders before the fields resolve. A field that still awaited the loader would cost an
asyncio task each (50 opportunities of eight such fields: 400 tasks, most of a dashboard's
time); resolved through `loaded`, it returns the value at once, and awaits only what is not
there yet. GraphQL accepts either from a resolver.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

V = TypeVar("V")
R = TypeVar("R")


def loaded(loader: DataLoader[Any, V], key: Any, convert: Callable[[V], R]) -> R | Awaitable[R]:
    """`convert` of what `loader` gives for `key`: now when it has it, else later."""
    found = loader.cache_map.get(key) if loader.cache else None
    if found is not None and found.done() and not found.cancelled() and not found.exception():
        return convert(found.result())
    return _later(loader, key, convert)


async def _later(loader: DataLoader[Any, V], key: Any, convert: Callable[[V], R]) -> R:
    return convert(await loader.load(key))


def with_currency(info: Any, convert: Callable[[str], R]) -> R | Awaitable[R]:
    """`convert` of the organisation's currency: now when the caller brought it."""
    known = info.context.known_currency
    if known is not None:
        return convert(known)
    return _currency_later(info, convert)


async def _currency_later(info: Any, convert: Callable[[str], R]) -> R:
    return convert(await info.context.currency())
