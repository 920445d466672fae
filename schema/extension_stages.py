"""The schema extensions' hooks run as plain generators, found once per extension class.

Strawberry's runner finds each stage's hooks anew for every request: for each extension
and stage it checks what kind of function the hook is and wraps it in a fresh context
manager (`functools.wraps` and all), entered through an exit stack. For Foyer's five
extensions and four stages that is about 50 µs of every request (3% of a customer read),
for the same answer each time. Here a class's hooks are found once, and a stage runs them
as the generators they are, in order, finishing them last first as an exit stack would:
an exception raised in the stage, or by a hook as it finishes, is thrown into each hook
still to finish, which may swallow it or raise another.

Only generator hooks (`yield` once) run so; a schema whose extensions have any other kind
keeps strawberry's own runner (`runner_for`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

Hook = Callable[[SchemaExtension], Generator[None, None, None]]
STAGES = ("on_operation", "on_parse", "on_validate", "on_execute")

_hooks: dict[tuple[type, str], Hook | None] = {}


def _hook(kind: type, stage: str) -> Hook | None:
    """The class's own hook for the stage (None where it keeps the base class's, which does
    nothing)."""
    key = (kind, stage)
    if key not in _hooks:
        found = getattr(kind, stage)
        _hooks[key] = None if found is getattr(SchemaExtension, stage) else found
    return _hooks[key]


_generators: dict[tuple[type, ...], bool] = {}


def all_generators(kinds: tuple[type, ...]) -> bool:
    """Whether every hook these extension classes have is a generator function."""
    known = _generators.get(kinds)
    if known is None:
        known = _generators[kinds] = all(
            (hook := _hook(kind, stage)) is None or inspect.isgeneratorfunction(hook)
            for kind in kinds
            for stage in STAGES
        )
    return known


class _Stage:
    __slots__ = ("_extensions", "_running", "_stage")

    def __init__(self, extensions: list[SchemaExtension], stage: str) -> None:
        self._extensions = extensions
        self._stage = stage
        self._running: list[Generator[None, None, None]] = []

    def __enter__(self) -> None:
        try:
            for extension in self._extensions:
                hook = _hook(type(extension), self._stage)
                if hook is not None:
                    running = hook(extension)
                    next(running)
                    self._running.append(running)
        except BaseException as error:
            # As an exit stack would: the hooks begun finish with the exception, which goes
            # on (the stage never runs without its hooks, even should one swallow it).
            self.__exit__(type(error), error, None)
            raise

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> bool:
        raised = error
        for running in reversed(self._running):
            raised = _finish(running, raised)
        self._running = []
        if raised is None:
            return error is not None  # swallowed by a hook
        if raised is error:
            return False
        raise raised

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        return self.__exit__(kind, error, tb)


def _finish(running: Generator[None, None, None], error: BaseException | None) -> Any:
    """Run the hook past its `yield` (throwing `error` in there, if any): the exception it
    leaves raised, or None."""
    try:
        if error is None:
            next(running)
        else:
            running.throw(error)
    except StopIteration:
        return None
    except BaseException as raised:
        return raised
    running.close()
    return RuntimeError("A schema extension's hook yielded more than once.")


class GeneratorStages(SchemaExtensionsRunner):
    def operation(self) -> Any:
        return _Stage(self.extensions, "on_operation")

    def parsing(self) -> Any:
        return _Stage(self.extensions, "on_parse")

    def validation(self) -> Any:
        return _Stage(self.extensions, "on_validate")

    def executing(self) -> Any:
        return _Stage(self.extensions, "on_execute")


def runner_for(
    execution_context: ExecutionContext, extensions: list[SchemaExtension]
) -> SchemaExtensionsRunner:
    if all_generators(tuple(type(extension) for extension in extensions)):
        return GeneratorStages(execution_context, extensions)
    return SchemaExtensionsRunner(execution_context, extensions)
