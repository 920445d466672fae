"""The record's history: every fact (domain.events.Fact) kept as it happened, in an
append-only log written in the same transaction as the change.

The timeline is derived from it: live, each fact's entries are written with it; a rebuild
reads the facts back (`fact_from`) and asks the same fact for the same entries. So the
history holds what the entries describe and the record no longer shows (a name before it
changed, the fields a change touched and their values, stage from and to, each revision of
a note, a reply), and erasing a customer takes their personal words out of the facts too.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# Every module that defines facts, so that each kind is known to `fact_from`.
import domain.consent.erasure
import domain.consent.events
import domain.customers.events
import domain.customers.popup_notes
import domain.fundraising.events
import domain.mailings.events
import domain.sales.events  # noqa: F401
from domain.consent.erasure import scrub
from domain.events import Fact, as_json
from domain.timeline import TimelineEntry


@dataclass(frozen=True)
class WrittenBeforeHistory(Fact):
    """An entry written before the record kept its history (filled in by the migration
    that began it): no row says more of what happened than the entry does, so the entry
    as written is the fact."""

    entry: TimelineEntry

    def timeline_entries(self) -> list[TimelineEntry]:
        return [self.entry]


def facts_of(fact: Fact) -> dict[str, Any]:
    """The fact as JSON: its fields by name (or what it says it keeps: Fact.kept)."""
    plain = fact.kept()
    if plain is None:
        plain = as_json(fact)
    assert isinstance(plain, dict)
    return plain


def fact_from(kind: str, facts: dict[str, Any]) -> Fact:
    """The fact kept as `kind` with `facts`, as it was recorded (not one that keeps only
    part of itself: its own rows give the rest)."""
    built = _typed(Fact.KINDS[kind], facts)
    assert isinstance(built, Fact)
    return built


def erased(kind: str, facts: dict[str, Any], words: Iterable[str], customer_id: int) -> Fact | None:
    """The fact kept as `kind` with `facts` once `customer_id` is erased: their personal
    words taken out of every text it holds, and whatever else of their record it kept
    (Fact.forgetting). None for a fact whose own rows keep it: its ids name no one."""
    known = Fact.KINDS[kind]
    if known.FROM_ROWS:
        return None
    return fact_from(kind, _scrubbed(known, facts, list(words))).forgetting(customer_id)


def former_words(facts: Iterable[Fact], customer_id: int) -> set[str]:
    """What identified the customer in the history and may not on the record now."""
    return {word for fact in facts for word in fact.former_words(customer_id)}


# Fields that hold codes, never a person's words: a tag or a name that happens to read
# "web" or "order" must not turn a consent's source or a subject's type into "[erased]".
_CODES = frozenset({"currency", "source", "type", "reply", "outcome", "expires"})


def _scrubbed(hint: Any, value: Any, words: list[str]) -> Any:
    """`value` (JSON of the type `hint` names) with `words` taken out of its texts: of
    free text only, not of codes, enums, moments or ids."""
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _scrubbed(next(a for a in args if a is not type(None)), value, words)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return [_scrubbed(args[0], v, words) for v in value]
        return [_scrubbed(a, v, words) for a, v in zip(args, value, strict=True)]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return {
            k: v if k in _CODES or k not in hints else _scrubbed(hints[k], v, words)
            for k, v in value.items()
        }
    if hint is str or hint is Any or origin is dict:
        return _texts_scrubbed(value, words)
    return value


def _texts_scrubbed(value: Any, words: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, words)
    if isinstance(value, dict):
        return {k: _texts_scrubbed(v, words) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts_scrubbed(v, words) for v in value]
    return value


def _typed(hint: Any, value: Any) -> Any:
    """`value` read back from JSON as the type `hint` names."""
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _typed(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(args[0], v) for v in value)
        return tuple(_typed(a, v) for a, v in zip(args, value, strict=True))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        named = {f.name for f in dataclasses.fields(hint)}
        return hint(**{k: _typed(hints[k], v) for k, v in value.items() if k in named})
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    return value
