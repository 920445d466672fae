"""Which segments and customer lists a caller may send a mailing to, and their members.

A segment is its owner's until an insights admin shares it (issue 13): a mailing to one the
caller cannot see is refused exactly as one of another organisation is. Lists belong to
the organisation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, literal, or_, select

from domain.actors import Actor
from infra.db import insights_tables as i
from infra.segments.members import members_select

__all__ = ["audience_visible", "members_select"]


def audience_visible(
    actor: Actor, *, segment_id: int | None = None, list_id: int | None = None
) -> Any:
    """One row when the segment (or list) is the actor's organisation's and theirs to use."""
    if segment_id is not None:
        s = i.segment.c
        own = and_(s.owner_kind == actor.kind.value, s.owner_id == actor.id)
        return select(literal(1)).where(
            s.id == segment_id, s.tenant_id == actor.tenant_id, or_(s.shared, own)
        )
    x = i.customer_list.c
    return select(literal(1)).where(x.id == list_id, x.tenant_id == actor.tenant_id)
