"""Unexpected errors reach clients as "Unexpected error" with a correlation id that the log
carries too, so support can find the traceback without the client seeing internals. An
unreachable database is not unexpected: it is SERVICE_UNAVAILABLE, logged once per outage
(resolvers/availability.py), not a traceback per request."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import AccessRefused
from resolvers.availability import SERVICE_UNAVAILABLE, outage_reason, unavailable_message
from resolvers.read_modes import SnapshotNeeded
from schema.errors import refusal_error

log = logging.getLogger("foyer.api")


def _is_unexpected(error: GraphQLError) -> bool:
    # Errors without an original are the GraphQL layer's own (syntax, validation): the
    # client's to fix. Ours carry a code. Everything else is a refused caller (given its code
    # here, wherever the refusal was raised), a bug or an outage.
    original = error.original_error
    return not (original is None or isinstance(original, GraphQLError))


class MaskUnexpectedErrors(SchemaExtension):
    """What strawberry's MaskErrors does for a result that is not streamed (Foyer streams
    none), without its check of the result against a runtime protocol on every request."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [  # type: ignore[union-attr]
                self.anonymise_error(e) if _is_unexpected(e) else e for e in errors
            ]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if isinstance(error.original_error, SnapshotNeeded):
            return error  # the answer is thrown away: the operation runs again
        if isinstance(error.original_error, AccessRefused):
            return refusal_error(error.original_error, error)
        services = self.execution_context.context.services
        if error.original_error and outage_reason(services, error.original_error):
            return GraphQLError(
                unavailable_message(services),
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={"code": SERVICE_UNAVAILABLE},
            )
        correlation_id = uuid.uuid4().hex[:12]
        log.error(
            "Unexpected error %s at %s", correlation_id, error.path, exc_info=error.original_error
        )
        return GraphQLError(
            f"Unexpected error (correlation id {correlation_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "correlationId": correlation_id},
        )
