"""The roles reading each type needs are named once (domain.roles.READ_ROLES) and every
way into such a type from outside it checks them."""

from __future__ import annotations

from graphql import GraphQLObjectType, get_named_type

from domain.roles import READ_ROLES
from infra.settings import Settings
from schema.build import build_schema
from schema.limits import Limits


def test_every_type_named_in_the_read_roles_is_in_the_schema() -> None:
    types = build_schema(Limits.of(Settings()))._schema.type_map
    assert set(READ_ROLES) <= set(types), set(READ_ROLES) - set(types)


def test_a_field_entering_a_restricted_type_checks_and_one_inside_it_does_not() -> None:
    schema = build_schema(Limits.of(Settings()))._schema
    entering = (
        ("Individual", "opportunities"),
        ("Query", "staffUsers"),
        ("Viewer", "openActivities"),
    )
    inside = ("Opportunity", "stage"), ("Opportunity", "owner"), ("Pledge", "instalments")
    checked = {
        (kind.name, name)
        for kind in schema.type_map.values()
        if isinstance(kind, GraphQLObjectType)
        for name, field in kind.fields.items()
        if getattr(field.resolve, "__name__", "") == "resolve_checked"
    }
    assert set(entering) <= checked
    assert not set(inside) & checked
    for kind, name in inside:  # they do lead into restricted types
        field = schema.type_map[kind].fields[name]  # type: ignore[union-attr]
        assert get_named_type(field.type).name in READ_ROLES
