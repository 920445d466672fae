"""Text rules shared by every record: trimming, length limits and accent folding."""

from __future__ import annotations

import unicodedata

from domain.errors import ProblemCollector

SHORT_TEXT_LIMIT = 200
LONG_TEXT_LIMIT = 2000


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents, so "José" and "jose" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 item`, `3 items`: a count with its noun in the right number."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def clean_text(
    problems: ProblemCollector,
    field: tuple[str, ...],
    value: str | None,
    *,
    required: bool = False,
    limit: int = SHORT_TEXT_LIMIT,
) -> str | None:
    """Trim `value` and check it is present when required and not longer than `limit`."""
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            problems.add(field, "Must not be blank.")
        return None
    if len(cleaned) > limit:
        problems.add(field, f"Must be at most {limit} characters (got {len(cleaned)}).")
        return None
    return cleaned
