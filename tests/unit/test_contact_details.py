"""Validation of names and contact details, and the protected-attribute rule."""

from __future__ import annotations

import pytest

from domain.actors import Actor, ActorKind
from domain.customers.commands import ContactDetails
from domain.customers.contact import Address, Email, Phone
from domain.customers.customer import Attribute, Customer, CustomerKind
from domain.customers.details import apply_contact_details
from domain.errors import InvalidInput, PermissionDenied, ProblemCollector
from domain.roles import Role, effective_roles, parse_roles


def actor(*roles: Role) -> Actor:
    return Actor(ActorKind.USER, 1, "staff@example.org", 1, effective_roles(roles))


def apply(
    details: ContactDetails, customer: Customer | None = None, who: Actor | None = None
) -> tuple[Customer, ProblemCollector]:
    record = customer or Customer(CustomerKind.INDIVIDUAL, last_name="Smith")
    problems = ProblemCollector()
    apply_contact_details(problems, record, details, who or actor(Role.SALES))
    return record, problems


def test_emails_are_checked_and_their_domain_lower_cased() -> None:
    record, problems = apply(ContactDetails(emails=[Email(" Ada@EXAMPLE.org "), Email("nope")]))
    assert record.emails == [Email("Ada@example.org")]
    assert [p.field for p in problems.problems] == [("emails", "1", "address")]


@pytest.mark.parametrize("address", ["user@[127.0.0.1]", "user@127.0.0.1", "user@localhost"])
def test_an_email_names_a_domain_not_a_machine(address: str) -> None:
    _, problems = apply(ContactDetails(emails=[Email(address)]))
    assert [p.field for p in problems.problems] == [("emails", "0", "address")]


def test_one_address_is_given_once_whatever_its_case() -> None:
    twice = [Email("A@Example.ORG"), Email("b@example.org"), Email("a@example.org")]
    _, problems = apply(ContactDetails(emails=twice))
    assert [p.field for p in problems.problems] == [("emails", "2", "address")]
    assert "given twice" in problems.problems[0].message


def test_a_phone_needs_digits() -> None:
    _, problems = apply(ContactDetails(phones=[Phone("call me"), Phone("+44 (0)20 7946 0000")]))
    assert [p.field for p in problems.problems] == [("phones", "0", "number")]


def test_the_first_address_is_primary_unless_another_is_marked() -> None:
    first = Address("1 High St", None, None, None, None, None, False)
    second = Address("2 Low St", None, None, None, None, None, False)
    record, _ = apply(ContactDetails(addresses=[first, second]))
    assert [a.primary for a in record.addresses] == [True, False]
    _, problems = apply(
        ContactDetails(
            addresses=[
                Address("1", None, None, None, None, None, True),
                Address("2", None, None, None, None, None, True),
            ]
        )
    )
    assert problems.problems[0].message == "Only one address may be primary."


def test_ten_thousand_characters_are_too_many() -> None:
    _, problems = apply(ContactDetails(tags=["x" * 10_000]))
    assert problems.problems[0].field == ("tags", "0")


def test_without_protected_data_protected_attributes_are_kept_and_cannot_be_set() -> None:
    record = Customer(
        CustomerKind.INDIVIDUAL,
        last_name="Smith",
        attributes=[Attribute("wealth", "high", protected=True)],
    )
    updated, problems = apply(ContactDetails(attributes=[Attribute("diet", "vegan")]), record)
    assert not problems.problems
    assert updated.attributes == [Attribute("diet", "vegan"), Attribute("wealth", "high", True)]
    with pytest.raises(PermissionDenied):
        apply(ContactDetails(attributes=[Attribute("wealth", "low", True)]), record)
    cleared, _ = apply(ContactDetails(attributes=[]), record, actor(Role.PROTECTED_DATA))
    assert cleared.attributes == []


def test_admin_roles_imply_their_user_roles_and_unknown_roles_are_refused() -> None:
    assert effective_roles([Role.OPPORTUNITIES_ADMIN]) == {
        Role.OPPORTUNITIES_ADMIN,
        Role.OPPORTUNITIES,
    }
    assert parse_roles(["sales", " insights "]) == {Role.SALES, Role.INSIGHTS}
    with pytest.raises(InvalidInput):
        parse_roles(["WIZARD"])
