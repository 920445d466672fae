"""Text rules shared by every record: what a person may type into Foyer, and how it is kept.

Every string a user supplies goes through `clean_text` (stored text) or `search_text` (text
that only selects, such as search terms and tag filters). Both normalise to NFC, so "é"
typed two ways is one value. Stored text refuses what no person types and what breaks the
places text goes next: NUL (PostgreSQL refuses it), other control characters (spreadsheet
exports refuse them), lone surrogates (not encodable), and a value made only of invisible
characters (a name nobody can read or find). Invisible characters at the edges are trimmed
like spaces.
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import ProblemCollector

SHORT_TEXT_LIMIT = 200
LONG_TEXT_LIMIT = 2000

# Characters that render as nothing but are not whitespace to str.strip(): format
# characters (zero-width space and joiners, direction marks, the byte-order mark, soft hyphen)
# are found by category; these fillers are letters or symbols that draw blank.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Multi-line text keeps tabs and line breaks; single-line text keeps neither.
_MULTILINE_CONTROLS = frozenset("\t\n")
# The bidirectional embeddings, overrides and isolates: they make a name read as another in
# lists and exports ("Trojan Source"; found in a name by a hostile probe). The marks (LRM,
# RLM), which mixed-script names need, stay.
_DIRECTION_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_DIRECTION_CONTROL = re.compile(f"[{_DIRECTION_CONTROLS}]")
# Control characters (category Cc) but tab and line breaks, surrogates (Cs), and the above.
_UNACCEPTABLE = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_DIRECTION_CONTROLS}]"
)


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents, so "José" and "jose" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 item`, `3 items`: a count with its noun in the right number."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def is_invisible(ch: str) -> bool:
    return ch.isspace() or ch in _BLANK_GLYPHS or unicodedata.category(ch) == "Cf"


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and is_invisible(text[start]):
        start += 1
    while end > start and is_invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def _refused(ch: str, multiline: bool) -> bool:
    if _DIRECTION_CONTROL.match(ch):
        return True
    category = unicodedata.category(ch)
    if category == "Cc":
        return not (multiline and ch in _MULTILINE_CONTROLS)
    # Line and paragraph separators break a single line as surely as a newline does.
    return category == "Cs" or (not multiline and category in ("Zl", "Zp"))


def unacceptable_character(text: str) -> str | None:
    """The first character of `text` that no text Foyer accepts may hold (a control
    character other than tab and line breaks, a lone surrogate, or a direction override),
    if any. Checked for every string of every request before it runs, so no field can
    forget it."""
    found = _UNACCEPTABLE.search(text)
    return found.group() if found else None


def describe_character(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def clean_text(
    problems: ProblemCollector,
    field: tuple[str, ...],
    value: str | None,
    *,
    required: bool = False,
    limit: int = SHORT_TEXT_LIMIT,
    multiline: bool = False,
) -> str | None:
    """`value` as stored: NFC, trimmed of spaces and invisible characters, present when
    required, at most `limit` characters, and free of control characters (tabs and line
    breaks are kept when `multiline`, with every line break as "\\n")."""
    text = unicodedata.normalize("NFC", value or "")
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = _trim(text)
    if not cleaned:
        if text.strip():
            problems.add(field, "Must contain a visible character.")
        elif required:
            problems.add(field, "Must not be blank.")
        return None
    refused = next((ch for ch in cleaned if _refused(ch, multiline)), None)
    if refused is not None:
        kind = "line breaks or control characters" if not multiline else "control characters"
        problems.add(field, f"Must not contain {kind} (found {describe_character(refused)}).")
        return None
    if len(cleaned) > limit:
        problems.add(field, f"Must be at most {limit} characters (got {len(cleaned)}).")
        return None
    return cleaned


def search_text(value: str) -> str:
    """`value` as a search term or filter: NFC and trimmed like stored text, with every
    character stored text may not hold turned into a space, so a term never fails and
    matches what `clean_text` kept."""
    text = unicodedata.normalize("NFC", value)
    return _trim("".join(" " if _refused(ch, multiline=False) else ch for ch in text))
