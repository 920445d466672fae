"""jinja2's sandbox with every way a template makes work routed through its budget
(`infra/mail/template_budget.py`): intercepted operators and calls, filters that cannot run
at compile time, hooks around loop items, `~` and written values, and only the methods,
filters and globals that cannot amplify what they read.

Jinja folds constant expressions and filters while compiling, which ran `{{ 'x' * 10**8 }}`
inside the API process when a template was saved: intercepted operators, filters that take
the context and `~` turned into a call are never folded, and the optimizer is off.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer

from infra.mail.template_budget import (
    TemplateRefused,
    bounded_range,
    checked_join,
    checked_replace,
    checked_sum,
    made,
    refuse_if_huge,
    size_of,
)

# Methods of built-in values a template may call: none of them can make more than it reads.
_SAFE_METHODS = {
    str: frozenset(
        [
            "capitalize",
            "casefold",
            "count",
            "endswith",
            "find",
            "index",
            "isalnum",
            "isalpha",
            "isdigit",
            "islower",
            "isspace",
            "istitle",
            "isupper",
            "lower",
            "lstrip",
            "partition",
            "removeprefix",
            "removesuffix",
            "rfind",
            "rindex",
            "rpartition",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "upper",
        ]
    ),
    dict: frozenset({"get", "items", "keys", "values"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
}
_BUILTIN_METHODS = (types.BuiltinMethodType, types.MethodWrapperType, types.MethodDescriptorType)


def _refuse_unsafe_call(function: Any) -> None:
    if isinstance(function, _BUILTIN_METHODS):
        owner = getattr(function, "__self__", None)
        allowed = _SAFE_METHODS.get(type(owner), frozenset())
        if function.__name__ not in allowed:
            raise TemplateRefused(f"`.{function.__name__}()` is not available in templates")


# Filters that shrink or keep the size of what they get; the rest (center, indent, format,
# wordwrap, batch, slice, random, urlize, …) can make more than they read, or are of no use
# in an email.
_SAFE_FILTERS = [
    "abs",
    "attr",
    "capitalize",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "forceescape",
    "groupby",
    "int",
    "items",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "sort",
    "string",
    "striptags",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "wordcount",
]
_CHECKED_FILTERS: dict[str, Callable[..., Any]] = {
    "join": checked_join,
    "replace": checked_replace,
    "sum": checked_sum,
}


def _charged_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """The filter, charged to the budget. Taking the context keeps jinja from running it at
    compile time on constant arguments."""
    passes = getattr(getattr(function, "jinja_pass_arg", None), "name", None)

    @pass_context
    def charged(context: Context, *args: Any, **kwargs: Any) -> Any:
        first = {
            "context": (context,),
            "eval_context": (context.eval_ctx,),
            "environment": (context.environment,),
        }.get(passes or "", ())
        return made(function(*first, *args, **kwargs), sum(map(size_of, args)))

    return charged


class _Budgeted(NodeTransformer):
    """Routes what jinja would run outside the sandbox's hooks through the budget: each
    loop's items, `~` concatenation, and each value written out."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _hook("foyer_items", [node.iter], node)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _hook("foyer_concat", list(node.nodes), node)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [
            child
            if isinstance(child, nodes.TemplateData)
            else _hook("foyer_written", [child], child)
            for child in node.nodes
        ]
        return node


def _hook(name: str, args: list[nodes.Expr], at: nodes.Node) -> nodes.Call:
    hook = nodes.EnvironmentAttribute(name, lineno=at.lineno)
    return nodes.Call(hook, args, [], None, None, lineno=at.lineno)


def _items(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        made(item)
        yield item


def _concat(*parts: Any) -> str:
    return str(made("".join(str(part) for part in parts)))


def _written(value: Any) -> Any:
    # A template's tools (`cycler`, `dict`, a macro, a method) print as Python's names for
    # them, "<class 'jinja2.utils.Cycler'>", which no customer should read in an email.
    if callable(value) or isinstance(value, Namespace | Cycler | Joiner):
        raise TemplateRefused(
            "it writes a template tool (such as `cycler`, `dict` or a macro) where a value"
            " belongs: call it, or write a field"
        )
    made(str(value))
    return value


class _BudgetedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})
    foyer_items = staticmethod(_items)
    foyer_concat = staticmethod(_concat)
    foyer_written = staticmethod(_written)

    def __init__(self) -> None:
        super().__init__(
            autoescape=False, keep_trailing_newline=True, undefined=StrictUndefined, optimized=False
        )
        self.globals = {
            "range": bounded_range,
            "dict": dict,
            "namespace": Namespace,
            "cycler": Cycler,
            "joiner": Joiner,
        }
        self.filters = {
            **{name: _charged_filter(DEFAULT_FILTERS[name]) for name in _SAFE_FILTERS},
            **{name: _charged_filter(check) for name, check in _CHECKED_FILTERS.items()},
        }

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        return _Budgeted().visit(tree)  # type: ignore[no-any-return]

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        refuse_if_huge(operator, left, right)
        return made(super().call_binop(context, operator, left, right), size_of(left))

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        return made(super().call_unop(context, operator, arg))

    def call(self, context: Context, function: Any, /, *args: Any, **kwargs: Any) -> Any:
        taken = sum(map(size_of, args)) + sum(map(size_of, kwargs.values()))
        if function is _written:
            # The hook around each value written, ours: nothing to check before calling it,
            # charged the same. Asking jinja whether it is safe to call cost more than the
            # rest of writing the value, and a mailing writes several per message.
            return made(_written(*args), taken)
        _refuse_unsafe_call(function)
        return made(super().call(context, function, *args, **kwargs), taken)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # The sandbox hands out a checked `str.format`; a width spec still makes any length.
        if super().wrap_str_format(value) is None:
            return None
        return _no_format


def _no_format(*args: Any, **kwargs: Any) -> str:
    raise TemplateRefused("`.format()` is not available in templates")


sandbox = _BudgetedSandbox()
