"""Logging in and out, and `viewer`: who is calling."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from domain.actors import ActorKind as DomainActorKind
from domain.errors import RateLimited, UserFacingError
from domain.roles import Role as DomainRole
from resolvers import accounts
from resolvers.fundraising import open_activities
from schema.errors import ERRORS_DESCRIPTION, UserError, payload
from schema.permissions import requires

if TYPE_CHECKING:
    from schema.fundraising.records import Activity

Role = strawberry.enum(DomainRole, description="A role: what a user or API key may do.")
ActorKind = strawberry.enum(
    Enum(
        "ActorKind",
        {
            k.name: k.value
            for k in DomainActorKind
            if k not in (DomainActorKind.SYSTEM, DomainActorKind.CUSTOMER)
        },
    ),  # type: ignore[misc]
    description="Whether the caller is a staff user or an API key.",
)


@strawberry.type(description="The arts organisation using Foyer; every record belongs to one.")
class Tenant:
    name: str = strawberry.field(description="Its name.")
    slug: str = strawberry.field(description="Short unique name, used by the `foyer` command.")
    currency: str = strawberry.field(description="ISO 4217 code of the currency it trades in.")


@strawberry.type(description="Who is calling.")
class Viewer:
    kind: ActorKind = strawberry.field(description="Staff user or API key.")  # type: ignore[valid-type]
    name: str = strawberry.field(description="The user's email, or the API key's name.")
    roles: list[Role] = strawberry.field(  # type: ignore[valid-type]
        description="Roles held, implied ones included."
    )
    organisation: Tenant = strawberry.field(description="The organisation the caller acts for.")

    @strawberry.field(
        description="The calling staff user's activities not yet done, soonest "
        "first (empty for an API key). OPPORTUNITIES."
    )
    async def open_activities(
        self, info: Info
    ) -> list[Annotated[Activity, strawberry.lazy("schema.fundraising.records")]]:
        from schema.fundraising.records import Activity

        return [Activity.from_record(r) for r in await open_activities(info.context)]


@strawberry.type(description="Result of `login`.")
class LoginPayload:
    token: str | None = strawberry.field(
        default=None, description="Session token: send it as `Authorization: Bearer <token>`."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the token expires."
    )
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="With a `RATE_LIMITED` error: seconds to wait before trying again (the "
        "password was not checked). Null otherwise.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


def _retry_after(error: UserFacingError) -> dict[str, object]:
    if isinstance(error, RateLimited):
        return {"retry_after_seconds": error.retry_after_seconds}
    return {}


@strawberry.type(description="Result of `logout`.")
class LogoutPayload:
    logged_out: bool = strawberry.field(
        default=False, description="True once the token is revoked."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class AccountQuery:
    @strawberry.field(
        description="Who is calling: user or API key, organisation and roles.",
        extensions=requires(),
    )
    async def viewer(self, info: Info) -> Viewer:
        actor = info.context.caller
        tenant = await accounts.viewer_tenant(info.context)
        return Viewer(
            kind=ActorKind[actor.kind.name],
            name=actor.label,
            roles=sorted(actor.roles, key=lambda r: r.value),
            organisation=Tenant(name=tenant.name, slug=tenant.slug, currency=tenant.currency),
        )


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Log a staff user in with email and password; returns a "
        "session token that expires and can be revoked with `logout`. An email and password "
        "that do not match are an `INVALID_CREDENTIALS` error in the payload (the caller of "
        "`login` needs no credentials, so this is not `UNAUTHENTICATED`). After too many failed "
        "log-ins for one email or from one address, answers `RATE_LIMITED` with "
        "`retryAfterSeconds` and does not check the password."
    )
    async def login(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="Email.")],
        password: Annotated[str, strawberry.argument(description="Password.")],
    ) -> LoginPayload:
        async def work() -> dict[str, object]:
            token, expires = await accounts.login(info.context, email, password)
            return {"token": token, "expires_at": expires}

        return await payload(LoginPayload, work(), _retry_after)

    @strawberry.mutation(
        description="Revoke the session token this request was sent with.", extensions=requires()
    )
    async def logout(self, info: Info) -> LogoutPayload:
        async def work() -> dict[str, object]:
            await accounts.logout(info.context)
            return {"logged_out": True}

        return await payload(LogoutPayload, work())
