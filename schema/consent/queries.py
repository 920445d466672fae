"""Consent queries: the preferences, the partner mode, and the questions to ask now."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.roles import Role
from resolvers import consent as consent_reads
from resolvers.global_ids import pk_of
from schema.consent.types import ConsentQuestion, ContactPreference, PartnerMode
from schema.customers.inputs import customer_pk
from schema.errors import read
from schema.permissions import requires


@strawberry.type
class ConsentQuery:
    @strawberry.field(
        description="The organisation's contact preferences, oldest first.", extensions=requires()
    )
    async def contact_preferences(
        self,
        info: Info,
        include_retired: Annotated[
            bool, strawberry.argument(description="Also return retired preferences.")
        ] = False,
    ) -> list[ContactPreference]:
        rows = await info.context.loaders.preferences.load(0)
        return [ContactPreference.from_record(r) for r in rows if include_retired or not r.retired]

    @strawberry.field(
        description="Whether partner companies share one preference or have one each.",
        extensions=requires(),
    )
    async def partner_mode(self, info: Info) -> PartnerMode:  # type: ignore[valid-type]
        return await consent_reads.partner_mode(info.context)

    @strawberry.field(
        description="The consent questions to ask this customer now, for a basket of event "
        "instances, in any purchase path. Needs SALES.",
        extensions=requires(Role.SALES),
    )
    async def consent_questions(
        self,
        info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer.")],
        event_instance_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="The basket's event instances (at most 200)."),
        ],
    ) -> list[ConsentQuestion]:
        async def work() -> list[ConsentQuestion]:
            pk = customer_pk(customer_id, "customerId")
            instances = [
                pk_of(i, ("EventInstance",), "Event instance", ("eventInstanceIds", str(n)))
                for n, i in enumerate(event_instance_ids)
            ]
            found = await consent_reads.questions(info.context, pk, instances)
            return [ConsentQuestion.from_domain(q) for q in found]

        return await read(work())
