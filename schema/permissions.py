"""Who may call what: one permission per field or mutation, and one role per type that
needs one (domain.roles.READ_ROLES), never checks inside resolvers."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, default_field_resolver, get_named_type
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from domain.errors import NotAuthenticated, PermissionDenied
from domain.roles import READ_ROLES, Role


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


def check_reads_by_type(schema: GraphQLSchema) -> None:
    """Each field leading into a type of READ_ROLES (the type itself, a list or a page of
    it) from a type that needs another role, or none, checks the caller holds the type's
    role before its resolver runs: `Customer.opportunities`, `Query.opportunities`, a
    payload's `pledge`. The rule is written once per type, and checked once where a read
    enters the type: `Opportunity.stage` needs no check of its own, since no caller reaches
    an opportunity without the role, so a page's fields keep their plain path
    (schema/execution.py). `node` checks the same roles by the id's type
    (resolvers/nodes.py)."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        held = _role_of(named)
        for field in named.fields.values():
            needed = _role_of(field.type)
            if needed is not None and needed is not held:
                field.resolve = _checked(field.resolve or default_field_resolver, needed)


def _role_of(kind: Any) -> Role | None:
    """The role reading `kind` needs: its own, or that of what a connection or an edge of
    it holds."""
    named = get_named_type(kind)
    role = READ_ROLES.get(named.name)
    if role is None and isinstance(named, GraphQLObjectType):
        for holder, suffix in (("edges", "Connection"), ("node", "Edge")):
            if holder in named.fields and named.name.endswith(suffix):
                return _role_of(named.fields[holder].type)
    return role


def _checked(resolve: Any, role: Role) -> Any:
    check = RolesRequired(role)

    def resolve_checked(source: Any, info: Any, **arguments: Any) -> Any:
        check.has_permission(source, info)  # raises the refusal
        return resolve(source, info, **arguments)

    return resolve_checked
