"""Organisations using Foyer (tenants): their names, slugs and currencies.

In code an organisation using Foyer is a *tenant*, so that "Organisation" always means the
customer kind.
"""

from __future__ import annotations

import re

from domain.errors import ProblemCollector
from domain.text import clean_text, fold

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def slug_for(name: str) -> str:
    return _NOT_SLUG.sub("-", fold(name)).strip("-")[:50] or "org"


def clean_tenant(name: str, currency: str) -> tuple[str, str]:
    problems = ProblemCollector()
    cleaned = clean_text(problems, ("name",), name, required=True)
    code = currency.strip().upper()
    if not _CURRENCY.match(code):
        problems.add(("currency",), f"{currency!r} is not an ISO 4217 currency code.")
    problems.raise_if_any()
    assert cleaned is not None
    return cleaned, code
