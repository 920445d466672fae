"""Plain fields without the machinery: a field that only reads an attribute is answered in
place, and so is a small object (or list of them) made only of such fields.

A page of 100 customers with their emails and addresses is about a thousand fields, most of
them plain attributes (`reference`, `address`, `line1`…) of objects a planned read already
built. graphql-core gives each one a resolve-info object, a path, a resolver call through
strawberry's wrapper, an awaitable check and a completion step; that is most of such a
request's time, more than its one SQL statement. This executor reads a field that
strawberry itself marks as a plain attribute read (no resolver, no extension, no argument)
of a scalar or enum type and coerces it at once. A field without arguments whose value is
an object (or a list of objects) selected only for fields answered so, in turn
(`emails { address label }`, `target { amount }`, a whole page of the dashboard whose
values the planned read handed over: schema/planned.py), is answered as its dictionaries
at once too. Anything else, and any value it cannot answer so (a null where none is
allowed, a bad value, an awaitable), goes on graphql-core's own path with the value
already resolved, which answers exactly as before, errors included. Only inside such an
object may a value be read again on that path: an attribute, a planned value or a method
of the object alone (`id`), never a resolver that is given its resolve info.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from schema.collected import collected_for, subfields_key
from schema.planned import NOT_PLANNED, planned_first, takes_planned

# How a field is answered in place, worked out once per field of the schema, or None where
# graphql-core answers it:
#   (LEAF, read or None, coerce, nullable, pure, native): a scalar or enum; `native` the
#   Python type graphql-core answers as it is (a str for a String), or None;
#   (OBJECTS, read or None, nullable, is_list, item_nullable, named type, pure): an object
#   or a list of objects.
# `read` is None where the resolver needs its resolve info (a planned reader gives
# NOT_PLANNED then); `pure` where reading is an attribute read, a planned value or a method
# of the object alone (computed from it: `id`, `displayName`), so it may be read again.
LEAF, OBJECTS = 0, 1
_Step = tuple[Any, ...] | None
_steps: dict[int, tuple[GraphQLField, _Step]] = {}


def _step(field: GraphQLField) -> _Step:
    known = _steps.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    step: _Step = None
    if not field.args:
        kind = field.type
        nullable = not isinstance(kind, GraphQLNonNull)
        inner = kind if nullable else kind.of_type  # type: ignore[union-attr]
        read = _reader(field)
        pure = read is not None and (
            isinstance(read, attrgetter)
            or read is getattr(field.resolve, "planned", None)
            or read is getattr(field.resolve, "without_info", None)
        )
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            native = _NATIVE.get(inner.name) if inner in _BUILT_IN else None
            step = (LEAF, read, inner.coerce_output_value, nullable, pure, native)
        else:
            is_list = isinstance(inner, GraphQLList)
            item = inner.of_type if is_list else inner  # type: ignore[union-attr]
            item_nullable = not isinstance(item, GraphQLNonNull)
            named = item if item_nullable else item.of_type
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                step = (OBJECTS, read, nullable, is_list, item_nullable, named, pure)
    _steps[id(field)] = (field, step)
    return step


def _reader(field: GraphQLField) -> Any:
    """How to read the field's value from its source without a resolve info: the attribute
    read itself where strawberry's default resolver is `getattr` (its wrapper only adds two
    calls), the method where the resolver calls it with nothing else; else None."""
    resolve = field.resolve
    if resolve is None:
        return None
    planned = getattr(resolve, "planned", None)
    if planned is not None:
        return planned
    without_info = getattr(resolve, "without_info", None)
    if without_info is not None:
        return without_info
    if not getattr(resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is not None and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)
    return lambda source: resolve(source, None)


# The built-in scalars whose output coercion gives a value of this exact type unchanged.
_BUILT_IN = (GraphQLString, GraphQLID, GraphQLBoolean)
_NATIVE = {"String": str, "ID": str, "Boolean": bool}


def _coerced(step: tuple[Any, ...], value: Any) -> Any:
    """A leaf's coerced value, or Undefined where graphql-core must answer it (a null where
    none is allowed, a value it cannot coerce, an error, an awaitable)."""
    if type(value) is step[5]:
        return value
    if value is None:
        return None if step[3] else Undefined
    if isinstance(value, Exception):
        return Undefined
    try:
        coerced = step[2](value)
    except Exception:
        return Undefined
    return Undefined if coerced is None else coerced


class PlainFieldsExecution(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry always passes a middleware manager; one without middleware wraps no
        # resolver, so the plain path skips nothing (a schema extension with `resolve`
        # would, and then every field takes graphql-core's path).
        manager = self.middleware_manager
        self._plain = manager is None or not manager.middlewares
        # Shared by the requests running the operation, where it may be (schema/collected.py).
        self._collected = collected_for(self.operation, self.fragments)
        # Per selection (each entry keeps its selection alive).
        self._plans: dict[int, tuple[Any, GraphQLObjectType, list[Any]]] = {}
        # Per object type and field selected (each entry keeps the field alive): the plan
        # of its subfields, None where one is deferred.
        self._object_plans: dict[tuple[Any, int], tuple[Any, list[Any] | None]] = {}

    def collect_subfields(self, return_type: Any, field_details_list: Any) -> Any:
        collected = self._collected
        if collected is None:
            return super().collect_subfields(return_type, field_details_list)
        key = subfields_key(return_type, field_details_list)
        found = collected.subfields.get(key)
        if found is None:
            found = super().collect_subfields(return_type, field_details_list)
            collected.keep(key, found)
        return found

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[Any]:
        collected, key = self._collected, id(grouped_field_set)
        plans = collected.plans if collected and key in collected.kept else self._plans
        plan = plans.get(key)
        if plan is None or plan[0] is not grouped_field_set or plan[1] is not parent_type:
            steps = []
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                field = parent_type.fields.get(node.name.value)
                step = _step(field) if field is not None and not node.arguments else None
                steps.append((response_name, field_details_list, field, step))
            plan = (grouped_field_set, parent_type, steps)
            plans[key] = plan
        return plan[2]

    def execute_fields(  # type: ignore[override]
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's loop over an object's fields, with the plain ones answered in
        place (no path or resolve info for a leaf)."""
        if not self._plain:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, field, step in self._plan(
                parent_type, grouped_field_set
            ):
                if step is None:
                    result = super().execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                else:
                    result = self._answer(
                        parent_type,
                        source_value,
                        field_details_list,
                        field,
                        step,
                        path,
                        response_name,
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

    def _answer(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        field: GraphQLField,
        step: tuple[Any, ...],
        parent_path: Any,
        response_name: str,
        position_context: Any,
    ) -> Any:
        """One plain field: resolved once, answered in place where it can be, else
        completed by graphql-core from the value resolved."""
        info, path = None, None
        try:
            value = NOT_PLANNED if step[1] is None else step[1](source)
            if value is NOT_PLANNED:
                path = Path(parent_path, response_name, parent_type.name)
                info = self.build_resolve_info(
                    field, to_nodes(field_details_list), parent_type, path
                )
                value = field.resolve(source, info)  # type: ignore[misc]
        except Exception as raw_error:
            path = path or Path(parent_path, response_name, parent_type.name)
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None
        if step[0] == LEAF:
            answer = _coerced(step, value)
        else:
            answer = self._objects(step, field_details_list, value)
        if answer is not Undefined:
            return answer
        path = path or Path(parent_path, response_name, parent_type.name)
        if info is None:
            info = self.build_resolve_info(field, to_nodes(field_details_list), parent_type, path)
        return self._complete_resolved(
            field, field_details_list, info, path, value, position_context
        )

    def _complete_resolved(
        self,
        field: GraphQLField,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_field` from the resolver's value on."""
        return_type = field.type
        try:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
            if self.is_awaitable(completed):

                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, return_type, field_details_list, path)
                        return None

                return await_completed()
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    def _objects(self, step: tuple[Any, ...], field_details_list: Any, value: Any) -> Any:
        """An object or list of objects made only of plain leaves, as its dictionaries; or
        Undefined where graphql-core must complete it."""
        if value is None:
            return None if step[2] else Undefined
        named = step[5]
        if not step[3]:
            return self._plain_object(named, field_details_list, value)
        if type(value) is not list and type(value) is not tuple:
            return Undefined
        answers = []
        for item in value:
            if item is None:
                if not step[4]:
                    return Undefined
                answers.append(None)
                continue
            answer = self._plain_object(named, field_details_list, item)
            if answer is Undefined:
                return Undefined
            answers.append(answer)
        return answers

    def _plain_object(self, named: Any, field_details_list: Any, item: Any) -> Any:
        runtime = _runtime_type(named, item)
        if runtime is None:
            return Undefined
        plan = self._object_plan(runtime, field_details_list)
        if plan is None:
            return Undefined
        answer = {}
        for response_name, details, _field, step in plan:
            if step is None:
                return Undefined
            leaf = step[0] == LEAF
            if not step[4 if leaf else 6]:
                return Undefined
            try:
                value = step[1](item)
                if value is NOT_PLANNED:
                    return Undefined
                value = _coerced(step, value) if leaf else self._objects(step, details, value)
            except Exception:
                return Undefined
            if value is Undefined:
                return Undefined
            answer[response_name] = value
        return answer

    def _object_plan(self, runtime: GraphQLObjectType, field_details_list: Any) -> Any:
        """The plan of the subfields selected of an object of `runtime` (the same for every
        item of a list), or None where one is deferred."""
        collected, key = self._collected, (runtime, id(field_details_list))
        own = self._object_plans
        plans = collected.object_plans if collected and key[1] in collected.kept else own
        known = plans.get(key)
        if known is not None and known[0] is field_details_list:
            return known[1]
        grouped_field_set, defer_usages, *_ = self.collect_subfields(runtime, field_details_list)
        plan = None if defer_usages else self._plan(runtime, grouped_field_set)
        plans[key] = (field_details_list, plan)
        return plan

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


def _runtime_type(named: Any, item: Any) -> GraphQLObjectType | None:
    """The object type `item` completes as without checks graphql-core would make, or None
    where it must decide."""
    if getattr(item, TYPE_CAST_ATTRIBUTE, None) is not None:
        return None
    if isinstance(named, GraphQLObjectType):
        if named.is_type_of is None or _origins.get(named) is type(item):
            return named
        return None
    return _exact_types.get((named, type(item)))


# (interface, class) -> the object type a value of exactly that class completes as; and
# each plain object type's strawberry class.
_exact_types: dict[tuple[Any, type], GraphQLObjectType] = {}
_origins: dict[GraphQLObjectType, type] = {}


def know_exact_types(schema: Any) -> None:
    """For each interface, the object types whose strawberry class implements it directly
    and is neither generic nor checked by a custom `is_type_of`."""
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        definition = (named.extensions or {}).get("strawberry-definition")
        origin = getattr(definition, "origin", None)
        if origin is None or definition.is_graphql_generic or definition.concrete_of:
            continue
        if definition.is_type_of is not None:
            continue
        _origins[named] = origin
        for interface in named.interfaces:
            declared = (interface.extensions or {}).get("strawberry-definition")
            if declared is None or declared.resolve_type is not None:
                continue  # a resolver of its own decides
            _exact_types[(interface, origin)] = named


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
            name = takes_planned(field)
            if name is not None and field.resolve is not None:
                field.resolve = planned_first(name, field.resolve)


def _direct_resolver(field: GraphQLField, info_class: Any) -> Any:
    definition = (field.extensions or {}).get("strawberry-definition")
    resolver = getattr(definition, "base_resolver", None)
    if resolver is None or definition.extensions or definition.arguments or field.args:
        return None
    if resolver.parent_parameter or resolver.root_parameter or resolver.self_parameter is None:
        return None
    method = resolver.wrapped_func
    if resolver.info_parameter is None:

        def resolve_without_info(source: Any, _info: Any) -> Any:
            return method(source)

        resolve_without_info.without_info = method  # type: ignore[attr-defined]
        return resolve_without_info
    name = resolver.info_parameter.name

    def resolve(source: Any, info: Any) -> Any:
        return method(source, **{name: info_class(_raw_info=info, _field=definition)})

    return resolve
