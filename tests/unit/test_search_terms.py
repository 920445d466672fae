"""How customers are indexed and how a search is read."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.customers.contact import Address, Email, Phone
from domain.customers.customer import Customer, CustomerKind
from domain.customers.search import (
    SHORT_PREFIX,
    SearchQuery,
    indexed_terms,
    is_short,
    prefix_upper_bound,
    terms_for,
)
from domain.text import fold


def test_folding_ignores_case_and_accents() -> None:
    assert fold("José GARCÍA") == "jose garcia"
    assert fold("Zoë Ó Súilleabháin") == "zoe o suilleabhain"


def test_a_person_is_indexed_by_names_email_phone_postcode_and_reference() -> None:
    person = Customer(
        CustomerKind.INDIVIDUAL,
        reference="C-104233",
        first_name="José",
        last_name="Smith-Jones",
        emails=[Email("Jose@Example.org")],
        phones=[Phone("020 7946 0000")],
        addresses=[Address("1 High St", None, None, None, "SW1A 1AA", None, True)],
    )
    assert terms_for(person) == {
        "jose",
        "smith",
        "jones",
        "jose@example.org",
        "02079460000",
        "sw1a1aa",
        "c104233",
        "104233",
    }


def test_a_query_of_several_words_also_matches_as_one_compact_term() -> None:
    assert SearchQuery.parse("SW1A 1AA") == SearchQuery(("sw1a", "1aa"), "sw1a1aa")
    assert SearchQuery.parse("José") == SearchQuery(("jose",), None)
    assert SearchQuery.parse("ada@example.org") == SearchQuery(("ada@example.org",), None)
    assert SearchQuery.parse("   ") is None


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789@.", min_size=1, max_size=12),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789@.", max_size=12),
)
def test_every_string_with_the_prefix_falls_inside_the_range(prefix: str, rest: str) -> None:
    bound = prefix_upper_bound(prefix)
    assert prefix <= prefix + rest < bound


def test_a_record_is_stored_under_its_terms_and_their_short_prefixes() -> None:
    person = Customer(CustomerKind.INDIVIDUAL, first_name="Li", last_name="Smith")
    assert indexed_terms(person) == {"l", "li", "s", "sm", "smi", "smit", "smith"}


@given(st.text(alphabet="abcdefgh", min_size=1, max_size=9))
def test_every_word_a_term_starts_with_is_stored_or_starts_with_a_stored_short_prefix(
    last_name: str,
) -> None:
    stored = indexed_terms(Customer(CustomerKind.INDIVIDUAL, last_name=last_name))
    for length in range(1, len(last_name) + 1):
        word = last_name[:length]
        assert (word in stored) if is_short(word) else (word[:SHORT_PREFIX] in stored)
