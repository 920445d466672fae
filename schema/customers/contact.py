"""Contact details in the API: emails, phones, addresses, custom attributes."""

from __future__ import annotations

from typing import Any

import strawberry


@strawberry.type(description="An email address of a customer.")
class Email:
    address: str = strawberry.field(description="The address, as given.")
    label: str | None = strawberry.field(description="What it is for, e.g. `work`.")
    primary: bool = strawberry.field(description="Whether this is the first address to use.")

    @classmethod
    def from_rows(cls, rows: list[Any]) -> list[Email]:
        return [cls(address=r.address, label=r.label, primary=i == 0) for i, r in enumerate(rows)]


@strawberry.type(description="A phone number of a customer.")
class Phone:
    number: str = strawberry.field(description="The number, as given.")
    label: str | None = strawberry.field(description="What it is for, e.g. `mobile`.")
    primary: bool = strawberry.field(description="Whether this is the first number to call.")

    @classmethod
    def from_rows(cls, rows: list[Any]) -> list[Phone]:
        return [cls(number=r.number, label=r.label, primary=i == 0) for i, r in enumerate(rows)]


@strawberry.type(description="A postal address of a customer.")
class Address:
    line1: str = strawberry.field(description="First line.")
    line2: str | None = strawberry.field(description="Second line.")
    city: str | None = strawberry.field(description="Town or city.")
    region: str | None = strawberry.field(description="County, state or region.")
    postcode: str | None = strawberry.field(description="Postcode or ZIP code.")
    country: str | None = strawberry.field(description="Country.")
    primary: bool = strawberry.field(description="Whether this is the address to post to.")

    @classmethod
    def from_rows(cls, rows: list[Any]) -> list[Address]:
        return [
            cls(
                line1=r.line1,
                line2=r.line2,
                city=r.city,
                region=r.region,
                postcode=r.postcode,
                country=r.country,
                primary=r.is_primary,
            )
            for r in rows
        ]


@strawberry.type(description="A custom attribute of a customer, defined by the organisation.")
class CustomAttribute:
    key: str = strawberry.field(description="The attribute's name.")
    value: str | None = strawberry.field(
        description="Its value; null for a protected attribute unless the caller holds the "
        "PROTECTED_DATA role."
    )
    protected: bool = strawberry.field(description="Whether the value is protected data.")

    @classmethod
    def from_rows(cls, rows: list[Any], may_see_protected: bool) -> list[CustomAttribute]:
        return [
            cls(
                key=r.key,
                value=r.value if may_see_protected or not r.protected else None,
                protected=r.protected,
            )
            for r in rows
        ]
