"""Queries over customers: one by id, a searched and filtered list, relationship types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.customers.customer import CustomerKind as DomainCustomerKind
from domain.customers.search import CustomerCriteria
from resolvers import customers as customer_reads
from resolvers.relationship_types import all_relationship_types
from schema.customers.types import (
    Customer,
    RelationshipType,
    planned_customer,
)
from schema.errors import read
from schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.permissions import requires
from schema.selection import selected_names

CustomerKind = strawberry.enum(DomainCustomerKind, description="Individual or Organisation.")


@strawberry.input(description="Restricts a customer list; every condition given must hold.")
class CustomerFilter:
    kind: CustomerKind | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only Individuals or only Organisations."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Only customers with every one of these tags."
    )
    has_email: bool | None = strawberry.field(
        default=None, description="Only customers with (true) or without (false) an email."
    )
    created_after: datetime | None = strawberry.field(
        default=None, description="Only records created at or after this moment."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Only records created before this moment."
    )


SEARCH_DESCRIPTION = (
    "Name prefix (case- and accent-insensitive: `jose` finds José), email, phone, postcode "
    "or reference (`C-104233`). Every word must match."
)


def criteria_from(
    search: str | None, filter: CustomerFilter | None, include_inactive: bool
) -> CustomerCriteria:
    given = filter or CustomerFilter()
    return CustomerCriteria(
        search=search,
        kind=DomainCustomerKind(given.kind.value) if given.kind else None,
        tags=tuple(given.tags or ()),
        has_email=given.has_email,
        created_after=given.created_after,
        created_before=given.created_before,
        include_inactive=include_inactive,
    )


@strawberry.type
class CustomerQuery:
    @strawberry.field(
        description="A customer by id; null when there is none (in your organisation).",
        extensions=requires(),
    )
    async def customer(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Its global id.")],
    ) -> Customer | None:
        record = await customer_reads.customer_record_by_global_id(
            info.context, id, selected_names(info)
        )
        return planned_customer(record) if record else None

    @strawberry.field(
        description="Customers in surname order, searched and filtered, a page at a time.",
        extensions=requires(),
    )
    async def customers(
        self,
        info: Info,
        search: Annotated[str | None, strawberry.argument(description=SEARCH_DESCRIPTION)] = None,
        filter: Annotated[
            CustomerFilter | None, strawberry.argument(description="Further conditions.")
        ] = None,
        include_inactive: Annotated[
            bool,
            strawberry.argument(description="Include inactive customers (needs OPPORTUNITIES)."),
        ] = False,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Customer]:
        criteria = criteria_from(search, filter, include_inactive)
        selected = selected_names(info, "edges", "node")
        page = await read(customer_reads.customers(info.context, criteria, first, after, selected))
        return Connection.of(page.rows, page.cursors, page.has_next_page, planned_customer)

    @strawberry.field(
        description="The organisation's relationship types, by name.", extensions=requires()
    )
    async def relationship_types(self, info: Info) -> list[RelationshipType]:
        rows = await all_relationship_types(info.context)
        return [RelationshipType.from_record(r) for r in rows]
