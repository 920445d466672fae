"""Plain fields answered in place answer exactly as graphql-core's own path would."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from schema.execution import PlainFieldsExecution, call_plain_resolvers_directly


@strawberry.enum
class Colour(enum.Enum):
    PINK = "PINK"


class Refuse(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        raise PermissionError("refused")


@strawberry.type
class Thing:
    name: str
    colour: Colour
    missing: str  # given None below: a null where none is allowed

    @strawberry.field
    def shout(self, info: Info) -> str:
        return f"{self.name.upper()} in {info.field_name}"

    @strawberry.field(extensions=[Refuse()])
    def guarded(self) -> str:
        return "never"


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> Thing:
        return Thing(name="dora", colour=Colour.PINK, missing=None)  # type: ignore[arg-type]


def schema() -> strawberry.Schema:
    built = strawberry.Schema(query=Query, execution_context_class=PlainFieldsExecution)
    call_plain_resolvers_directly(built)
    return built


def test_plain_fields_and_direct_resolvers_answer_as_graphql_core_does() -> None:
    result = schema().execute_sync("{ thing { name colour shout } }")
    assert result.errors is None
    assert result.data == {"thing": {"name": "dora", "colour": "PINK", "shout": "DORA in shout"}}


def test_a_null_where_none_is_allowed_is_still_graphql_cores_error() -> None:
    result = schema().execute_sync("{ thing { name missing } }")
    assert result.data is None
    assert result.errors and "Cannot return null for non-nullable field" in str(result.errors[0])


def test_a_field_with_an_extension_still_runs_it() -> None:
    result = schema().execute_sync("{ thing { guarded } }")
    assert result.errors and "refused" in str(result.errors[0])
