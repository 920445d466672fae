"""Staff-written mail templates: jinja2 in its sandbox, compiled once per text. Checked
when they are saved, so a typo is an error to the person who made it, not a failed run of
every reminder afterwards."""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Template, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from domain.errors import InvalidInput, Problem, ProblemCode

_sandbox = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


@functools.lru_cache(maxsize=256)
def compiled(text: str) -> Template:
    """Compiled once per text: compiling costs a hundred times what rendering does."""
    return _sandbox.from_string(text)


def render(text: str, values: dict[str, Any]) -> str:
    return compiled(text).render(values)


def check_templates(**texts: str) -> None:
    """Raise a validation error naming each field (by keyword) whose text does not compile."""
    problems = []
    for field, text in texts.items():
        try:
            compiled(text)
        except TemplateSyntaxError as error:
            reason = (error.message or "a syntax error").rstrip(".")
            message = f"Not a valid template, line {error.lineno}: {reason}."
            problems.append(Problem(ProblemCode.VALIDATION, message, (field,)))
    if problems:
        raise InvalidInput(problems)
