"""Who may call what: one permission per field or mutation, never checks inside resolvers."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from domain.errors import NotAuthenticated, PermissionDenied
from domain.roles import Role


class RolesRequired(BasePermission):
    """The caller must be authenticated and, when roles are named, hold one of them; the
    refusals reach the client as every refusal does (schema/errors.py)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        if context.actor is None:
            raise NotAuthenticated(
                context.credentials_problem
                or "Authentication required: send "
                "`Authorization: Bearer <session token or API key>`."
            )
        if self.roles and not any(context.actor.has(role) for role in self.roles):
            names = " or ".join(r.value for r in self.roles)
            raise PermissionDenied(f"This needs the {names} role.")
        return True


def requires(*roles: Role) -> list[FieldExtension]:
    """Field extensions that admit only authenticated callers holding one of `roles`."""
    return [PermissionExtension(permissions=[RolesRequired(*roles)], use_directives=False)]


CUSTOMER_EDITORS = (Role.SALES, Role.OPPORTUNITIES)
