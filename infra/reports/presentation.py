"""How a report's typed cells read as text in the PDF."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.money import Money, format_money


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return format_money(value)
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def period_text(starts_on: date, ends_on: date) -> str:
    return f"{as_text(starts_on)} to {as_text(ends_on)}"
