"""Mailing queries. INSIGHTS, on every path (`mailing`, `mailings`, `node`, the timeline)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.roles import MAILING_READER
from resolvers import mailings as reads
from resolvers.global_ids import parse_global_id, pk_of
from schema.customers.inputs import customer_pk
from schema.errors import read
from schema.mailings.types import Mailing, MailingPreview
from schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.permissions import requires

INSIGHTS = requires(MAILING_READER)


def mailing_pk(global_id: strawberry.ID, field: str) -> int:
    return pk_of(global_id, ("Mailing",), "Mailing", (field,))


@strawberry.type
class MailingQuery:
    @strawberry.field(
        description="A mailing by id; null when there is none in your organisation. INSIGHTS.",
        extensions=INSIGHTS,
    )
    async def mailing(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The mailing's id.")],
    ) -> Mailing | None:
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] != "Mailing":
            return None
        row = await reads.mailing_row(info.context, parsed[1])
        return Mailing.from_record(row) if row is not None else None

    @strawberry.field(
        description="The organisation's mailings, newest first. INSIGHTS.", extensions=INSIGHTS
    )
    async def mailings(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Mailing]:
        page = await read(reads.mailing_page(info.context, first, after))
        return Connection.of(page.rows, page.cursors, page.has_next_page, Mailing.from_record)

    @strawberry.field(
        description="The mailing rendered for one customer, as they would get it (its links "
        "are placeholders). A template that fails for this customer is BAD_USER_INPUT saying "
        "why. INSIGHTS.",
        extensions=INSIGHTS,
    )
    async def preview_mailing(
        self,
        info: Info,
        mailing_id: Annotated[strawberry.ID, strawberry.argument(description="The mailing.")],
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer.")],
    ) -> MailingPreview:
        async def work() -> MailingPreview:
            rendered, to = await reads.preview(
                info.context,
                mailing_pk(mailing_id, "mailingId"),
                customer_pk(customer_id, "customerId"),
            )
            return MailingPreview(
                to=to, subject=rendered.subject, html=rendered.html, text=rendered.text
            )

        return await read(work())

    @strawberry.field(
        description="How fast the organisation's mailings go, in messages per second (null: "
        "as fast as the mail server takes them). INSIGHTS.",
        extensions=INSIGHTS,
    )
    async def mail_messages_per_second(self, info: Info) -> int | None:
        return await reads.mail_pace(info.context)
