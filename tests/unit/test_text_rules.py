"""The text rules every user-supplied string goes through (domain/text.py)."""

from __future__ import annotations

import pytest

from domain.customers.search import CustomerCriteria, prefix_upper_bound
from domain.errors import ProblemCollector
from domain.text import clean_text, search_text, unacceptable_character


def cleaned(value: str, **options: object) -> tuple[str | None, list[str]]:
    problems = ProblemCollector()
    kept = clean_text(problems, ("name",), value, **options)  # type: ignore[arg-type]
    return kept, [p.message for p in problems.problems]


@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize(
    "control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\u202e", "\u2066"]
)
def test_control_characters_and_lone_surrogates_are_refused_in_any_text(
    control: str, multiline: bool
) -> None:
    kept, problems = cleaned(f"Ada{control}Lovelace", multiline=multiline)
    assert kept is None
    assert len(problems) == 1 and "control characters" in problems[0]


@pytest.mark.parametrize("separator", ["\n", "\t", "\r", "\u2028", "\u2029"])
def test_a_single_line_refuses_line_breaks_and_tabs_inside_it(separator: str) -> None:
    kept, problems = cleaned(f"Ada{separator}Lovelace")
    assert kept is None and "line breaks" in problems[0]


def test_multi_line_text_keeps_tabs_and_line_breaks_with_one_kind_of_line_break() -> None:
    assert cleaned("Moved away.\r\n\tNew address\rto follow", multiline=True) == (
        "Moved away.\n\tNew address\nto follow",
        [],
    )


@pytest.mark.parametrize(
    "invisible", ["\u200b", "\u200b\u200d\u2060", "\ufeff", "\u00ad", "\u3164", "\u2800 \u200e"]
)
def test_a_value_made_only_of_invisible_characters_is_refused(invisible: str) -> None:
    for required in (True, False):
        assert cleaned(invisible, required=required) == (
            None,
            ["Must contain a visible character."],
        )


def test_spaces_alone_are_blank_as_before() -> None:
    assert cleaned("   ", required=True) == (None, ["Must not be blank."])
    assert cleaned("   ") == (None, [])


def test_invisible_characters_at_the_edges_are_trimmed_and_kept_inside() -> None:
    assert cleaned("\u200b\ufeff Ada\u200dLovelace \u2060") == ("Ada\u200dLovelace", [])


def test_text_is_normalised_to_nfc_before_its_length_is_checked() -> None:
    assert cleaned("Jose\u0301") == ("Jos\u00e9", [])
    assert cleaned("e\u0301" * 3, limit=3) == ("\u00e9" * 3, [])


def test_unacceptable_characters_are_what_no_field_keeps() -> None:
    assert unacceptable_character("tab\tand\r\nbreaks, \u200b and é are fine") is None
    assert unacceptable_character("a\x00b") == "\x00"
    assert unacceptable_character("a\x85") == "\x85"
    assert unacceptable_character("a\u202eb") == "\u202e"
    assert unacceptable_character("\u0645\u200f Ada \u200e") is None  # direction marks


def test_search_terms_and_tag_filters_never_hold_what_the_database_refuses() -> None:
    assert search_text("\u200b smi\x00th\ud800 ") == "smi th"
    criteria = CustomerCriteria(search="jo\x00se\u0301", tags=("\x00", " vip\x1b"))
    assert criteria.search == "jo s\u00e9"
    assert criteria.tags == ("vip",)


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [
        ("smith", "smiti"),
        ("a\U0010ffff", "b"),
        ("a\ud7ff", "a\ue000"),
        ("\U0010ffff", "\U0010ffff"),
    ],
)
def test_the_upper_bound_of_a_prefix_is_a_character_a_database_holds(
    prefix: str, bound: str
) -> None:
    assert prefix_upper_bound(prefix) == bound
