"""The assembled schema: every area's queries and mutations, with limits and masking."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from resolvers import nodes
from schema.accounts import AccountMutation, AccountQuery
from schema.customers.mutations import CustomerMutation
from schema.customers.queries import CustomerQuery
from schema.customers.types import (
    Household,
    Individual,
    Node,
    Organisation,
    Relationship,
    RelationshipType,
    customer_from_record,
)
from schema.jobs import Job, JobMutation, JobQuery
from schema.limits import QueryCost
from schema.masking import MaskUnexpectedErrors
from schema.permissions import requires

_PRESENTERS: dict[str, Any] = {
    "Individual": customer_from_record,
    "Organisation": customer_from_record,
    "Household": Household.from_record,
    "RelationshipType": RelationshipType.from_record,
    "Relationship": Relationship.from_record,
    "Job": Job.from_record,
}


@strawberry.type(description="Everything Foyer can tell you.")
class Query(CustomerQuery, JobQuery, AccountQuery):
    @strawberry.field(
        description="Any object by its global id; null when there is none (in your organisation).",
        extensions=requires(),
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The object's global id.")],
    ) -> Node | None:
        found = await nodes.node(info.context, id)
        if found is None:
            return None
        type_name, row = found
        return _PRESENTERS[type_name](row)  # type: ignore[no-any-return]


@strawberry.type(description="Everything Foyer can change.")
class Mutation(CustomerMutation, JobMutation, AccountMutation):
    pass


class FoyerSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Expected errors are the caller's and not logged; unexpected ones are logged,
        with their correlation id, where they are masked (schema/masking.py)."""


def build_schema(max_depth: int, max_tokens: int, max_aliases: int, max_cost: int) -> FoyerSchema:
    return FoyerSchema(
        query=Query,
        mutation=Mutation,
        types=[Individual, Organisation],
        config=StrawberryConfig(auto_camel_case=True),
        # Factories, not instances: each request gets fresh extensions, so per-request state
        # (the query's cost) is never shared between concurrent requests.
        extensions=[
            lambda: ParserCache(maxsize=256),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: ValidationCache(maxsize=256),
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
            lambda: QueryCost(max_cost),
            MaskUnexpectedErrors,
        ],
    )
