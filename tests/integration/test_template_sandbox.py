"""Staff-written templates render under a budget: what would take the process's memory or
time, or reach past the sandbox, is refused with a reason, and quickly."""

from __future__ import annotations

import tracemalloc

import pytest

from domain.fundraising.reminders import DEFAULT_BODY, DEFAULT_SUBJECT
from infra.mail.templates import OUTPUT_LIMIT, TemplateRefused, render

VALUES = {
    "name": "Ada Lovelace",
    "organisation": "Old Vic",
    "amount": "GBP 125.00",
    "due_on": "1 May 2027",
    "number": "2",
}
NESTED = "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
DOUBLING = "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
CALLERS = "{% macro twice() %}{{ caller() }}{{ caller() }}{% endmacro %}" + (
    "{% call twice() %}" * 30 + "x" + "{% endcall %}" * 30
)

REFUSED = {
    "repetition": "{{ 'x' * 10**8 }}",
    "repetition of a value": "{{ (name ~ '!') * 10**6 }}",
    "a huge power": "{{ 7 ** (10 ** 7) }}",
    "a widening method": "{{ name.ljust(10**9) }}",
    "a widening filter": "{{ 'x'|center(10**9) }}",
    "str.format widths": "{{ '{:>100000000}'.format(1) }}",
    "% formatting widths": "{{ '%0100000000d' % 1 }}",
    "bytes from nothing": "{{ (1).to_bytes(10**9, 'big') }}",
    "a long range": "{{ range(10**7)|list|length }}",
    "lorem ipsum": "{{ lipsum(10**6) }}",
    "a join past the limit": "{{ ([name * 1000] * 1000)|join }}",
    "doubling by concatenation": DOUBLING + "{% endfor %}{{ ns.s|length }}",
    "nested loops that write nothing": NESTED + "{% endfor %}" * 3,
    "nested loops over a long text": "{% set s = 'x' * 90000 %}{% for a in s %}{% for b in s %}"
    "{% endfor %}{% endfor %}",
    "doubling callers": CALLERS,
    "endless recursion": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "too much output": "{% for i in range(1000) %}{{ 'y' * 1000 }}{% endfor %}",
    "a class attribute": "{{ ''.__class__ }}",
    "a function's globals": "{{ cycler.__init__.__globals__ }}",
    "a dunder method": "{{ name.__len__() }}",
    "a list changed in place": "{% set l = [] %}{{ l.append(1) }}",
    "an undefined call": "{{ foo() }}",
    "an undefined name": "Dear {{ nmae }}",
    "a division by zero": "{{ 1 / 0 }}",
    "an include": "{% include 'other' %}",
    "a syntax error": "{{ name",
    "a tool written as a value": "{{ cycler }}",
    "a method written as a value": "{{ name.upper }}",
    "a macro written as a value": "{% macro m() %}x{% endmacro %}{{ m }}",
    "a namespace written as a value": "{% set ns = namespace(a=1) %}{{ ns }}",
}


@pytest.mark.parametrize("template", REFUSED.values(), ids=REFUSED.keys())
def test_a_template_that_would_escape_its_budget_or_the_sandbox_is_refused(template: str) -> None:
    with pytest.raises(TemplateRefused) as refused:
        render(template, VALUES)
    assert refused.value.reason


def test_refusing_a_hundred_million_characters_allocates_next_to_nothing() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(TemplateRefused, match="repeats a value"):
            render("{{ 'x' * 10**8 }}", VALUES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # bytes; the text itself would be 100 MB


def test_output_stops_at_the_limit_it_is_given() -> None:
    within = render("{{ 'y' * 500 }}", VALUES, limit=500)

    with pytest.raises(TemplateRefused, match="more than 499 characters"):
        render("{{ 'y' * 500 }}", VALUES, limit=499)
    assert within == "y" * 500


def test_ordinary_templates_render_as_before() -> None:
    template = (
        "{{ name|upper }} {{ name.split()[0] }} {% for part in name.split() %}{{ loop.index }}"
        "{{ part[0] }}{% endfor %} {{ 'x' ~ number }} {{ [1, 2, 3]|sum }} {% if number == '2' %}"
        "second{% endif %} {{ name|replace('Ada', 'A.') }} {{ organisation|default('?') }}"
    )

    assert render(template, VALUES) == "ADA LOVELACE Ada 1A2L x2 6 second A. Lovelace Old Vic"
    tools = "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ dict(a=1)['a'] }}"
    assert render(tools, VALUES) == "ab1"
    assert render(DEFAULT_SUBJECT, VALUES) == "Your pledge instalment to Old Vic"
    assert "GBP 125.00 is due on 1 May 2027" in render(DEFAULT_BODY, VALUES)
    assert len(render("{{ 'z' * 1000 }}", VALUES)) <= OUTPUT_LIMIT
