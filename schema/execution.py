"""Plain fields without the machinery: a leaf field that only reads an attribute is
answered in place.

A page of 100 customers with their emails and addresses is about a thousand fields, most of
them plain attributes (`reference`, `address`, `line1`…) of objects a planned read already
built. graphql-core gives each one a resolve-info object, a resolver call through
strawberry's wrapper, an awaitable check and a completion step; that is most of such a
request's time, more than its one SQL statement. For a field that strawberry itself marks
as a plain attribute read (no resolver, no extension, no argument) of a scalar or enum type,
this executor reads the attribute and coerces it at once. Anything else, and any value it
cannot coerce (a null where none is allowed, a bad value), takes graphql-core's own path,
which answers exactly as before, errors included.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# What a field is, worked out once per field of the schema: how to coerce its value and
# whether it may be null, or None when it is not a plain leaf.
_Leaf = tuple[Any, bool] | None
_leaves: dict[int, tuple[GraphQLField, _Leaf]] = {}


def _plain_leaf(field: GraphQLField) -> _Leaf:
    known = _leaves.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    leaf: _Leaf = None
    resolve = field.resolve
    kind = field.type
    nullable = not isinstance(kind, GraphQLNonNull)
    named = kind if nullable else kind.of_type  # type: ignore[union-attr]
    is_leaf = isinstance(named, GraphQLScalarType | GraphQLEnumType)
    plain = resolve is not None and getattr(resolve, "_is_default", False)
    if plain and is_leaf and not field.args:
        leaf = (named.coerce_output_value, nullable)  # type: ignore[union-attr]
    _leaves[id(field)] = (field, leaf)
    return leaf


class PlainFieldsExecution(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry always passes a middleware manager; one without middleware wraps no
        # resolver, so the plain path skips nothing (a schema extension with `resolve`
        # would, and then every field takes graphql-core's path).
        manager = self.middleware_manager
        self._plain = manager is None or not manager.middlewares

    def execute_field(  # type: ignore[override]
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field = parent_type.fields.get(node.name.value)
        if self._plain and field is not None and not node.arguments:
            leaf = _plain_leaf(field)
            if leaf is not None:
                value = field.resolve(source, None)  # type: ignore[misc]
                if value is None:
                    if leaf[1]:
                        return None
                elif not isinstance(value, Exception):
                    coerced = _coerced(leaf[0], value)
                    if coerced is not None and coerced is not Undefined:
                        return coerced
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


def _coerced(coerce: Any, value: Any) -> Any:
    """The coerced value, or None where graphql-core must say what is wrong with it."""
    try:
        return coerce(value)
    except Exception:
        return None


def call_plain_resolvers_directly(schema: Any) -> None:
    """Give each field whose resolver needs nothing of strawberry's wrapper (no argument,
    no field extension such as a permission check, no exception handler) a resolver that
    calls it straight away: `Opportunity.stage`, `Customer.emails`, `Node.id`…

    Strawberry's own resolver converts arguments, works out by reflection which of
    `self`, `info` and `root` the method takes, and chains field extensions, for every
    value of every such field; for these there is nothing to convert or chain, so the
    answer is the method's, with the same Info. Fields with extensions keep strawberry's
    path, so every role check still runs."""
    converter = schema.schema_converter
    if getattr(converter, "_exception_handler_specs", None):
        return
    info_class = schema.config.info_class
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            direct = _direct_resolver(field, info_class)
            if direct is not None:
                field.resolve = direct


def _direct_resolver(field: GraphQLField, info_class: Any) -> Any:
    definition = (field.extensions or {}).get("strawberry-definition")
    resolver = getattr(definition, "base_resolver", None)
    if resolver is None or definition.extensions or definition.arguments or field.args:
        return None
    if resolver.parent_parameter or resolver.root_parameter or resolver.self_parameter is None:
        return None
    method = resolver.wrapped_func
    if resolver.info_parameter is None:
        return lambda source, _info: method(source)
    name = resolver.info_parameter.name

    def resolve(source: Any, info: Any) -> Any:
        return method(source, **{name: info_class(_raw_info=info, _field=definition)})

    return resolve
