"""Staff-written mail templates: rendered in a budgeted sandbox (`infra/mail/sandbox.py`),
compiled once per text, and checked when saved.

Checked by rendering them against sample values under the same budget as at send time, so
that what would fail for every reminder afterwards (a typo, an unsafe attribute, a template
that makes too much or works too long) is an error to the person who wrote it. Rendering is
plain Python work: callers on an event loop run it in a thread.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import Template, TemplateSyntaxError
from jinja2.sandbox import SecurityError

from domain.errors import InvalidInput, Problem, ProblemCode
from infra.mail.sandbox import sandbox
from infra.mail.template_budget import TemplateRefused, budgeted

__all__ = ["OUTPUT_LIMIT", "SUBJECT_LIMIT", "TemplateRefused", "check_templates", "render"]

OUTPUT_LIMIT = 100_000  # characters of a rendered body
SUBJECT_LIMIT = 1_000  # characters of a rendered subject


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    return sandbox.from_string(text)


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
    with budgeted():
        chunks = template.generate(dict(values))
        try:
            return _streamed(chunks, limit)
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


def _streamed(chunks: Iterator[str], limit: int) -> str:
    """The output, stopped as soon as it passes `limit`."""
    written, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TemplateRefused(f"it writes more than {limit:,} characters")
        written.append(chunk)
    return "".join(written)


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
