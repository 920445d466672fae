"""The assembled schema: every area's queries and mutations, with limits and masking."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from resolvers import nodes
from schema.access_log import NameOperation
from schema.accounts import AccountMutation, AccountQuery
from schema.consent.mutations import ConsentMutation
from schema.consent.queries import ConsentQuery
from schema.consent.sharing import SharingMutation
from schema.customers.mutations import CustomerMutation
from schema.customers.notes import PopUpNoteMutation
from schema.customers.queries import CustomerQuery
from schema.customers.types import (
    Individual,
    Organisation,
)
from schema.documents import ParsedOnce
from schema.errors import read
from schema.execution import PlainFieldsExecution, call_plain_resolvers_directly, know_exact_types
from schema.extension_stages import runner_for
from schema.fundraising.mutations import FundraisingMutation
from schema.fundraising.queries import FundraisingQuery
from schema.fundraising.reminders import ReminderQuery
from schema.jobs import JobMutation, JobQuery
from schema.limits import Limits, Measurer, QueryLimits, Validator, cached_measure, cached_validator
from schema.mailings.mutations import MailingMutation
from schema.mailings.queries import MailingQuery
from schema.masking import MaskUnexpectedErrors
from schema.moments import MOMENT
from schema.node import Node
from schema.permissions import check_reads_by_type, requires
from schema.presenters import present
from schema.sales.money import MINOR_UNITS, MinorUnits
from schema.sales.mutations import SalesMutation
from schema.sales.queries import SalesQuery
from schema.segments.mutations import SegmentMutation
from schema.segments.queries import SegmentQuery
from schema.text_guard import UnacceptableTextGuard

REFUSALS = (
    " A caller without credentials, or without a role a field (or one of its arguments)"
    " needs, gets a top-level GraphQL error with `extensions.code` `UNAUTHENTICATED` or"
    " `PERMISSION_DENIED` and that field's data null, for queries and mutations alike;"
    " nothing is written."
)


@strawberry.type(description="Everything Foyer can tell you." + REFUSALS)
class Query(
    CustomerQuery,
    SalesQuery,
    FundraisingQuery,
    ReminderQuery,
    JobQuery,
    AccountQuery,
    ConsentQuery,
    SegmentQuery,
    MailingQuery,
):
    @strawberry.field(
        description="Any object by its global id; null when there is none (in your organisation).",
        extensions=requires(),
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The object's global id.")],
    ) -> Node | None:
        found = await read(nodes.node(info.context, id))
        if found is None:
            return None
        return await present(*found, info)  # type: ignore[no-any-return]


@strawberry.type(
    description="Everything Foyer can change. Send an `Idempotency-Key` header (1 to 200"
    " characters) to make any mutation safe to retry: the same key with the same request"
    " (same caller, query, variables and operation name) replays the first answer for 24 hours"
    " (header `Idempotent-Replayed: true`); the same key with a different request, or while"
    " the first is still running, is refused with HTTP 409 and a top-level GraphQL error"
    " `CONFLICT` naming the key. Keys belong to the organisation. An answer that was"
    " `SERVICE_UNAVAILABLE` is not kept, so its retry runs. What the caller can fix in the"
    " input comes in the payload's `errors`, with nothing written." + REFUSALS
)
class Mutation(
    CustomerMutation,
    PopUpNoteMutation,
    SalesMutation,
    FundraisingMutation,
    JobMutation,
    AccountMutation,
    ConsentMutation,
    SharingMutation,
    SegmentMutation,
    MailingMutation,
):
    pass


class FoyerSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return runner_for(execution_context, extensions)

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Expected errors are the caller's and not logged; unexpected ones are logged,
        with their correlation id, where they are masked (schema/masking.py)."""


def build_schema(limits: Limits) -> FoyerSchema:
    # Built once with the schema: its validation results are shared by every request.
    validator: Validator | None = None
    measured: Measurer | None = None

    def query_limits() -> QueryLimits:
        assert validator is not None and measured is not None
        return QueryLimits(limits, validator, measured)

    schema = FoyerSchema(
        query=Query,
        mutation=Mutation,
        types=[Individual, Organisation],
        config=StrawberryConfig(
            auto_camel_case=True, scalar_map={datetime: MOMENT, MinorUnits: MINOR_UNITS}
        ),
        execution_context_class=PlainFieldsExecution,
        # Factories, not instances: each request gets fresh extensions, so per-request state
        # (the query's cost) is never shared between concurrent requests.
        extensions=[
            ParsedOnce,
            query_limits,
            UnacceptableTextGuard,
            NameOperation,
            MaskUnexpectedErrors,
        ],
    )
    validator = cached_validator(schema._schema, limits.validation_budget)
    measured = cached_measure(schema._schema)
    call_plain_resolvers_directly(schema)
    check_reads_by_type(schema._schema)
    know_exact_types(schema)
    return schema
