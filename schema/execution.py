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

from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

# What a field is, worked out once per field of the schema: how to read its value from the
# source, how to coerce it and whether it may be null, or None when it is not a plain leaf.
_Leaf = tuple[Any, Any, bool] | None
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
        leaf = (_reader(field), named.coerce_output_value, nullable)  # type: ignore[union-attr]
    _leaves[id(field)] = (field, leaf)
    return leaf


def _reader(field: GraphQLField) -> Any:
    """The attribute read itself where strawberry's default resolver is `getattr` (its
    own wrapper around it only adds two calls), else the field's resolver."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is not None and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)
    resolve = field.resolve
    return lambda source: resolve(source, None)  # type: ignore[misc]


def _read_leaf(leaf: tuple[Any, Any, bool], source: Any) -> Any:
    """The coerced value of a plain leaf, or Undefined where graphql-core must answer it
    (a null where none is allowed, a value it cannot coerce, an error)."""
    value = leaf[0](source)
    if value is None:
        return None if leaf[2] else Undefined
    if isinstance(value, Exception):
        return Undefined
    coerced = _coerced(leaf[1], value)
    return Undefined if coerced is None else coerced


class PlainFieldsExecution(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry always passes a middleware manager; one without middleware wraps no
        # resolver, so the plain path skips nothing (a schema extension with `resolve`
        # would, and then every field takes graphql-core's path).
        manager = self.middleware_manager
        self._plain = manager is None or not manager.middlewares
        self._field_plans: dict[int, tuple[Any, GraphQLObjectType, list[Any]]] = {}

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
                value = _read_leaf(leaf, source)
                if value is not Undefined:
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def execute_fields(  # type: ignore[override]
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's loop over an object's fields, with each plain leaf read in place:
        no path, no call through `execute_field` for it. The plan (which fields are plain
        leaves) is worked out once per selection of the request."""
        if not self._plain:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plan = self._field_plans.get(id(grouped_field_set))
        if plan is None or plan[0] is not grouped_field_set or plan[1] is not parent_type:
            plan = (grouped_field_set, parent_type, _field_plan(parent_type, grouped_field_set))
            self._field_plans[id(grouped_field_set)] = plan
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        type_name = parent_type.name
        try:
            for response_name, field_details_list, leaf in plan[2]:
                if leaf is not None:
                    value = _read_leaf(leaf, source_value)
                    if value is not Undefined:
                        results[response_name] = value
                        continue
                result = super().execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, type_name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def complete_abstract_value(  # type: ignore[override]
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        """An interface's value whose class is exactly one of its object types (not cast,
        not a subclass) completes as that type at once: strawberry's type resolver and the
        type's `is_type_of` would both answer so, by walking the possible types each time."""
        runtime = _exact_types.get((return_type, type(result)))
        if runtime is None or getattr(result, TYPE_CAST_ATTRIBUTE, None) is not None:
            return super().complete_abstract_value(
                return_type, field_details_list, info, path, result, position_context
            )
        return self.collect_and_execute_subfields(
            runtime, field_details_list, path, result, position_context
        )


def _field_plan(parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[Any]:
    """Each selected field of `parent_type` with its plain-leaf reading, or None."""
    plan = []
    for response_name, field_details_list in grouped_field_set.items():
        node = field_details_list[0].node
        field = parent_type.fields.get(node.name.value)
        leaf = _plain_leaf(field) if field is not None and not node.arguments else None
        plan.append((response_name, field_details_list, leaf))
    return plan


# (interface, class) -> the object type a value of exactly that class completes as.
_exact_types: dict[tuple[Any, type], GraphQLObjectType] = {}


def know_exact_types(schema: Any) -> None:
    """For each interface, the object types whose strawberry class implements it directly
    and is neither generic nor checked by a custom `is_type_of`."""
    graphql_schema = schema._schema
    for named in graphql_schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        definition = (named.extensions or {}).get("strawberry-definition")
        origin = getattr(definition, "origin", None)
        if origin is None or definition.is_graphql_generic or definition.concrete_of:
            continue
        if definition.is_type_of is not None:
            continue
        for interface in named.interfaces:
            declared = (interface.extensions or {}).get("strawberry-definition")
            if declared is None or declared.resolve_type is not None:
                continue  # a resolver of its own decides
            _exact_types[(interface, origin)] = named


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
