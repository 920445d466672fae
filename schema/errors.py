"""How errors reach clients, in one place.

The rule, for every field alike (query or mutation):
- who may not do it at all — no or unknown credentials (UNAUTHENTICATED), a role missing
  (PERMISSION_DENIED), raised as `domain.errors.AccessRefused` by a field's permission or
  deeper (an argument asking for more, a pink note, another's note) — is a top-level GraphQL
  error with `extensions.code` (and `extensions.field` when an argument asked for more), the
  field's data null and nothing written: `refusal_error`, applied to every field's errors by
  schema/masking.py. A client handles authentication and roles once, whatever it called.
- what the caller can fix in the input (`domain.errors.UserFacingError`): in a mutation, the
  payload's `errors: [UserError!]!` with nothing written (`payload`); in a query, a GraphQL
  error with the problem's code, `BAD_USER_INPUT` for VALIDATION (`read`).
- errors of the request as a whole (a query over the limits, a bad document) are GraphQL
  errors with `extensions.code`. An unreachable database is SERVICE_UNAVAILABLE in HTTP 503
  with Retry-After, decided in resolvers/availability.py and applied by schema/masking.py
  and schema/app.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from domain.errors import AccessRefused, Problem, ProblemCode, UserFacingError

UserErrorCode = strawberry.enum(
    Enum("UserErrorCode", {code.name: code.value for code in ProblemCode}),  # type: ignore[misc]
    description="What kind of problem a `UserError` reports: always one the caller can fix "
    "in the input. A caller without credentials or without a role the field needs is never "
    "told here but by a top-level GraphQL error with `extensions.code` `UNAUTHENTICATED` or "
    "`PERMISSION_DENIED`, for every query and mutation alike, with nothing written.",
)


ERRORS_DESCRIPTION = (
    "Problems with the input that the caller can fix; when any are returned nothing was "
    "changed. Missing credentials or roles are not here: they are top-level GraphQL errors "
    "(`UNAUTHENTICATED`, `PERMISSION_DENIED`)."
)


@strawberry.type(description="A problem with the input of a mutation that the caller can fix.")
class UserError:
    code: UserErrorCode = strawberry.field(description="The kind of problem.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="What is wrong, in words to show a person.")
    field: list[str] | None = strawberry.field(
        description='Path of the input field at fault (e.g. `["emails", "0", "address"]`);'
        " null when the problem is not with one field."
    )

    @classmethod
    def from_problem(cls, problem: Problem) -> UserError:
        return cls(
            code=UserErrorCode[problem.code.name],
            message=problem.message,
            field=list(problem.field) or None,
        )


class ApiError(GraphQLError):
    """A request-level error with a machine-readable code in `extensions.code`."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def refusal_error(refusal: AccessRefused, at: GraphQLError) -> GraphQLError:
    """The top-level error for a caller refused at the field `at` was raised on."""
    extensions: dict[str, Any] = {"code": refusal.code.value}
    if refusal.field:
        extensions["field"] = list(refusal.field)
    return GraphQLError(
        refusal.message,
        nodes=at.nodes,
        source=at.source,
        positions=at.positions,
        path=at.path,
        original_error=refusal,
        extensions=extensions,
    )


def api_error(error: UserFacingError) -> ApiError:
    """A domain error raised while reading (not mutating), as a GraphQL error. A GraphQL
    error has no field path of its own, so the message names the argument at fault."""
    code = error.problems[0].code if error.problems else ProblemCode.VALIDATION
    message = "; ".join(
        f"`{'.'.join(p.field)}`: {p.message}" if p.field else p.message for p in error.problems
    )
    return ApiError(
        message or str(error), "BAD_USER_INPUT" if code is ProblemCode.VALIDATION else code.value
    )


P = TypeVar("P")


def no_details(_: UserFacingError) -> dict[str, Any]:
    return {}


async def payload(
    build: Callable[..., P],
    work: Awaitable[dict[str, Any]],
    details: Callable[[UserFacingError], dict[str, Any]] = no_details,
) -> P:
    """Run a mutation's work and wrap its result, or its user errors, in the payload;
    `details` gives the payload's fields that say more about an error (a retry-after)."""
    try:
        return build(**await work, errors=[])
    except UserFacingError as error:
        return build(errors=[UserError.from_problem(p) for p in error.problems], **details(error))


async def read(work: Awaitable[P]) -> P:
    """Run a read; a user error (a bad cursor, too large a page) becomes a GraphQL error."""
    try:
        return await work
    except UserFacingError as error:
        raise api_error(error) from None


def payload_type(name: str, field: str, kind: Any, what: str) -> Any:
    """A payload type `name` holding `field` (of type `kind`, null on error) and `errors`:
    the shape of every mutation result that returns one object."""
    namespace = {
        "__annotations__": {field: kind | None, "errors": list[UserError]},
        field: strawberry.field(default=None, description=what),
        "errors": strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION),
    }
    return strawberry.type(
        type(name, (), namespace),
        description=f"Result of a mutation returning {what[0].lower()}{what[1:]}",
    )
