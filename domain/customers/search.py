"""How customers are found: the terms a record is indexed under and how a query matches them.

A record is indexed under the folded words of its name, its emails, the digits of its phones,
its postcodes without spaces and its reference. A query matches when every word is the
prefix of one of a record's terms, or when the whole query, spaces and punctuation removed,
is (so "SW1A 1AA", "020 7946 0000" and "C-104233" work as typed).

Each term is also stored under its prefixes of up to SHORT_PREFIX characters, so a word that
short is found by equality, in listing order, a page at a time, however many records start
with it ("smi" at a million customers); a longer word is found through its first
SHORT_PREFIX characters, in the same order, and then checked against the terms themselves.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from domain.customers.customer import Customer, CustomerKind
from domain.text import fold, search_text

_WORD_SPLIT = re.compile(r"[\s,]+")
_COMPACT_DROP = re.compile(r"[\s\-().+/,]+")
# Prefixes shorter than this match too much to be useful and cost a scan.
MIN_TERM_LENGTH = 1
MAX_QUERY_WORDS = 5
SHORT_PREFIX = 8


def compact(text: str) -> str:
    return _COMPACT_DROP.sub("", fold(text))


def terms_for(customer: Customer) -> set[str]:
    names = [customer.first_name, customer.last_name] if customer.is_individual else [customer.name]
    terms = {w for n in names if n for w in _WORD_SPLIT.split(fold(n).replace("-", " ")) if w}
    terms.update(fold(e.address) for e in customer.emails)
    terms.update(p.digits for p in customer.phones if p.digits)
    terms.update(compact(a.postcode) for a in customer.addresses if a.postcode)
    if customer.reference:
        terms.add(compact(customer.reference))
        terms.add(customer.reference.removeprefix("C-"))
    return {t for t in terms if t}


def indexed_terms(customer: Customer) -> set[str]:
    """What a record is stored under: its terms and their prefixes up to SHORT_PREFIX."""
    terms = terms_for(customer)
    return terms | {t[:n] for t in terms for n in range(1, min(len(t), SHORT_PREFIX) + 1)}


def is_short(word: str) -> bool:
    """Whether `word` is stored as it is (a term or a prefix), so equality finds it."""
    return len(word) <= SHORT_PREFIX


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search: every `words` entry must prefix a term, or `whole` must."""

    words: tuple[str, ...]
    whole: str | None

    @classmethod
    def parse(cls, text: str) -> SearchQuery | None:
        folded = fold(text).strip()
        if not folded:
            return None
        if "@" in folded:
            return cls(words=(folded.replace(" ", ""),), whole=None)
        words = tuple(w for w in _WORD_SPLIT.split(folded.replace("-", " ")) if w)
        whole: str | None = compact(folded)
        if not whole or (len(words) == 1 and words[0] == whole):
            whole = None
        return cls(words=words[:MAX_QUERY_WORDS], whole=whole)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`, so a prefix
    match is a plain index range `prefix <= term < bound` on any database."""
    last = ord(prefix[-1])
    if last == sys.maxunicode:
        # Nothing follows the last code point: the bound is the shorter prefix's.
        return prefix_upper_bound(prefix[:-1]) if len(prefix) > 1 else chr(sys.maxunicode)
    # A surrogate is no character a database can hold; the next character is past them.
    following = 0xE000 if 0xD7FF <= last < 0xE000 else last + 1
    return prefix[:-1] + chr(following)


@dataclass(frozen=True)
class CustomerCriteria:
    """What a customer list or export is restricted to."""

    search: str | None = None
    kind: CustomerKind | None = None
    tags: tuple[str, ...] = ()
    has_email: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    include_inactive: bool = False

    def __post_init__(self) -> None:
        # Terms and tags only select, so nothing in them is refused; they are cleaned as
        # stored text is, to match it and never to fail in the database.
        object.__setattr__(self, "search", search_text(self.search) if self.search else None)
        object.__setattr__(self, "tags", tuple(t for t in map(search_text, self.tags) if t))

    def to_parameters(self) -> dict[str, Any]:
        """Plain values, for a job's stored parameters."""
        plain = asdict(self)
        plain["kind"] = self.kind.value if self.kind else None
        plain["tags"] = list(self.tags)
        for key in ("created_after", "created_before"):
            plain[key] = plain[key].isoformat() if plain[key] else None
        return plain

    @classmethod
    def from_parameters(cls, plain: dict[str, Any]) -> CustomerCriteria:
        def moment(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            search=plain.get("search"),
            kind=CustomerKind(plain["kind"]) if plain.get("kind") else None,
            tags=tuple(plain.get("tags") or ()),
            has_email=plain.get("has_email"),
            created_after=moment(plain.get("created_after")),
            created_before=moment(plain.get("created_before")),
            include_inactive=bool(plain.get("include_inactive")),
        )
