"""A mailing rendered for one recipient: subject, HTML and plain text, in the sandbox of
every staff-written template (infra/mail/templates.py), with the links every mailing
carries added at the foot of both parts.

The HTML body is staff's own markup; the recipient's values written into it are escaped,
so a customer named `<b>` is a name, not markup. The subject and plain text get them as
they are.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import InvalidInput
from infra.mail.plain_text import text_of_html
from infra.mail.templates import OUTPUT_LIMIT, SUBJECT_LIMIT, check_templates, render


@dataclass(frozen=True)
class Templates:
    subject: str
    html_body: str
    text_body: str | None


@dataclass(frozen=True)
class RenderedMailing:
    subject: str
    html: str
    text: str


def render_mailing(templates: Templates, values: Mapping[str, str]) -> RenderedMailing:
    """TemplateRefused, with the reason, when the sandbox will not render one part."""
    escaped = {name: html.escape(value) for name, value in values.items()}
    # One line, as it will be sent (a header folds line breaks away): the preview shows
    # what the customer gets, and no template can start a header of its own.
    subject = " ".join(render(templates.subject, values, SUBJECT_LIMIT).split())
    body = render(templates.html_body, escaped, OUTPUT_LIMIT)
    if templates.text_body is not None:
        text = render(templates.text_body, values, OUTPUT_LIMIT)
    else:
        text = text_of_html(body)
    return RenderedMailing(
        subject,
        _with_html_foot(body, escaped["preferences_url"], escaped["unsubscribe_url"]),
        _with_text_foot(text, values["preferences_url"], values["unsubscribe_url"]),
    )


def _with_html_foot(body: str, preferences_url: str, unsubscribe_url: str) -> str:
    foot = (
        '<p style="font-size:small;color:#555">'
        f'<a href="{preferences_url}">Change what we send you</a> · '
        f'<a href="{unsubscribe_url}">Unsubscribe</a></p>'
    )
    closing = body.lower().rfind("</body>")
    if closing < 0:
        return body + foot
    return body[:closing] + foot + body[closing:]


def _with_text_foot(text: str, preferences_url: str, unsubscribe_url: str) -> str:
    return (
        f"{text.rstrip()}\n\n--\nChange what we send you: {preferences_url}\n"
        f"Unsubscribe: {unsubscribe_url}\n"
    )


def check_mailing_templates(templates: Templates, samples: list[Mapping[str, str]]) -> None:
    """A VALIDATION error on `subject`, `htmlBody` or `textBody` for each that the sandbox
    refuses with any of the sample values: what would fail for every recipient fails now."""
    escaped = [{k: html.escape(v) for k, v in values.items()} for values in samples]
    checks = [
        (samples, {"subject": (templates.subject, SUBJECT_LIMIT)}),
        (escaped, {"htmlBody": (templates.html_body, OUTPUT_LIMIT)}),
    ]
    if templates.text_body is not None:
        checks.append((samples, {"textBody": (templates.text_body, OUTPUT_LIMIT)}))
    problems = []
    for values, fields in checks:
        try:
            check_templates(values, **fields)
        except InvalidInput as refused:
            problems.extend(refused.problems)
    if problems:
        raise InvalidInput(problems)
