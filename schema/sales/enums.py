"""Enums of sales in the API."""

from __future__ import annotations

import strawberry

from domain.sales.orders import Channel as DomainChannel
from domain.sales.orders import Involvement
from domain.sales.orders import ItemKind as DomainItemKind

Channel = strawberry.enum(DomainChannel, description="How an order was placed.")
ItemKind = strawberry.enum(DomainItemKind, description="What an order item is.")
OrderInvolvement = strawberry.enum(
    Involvement,
    description="How a customer is involved in an order: placed it (OWNER), is soft-credited, "
    "booked it on the owner's behalf (FACILITATOR), or is the organisation it was booked for.",
)
