"""The Donor Profile as PDF: a jinja2-built Typst source compiled by the `typst` package.

Chosen over WeasyPrint after measuring both on the benchmark customer (tests/bench/
donor_profile.py): Typst lays out long tables in time linear in their rows and needs no
system libraries. Typst reads no files outside the template folder (its root) and fetches
nothing: the source imports no packages, and user text only ever appears inside string
literals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import typst

from domain.donor_profile import DonorProfile, ReportSection
from infra.reports.presentation import as_text, period_text

TEMPLATES = Path(__file__).parent / "templates"


def typst_string(value: Any) -> str:
    """`value` as a Typst string literal: backslashes, quotes and control characters
    escaped, so it is shown as the text it is."""
    text = as_text(value) if not isinstance(value, str) else value
    escaped = []
    for ch in text:
        if ch in '\\"':
            escaped.append("\\" + ch)
        elif ch == "\n":
            escaped.append("\\n")
        elif ch < " " or ch == "\x7f":
            escaped.append(f"\\u{{{ord(ch):x}}}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=False,  # Typst, not HTML: every value goes through the `str` filter
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["str"] = typst_string
_environment.filters["cell"] = typst_string


# Roughly the advance of the widest figures and capitals at the body size, with the cell's
# inset: enough that a measured column never wraps.
_EM_PER_CHARACTER = 0.56
_INSET_EM = 8 / 9.5  # 8 pt at the body size
# The advance of each kind of character in ems, a little over what Libertinus Serif gives
# it in bold (the widest it is set): W, M, @ and dashes; other capitals; m and w; other
# letters and figures; spaces; anything else (other punctuation, other scripts, symbols).
_WIDEST, _CAPITAL, _WIDE_LOWER, _LETTER, _SPACE, _OTHER = 1.06, 0.83, 0.92, 0.53, 0.26, 1.06
_PUNCTUATION = 0.6
# The width tables have: A4 less the template's margins (2 x 1.7 cm), in ems of the body
# size (9.5 pt).
_TEXT_WIDTH_EM = (210 - 34) / 25.4 * 72 / 9.5


def column_widths(section: ReportSection) -> list[str]:
    """Figures, dates and short codes get the width their longest text needs, so they never
    wrap; text columns share the rest in proportion. Measured here, once, rather than by
    Typst's `auto`, which lays every cell out twice (half the time and a tenth of the
    memory of a 2,000-row table)."""
    widths = []
    for index, column in enumerate(section.columns):
        em = _fixed_em(section, index)
        widths.append(f"{column.width}fr" if em is None else f"{em:.2f}em")
    return widths


def text_em(text: str) -> float:
    """How wide `text` is at most, in ems, on one line."""
    return sum(_character_em(ch) for ch in text)


def _character_em(ch: str) -> float:
    if ch in "WM@\u2014\u2013":  # and the em and en dashes
        return _WIDEST
    if ch.isupper():
        return _CAPITAL
    if ch in "mw":
        return _WIDE_LOWER
    if ch.isspace():
        return _SPACE
    if ch.isascii() and not ch.isalnum():
        return _PUNCTUATION
    if ch.isalnum() and (ch.isascii() or ch.islower()):
        return _LETTER
    return _OTHER


def _fixed_em(section: ReportSection, index: int) -> float | None:
    """The width in ems `column_widths` gives a measured column; None for a text column."""
    column = section.columns[index]
    if not (column.numeric or column.width <= 12):
        return None
    longest = max([len(column.title), *(len(as_text(row[index])) for row in section.rows)])
    return longest * _EM_PER_CHARACTER + _INSET_EM


def one_line_rows(section: ReportSection) -> bool:
    """Whether every cell of the section fits on one line in the widths `column_widths`
    gives (free text by `text_em`; measured columns never wrap), so that its rows
    can be given their one-line height: Typst then lays each cell out once instead of
    measuring every row first, which takes a fifth off the memory a long table needs
    (enough to write the PDF tagged within the worker's budget) and half its time."""
    fixed = [_fixed_em(section, i) for i in range(len(section.columns))]
    shares = sum(c.width for c, em in zip(section.columns, fixed, strict=True) if em is None)
    free = _TEXT_WIDTH_EM - sum(em for em in fixed if em is not None)
    for index, (column, em) in enumerate(zip(section.columns, fixed, strict=True)):
        if em is not None:
            continue
        room = free * column.width / shares - _INSET_EM
        texts = [column.title, *(as_text(row[index]) for row in section.rows)]
        if any(text_em(text) > room or "\n" in text for text in texts):
            return False
    return True


def printed(section: ReportSection) -> ReportSection:
    """The section without its untitled columns that no row fills: such a column holds a
    mark some rows carry (returned, pinned); when none does, it is only empty space."""
    kept = [
        index
        for index, column in enumerate(section.columns)
        if column.title or any(row[index] not in (None, "") for row in section.rows)
    ]
    return ReportSection(
        section.title,
        tuple(section.columns[i] for i in kept),
        [tuple(row[i] for i in kept) for row in section.rows],
        section.when_empty,
    )


def typst_source(profile: DonorProfile) -> str:
    return _environment.get_template("donor_profile.typ.j2").render(
        profile=profile,
        sections=[printed(section) for section in profile.sections],
        column_widths=column_widths,
        one_line_rows=one_line_rows,
        period=period_text(profile.starts_on, profile.ends_on),
        generated=as_text(profile.generated_at.date()),
    )


def render_pdf(profile: DonorProfile, output: Path) -> None:
    pdf = typst.compile(
        typst_source(profile).encode(),
        root=str(TEMPLATES),
        ignore_system_fonts=True,  # its own fonts: the same file on every machine
        timestamp=int(profile.generated_at.timestamp()),
        # Tagged, for screen readers, and checked by Typst against PDF/UA-1 (a title, a
        # language, headings in order, tables with header cells): within the worker's
        # memory budget because the long tables are laid out in one pass (one_line_rows).
        pdf_tags=True,
        pdf_standards="ua-1",
    )
    output.write_bytes(pdf)  # type: ignore[arg-type]
