"""The one rule for erased customers: in no listing, search, export or report.

An erased customer's row stays, anonymised ("Erased customer"), so that their orders,
gifts and pledges keep an owner and every opportunity and campaign total is unchanged
(domain/consent/erasure.py). What lists customers, or rows that stand for one (a
relationship, a household's members, a partner's buyers), ANDs in `not_erased`; the row
then appears nowhere a person could be found or handed on.

Reached by its own id it still answers: `node`, an order's owner, a pledge's or an
opportunity's customer. Those are the money history the erasure keeps on purpose, and
what they show is the anonymised shell, holding nothing personal; hiding it there would
leave gifts without a giver and break the totals' audit trail.

The erasure record is the one source of truth (no flag on the customer that could drift
from it); it is small and keyed by customer, so the check is one index probe a row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists
from sqlalchemy.sql.elements import ColumnElement

from infra.db import consent_tables as c


def not_erased(customer_id: Any) -> ColumnElement[bool]:
    """Whether the customer `customer_id` (a column or value) was not erased."""
    erasure = c.customer_erasure.c
    return ~exists().where(erasure.customer_id == customer_id)


def both_ends_kept(relationship: Any) -> ColumnElement[bool]:
    """A relationship (its table's columns) listed only while neither end was erased."""
    return and_(not_erased(relationship.from_customer_id), not_erased(relationship.to_customer_id))
