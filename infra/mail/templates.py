"""Staff-written mail templates: jinja2 in a sandbox with budgets, compiled once per text.

Checked when they are saved, by rendering them against sample values under the same budget
as at send time, so that what would fail for every reminder afterwards (a typo, an unsafe
attribute, a template that makes too much or works too long) is an error to the person who
wrote it. Rendering is plain Python work: callers on an event loop run it in a thread.

The budget holds because every way a template can make work or text goes through it:
- operators, function and method calls, filters and each loop iteration are charged by
  the size of what they take and make, and refused past `OPERATION_BUDGET` or `TIME_BUDGET`;
- repetition, powers and joins are checked before they run (a single `'x' * 10**9` would
  allocate a gigabyte before any check after it), and no value may exceed `VALUE_LIMIT`;
- only methods and filters that cannot amplify are callable (no `center`, `format`,
  `lipsum`…), `range` is short, and the output stops at its limit as it streams;
- nothing is evaluated at compile time: jinja folds constant expressions and filters while
  compiling, which ran `{{ 'x' * 10**8 }}` inside the API process when a template was saved.
"""

from __future__ import annotations

import functools
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes, pass_context
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer

from domain.errors import InvalidInput, Problem, ProblemCode

OUTPUT_LIMIT = 100_000  # characters of a rendered body
SUBJECT_LIMIT = 1_000  # characters of a rendered subject
VALUE_LIMIT = 100_000  # characters (or items) of any value a template makes
INTEGER_BITS = 10_000  # bits of any integer a template makes
RANGE_LIMIT = 1_000  # items of a `range()`
OPERATION_BUDGET = 50_000  # units of work per render: 1 per step, plus 1 per 10 characters
TIME_BUDGET = 1.0  # seconds per render, whatever the machine's load


class TemplateRefused(Exception):
    """A template the sandbox will not render: not valid, unsafe, or over its budget.

    A failure of the input, the same on every attempt: never worth retrying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Budget:
    def __init__(self) -> None:
        self.left = OPERATION_BUDGET
        self.deadline = time.monotonic() + TIME_BUDGET

    def charge(self, size: int) -> None:
        self.left -= 1 + size // 10
        if self.left < 0:
            raise TemplateRefused("it does too much work for one email")
        if time.monotonic() > self.deadline:
            raise TemplateRefused(f"it takes longer than {TIME_BUDGET:g} s to render")


# The budget of the render running in this thread; None while compiling.
_budget: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _size(value: Any) -> int:
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 4
    return 0


def _made(value: Any, taken: int = 0) -> Any:
    """Check and charge a value the template made, from arguments of size `taken`."""
    size = _size(value)
    if size > VALUE_LIMIT or (isinstance(value, int) and value.bit_length() > INTEGER_BITS):
        raise TemplateRefused(f"it makes a value larger than {VALUE_LIMIT:,} characters")
    budget = _budget.get()
    if budget is not None:
        budget.charge(size + taken)
    return value


def _refuse_if_huge(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, an operation whose result would be over the limits."""
    integers = isinstance(left, int) and isinstance(right, int)
    if operator == "*" and not integers:
        for sequence, times in ((left, right), (right, left)):
            if isinstance(times, int) and _size(sequence) * times > VALUE_LIMIT:
                raise TemplateRefused(f"it repeats a value past {VALUE_LIMIT:,} characters")
    if operator == "*" and integers and left.bit_length() + right.bit_length() > INTEGER_BITS:
        raise TemplateRefused("it multiplies numbers too large for an email")
    if operator == "**" and integers and abs(left) > 1 and right * left.bit_length() > INTEGER_BITS:
        raise TemplateRefused("it raises a number to too high a power")
    if operator == "%" and isinstance(left, str):
        raise TemplateRefused("`%` formatting of text is not available in templates")


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


def _range(*bounds: int) -> range:
    numbers = range(*bounds)
    if len(numbers) > RANGE_LIMIT:
        raise TemplateRefused(f"`range()` goes up to {RANGE_LIMIT:,} items in templates")
    return numbers


def _join(items: Iterable[Any], separator: str = "", attribute: Any = None) -> str:
    parts = [str(item if attribute is None else item[attribute]) for item in items]
    if sum(map(len, parts)) + len(separator) * len(parts) > VALUE_LIMIT:
        raise TemplateRefused(f"it joins text past {VALUE_LIMIT:,} characters")
    return separator.join(parts)


def _replace(text: Any, old: str, new: str, count: int | None = None) -> str:
    value = str(text)
    times = value.count(old) if count is None else min(count, value.count(old))
    if len(value) + times * (len(new) - len(old)) > VALUE_LIMIT:
        raise TemplateRefused(f"it replaces text past {VALUE_LIMIT:,} characters")
    return value.replace(old, new, -1 if count is None else count)


def _sum(items: Iterable[Any], attribute: Any = None, start: int | float = 0) -> int | float:
    numbers = [item if attribute is None else item[attribute] for item in items]
    if not all(isinstance(n, int | float) for n in numbers):
        raise TemplateRefused("`sum` adds up numbers only in templates")
    return sum(numbers, start)


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
_CHECKED_FILTERS: dict[str, Callable[..., Any]] = {"join": _join, "replace": _replace, "sum": _sum}


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
        return _made(function(*first, *args, **kwargs), sum(map(_size, args)))

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
        _made(item)
        yield item


def _concat(*parts: Any) -> str:
    return str(_made("".join(str(part) for part in parts)))


def _written(value: Any) -> Any:
    _made(str(value))
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
            "range": _range,
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
        _refuse_if_huge(operator, left, right)
        return _made(super().call_binop(context, operator, left, right), _size(left))

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        return _made(super().call_unop(context, operator, arg))

    def call(self, context: Context, function: Any, /, *args: Any, **kwargs: Any) -> Any:
        _refuse_unsafe_call(function)
        taken = sum(map(_size, args)) + sum(map(_size, kwargs.values()))
        return _made(super().call(context, function, *args, **kwargs), taken)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # The sandbox hands out a checked `str.format`; a width spec still makes any length.
        if super().wrap_str_format(value) is None:
            return None
        return _no_format


def _no_format(*args: Any, **kwargs: Any) -> str:
    raise TemplateRefused("`.format()` is not available in templates")


_sandbox = _BudgetedSandbox()


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    return _sandbox.from_string(text)


def compiled(text: str) -> Template:
    """Compiled once per text: compiling costs a hundred times what rendering does."""
    try:
        return _compiled(text)
    except TemplateSyntaxError as error:
        reason = (error.message or "a syntax error").rstrip(".")
        raise TemplateRefused(f"line {error.lineno}: {reason}") from None


def render(text: str, values: Mapping[str, Any], limit: int = OUTPUT_LIMIT) -> str:
    """The template rendered with `values`, or TemplateRefused saying why not."""
    template = compiled(text)
    token = _budget.set(_Budget())
    chunks = template.generate(dict(values))
    try:
        written, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise TemplateRefused(f"it writes more than {limit:,} characters")
            written.append(chunk)
        return "".join(written)
    except TemplateRefused:
        raise
    except SecurityError as error:
        raise TemplateRefused(f"it uses what templates may not: {error}") from None
    except RecursionError:
        raise TemplateRefused("it calls itself too deeply") from None
    except Exception as error:  # the template is the staff's code: any failure is theirs
        raise TemplateRefused(_reason(error)) from None
    finally:
        chunks.close()
        _budget.reset(token)


def _reason(error: Exception) -> str:
    message = str(getattr(error, "message", None) or error).rstrip(".")
    return f"it fails when rendered: {message}" if message else f"it fails: {type(error).__name__}"


def check_templates(samples: list[Mapping[str, Any]], **texts: tuple[str, int]) -> None:
    """Raise a validation error naming each field (by keyword) whose template, given as
    (text, output limit), is refused when rendered with any of the sample values."""
    problems = []
    for field, (text, limit) in texts.items():
        try:
            for values in samples:
                render(text, values, limit)
        except TemplateRefused as refused:
            message = f"Not a valid template, {refused.reason}."
            problems.append(Problem(ProblemCode.VALIDATION, message, (field,)))
    if problems:
        raise InvalidInput(problems)
