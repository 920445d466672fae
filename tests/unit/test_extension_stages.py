"""The extensions' hooks run as generators, with an exit stack's order and exceptions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

from schema.extension_stages import GeneratorStages, runner_for

seen: list[str] = []


class First(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        seen.append("first in")
        try:
            yield
        except KeyError:
            seen.append("first saw KeyError")
            raise
        seen.append("first out")


class Second(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        seen.append("second in")
        yield
        seen.append("second out")


class Swallows(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        try:
            yield
        except Exception:
            seen.append("swallowed")


class RaisesAfter(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        yield
        raise KeyError("after")


class RaisesBefore(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        raise ValueError("before")
        yield  # pragma: no cover


class Plain(SchemaExtension):
    def on_parse(self) -> None:  # type: ignore[override]
        seen.append("plain")


@pytest.fixture(autouse=True)
def fresh() -> None:
    seen.clear()


def stages(*kinds: type[SchemaExtension]) -> SchemaExtensionsRunner:
    runner = runner_for(None, [kind() for kind in kinds])  # type: ignore[arg-type]
    assert isinstance(runner, GeneratorStages)
    return runner


async def test_hooks_begin_in_order_and_finish_last_first() -> None:
    async with stages(First, Second).parsing():
        seen.append("parsing")
    assert seen == ["first in", "second in", "parsing", "second out", "first out"]


async def test_an_exception_in_the_stage_reaches_every_hook_and_goes_on() -> None:
    with pytest.raises(KeyError):
        async with stages(First, Second).parsing():
            raise KeyError("in the stage")
    # Second has no except: the exception passes through it, unfinished.
    assert seen == ["first in", "second in", "first saw KeyError"]


async def test_a_hook_may_swallow_the_exception() -> None:
    async with stages(First, Swallows).parsing():
        raise KeyError("in the stage")
    assert seen == ["first in", "swallowed", "first out"]


async def test_a_hook_raising_as_it_finishes_raises_in_the_hooks_before_it() -> None:
    with pytest.raises(KeyError, match="after"):
        async with stages(First, RaisesAfter).parsing():
            pass
    assert seen == ["first in", "first saw KeyError"]


def test_a_hook_raising_before_its_yield_finishes_those_begun() -> None:
    with pytest.raises(ValueError, match="before"), stages(Second, RaisesBefore).parsing():
        seen.append("never")  # pragma: no cover
    assert seen == ["second in"]


def test_extensions_with_other_hooks_keep_strawberrys_runner() -> None:
    runner = runner_for(None, [Plain(), First()])  # type: ignore[arg-type]
    assert not isinstance(runner, GeneratorStages)
    with runner.parsing():
        pass
    assert seen == ["plain", "first in", "first out"]


def test_a_stage_whose_hook_failed_to_begin_never_runs_even_if_another_swallows() -> None:
    with pytest.raises(ValueError, match="before"), stages(Swallows, RaisesBefore).parsing():
        seen.append("never")  # pragma: no cover
    assert seen == ["swallowed"]
