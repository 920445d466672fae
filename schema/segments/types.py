"""Segments, frozen lists, breakdowns, RFM bands and audience measures as API types."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.segments import breakdown as domain_breakdown
from domain.segments import criteria as k
from domain.segments import measures as m
from domain.segments.rfm import RfmBands as DomainRfmBands
from domain.segments.segment import CustomerList as DomainCustomerList
from resolvers import segments as segment_reads
from schema.customers.types import Customer, customer_from_record
from schema.errors import read
from schema.node import Node
from schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.sales.money import Money
from schema.segments.criteria import SegmentCriterion, criterion_of

BreakdownBy = strawberry.enum(
    domain_breakdown.BreakdownBy,
    description="What to break a segment down by; every member is in exactly one bucket.",
)


@strawberry.type(description="One bucket of a breakdown.")
class BreakdownBucket:
    key: str = strawberry.field(
        description="The bucket: a postcode area, a kind, a scheme's id, a band 1 to 5, a "
        "year or a consent state; NONE for members with nothing to put them elsewhere."
    )
    label: str = strawberry.field(description="The bucket for people to read.")
    customers: int = strawberry.field(description="Members in the bucket.")
    spent: Money = strawberry.field(
        description="What the bucket's members spent on items they kept (all time)."
    )


@strawberry.type(
    description="A saved, named set of criteria; its members are evaluated when asked."
)
class Segment(Node):
    name: str = strawberry.field(description="Its name.")
    description: str = strawberry.field(description="What it is for.")
    shared: bool = strawberry.field(
        description="Seen by everyone with INSIGHTS (only an INSIGHTS_ADMIN shares)."
    )
    owner: str = strawberry.field(description="Who saved it first.")
    created_at: datetime = strawberry.field(description="When it was first saved.")
    updated_at: datetime = strawberry.field(description="When it was last saved.")
    read_: strawberry.Private[segment_reads.SegmentRead]

    @strawberry.field(
        description="The criteria as JSON text, in the shape of `SegmentCriterionInput`.",
        deprecation_reason="Read `criteriaTree`, the same tree typed.",
    )
    def criteria(self) -> str | None:
        criteria = segment_reads.readable_criteria(self.read_)
        return json.dumps(k.to_json(criteria), sort_keys=True)

    @strawberry.field(
        description="Who is in it: the criteria tree as saved, typed node for node as "
        "`SegmentCriterionInput` sends it (ids global, amounts Money). A tree nests at most 8 "
        "levels of all / any / not; a query reads as many levels as it selects. Needs the "
        "roles its members do, as criteria name protected values and fundraising records: "
        "null, with a PERMISSION_DENIED error, for a shared segment whose criteria need more."
    )
    async def criteria_tree(self, info: Info) -> SegmentCriterion | None:
        criteria = segment_reads.readable_criteria(self.read_)
        return criterion_of(criteria, await info.context.currency())

    @strawberry.field(description="How many customers match now (one SQL statement).")
    async def count(self, info: Info) -> int:
        return await read(segment_reads.count(info.context, self.read_))

    @strawberry.field(description="The customers who match now, in surname order.")
    async def customers(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Customer]:
        page = await read(segment_reads.members(info.context, self.read_, first, after))
        return Connection.of(page.rows, page.cursors, page.has_next_page, customer_from_record)

    @strawberry.field(
        description="Members counted (and their spend summed) per bucket, in one statement; "
        "the buckets add up to `count`."
    )
    async def breakdown(
        self,
        info: Info,
        by: Annotated[BreakdownBy, strawberry.argument(description="What to break down by.")],  # type: ignore[valid-type]
        preference_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="With CONSENT_STATE: this preference (default: email)."
            ),
        ] = None,
    ) -> list[BreakdownBucket]:
        buckets = await read(segment_reads.breakdown(info.context, self.read_, by, preference_id))
        currency = await info.context.currency()
        return [
            BreakdownBucket(
                key=b.key,
                label=b.label,
                customers=b.customers,
                spent=Money.of(b.spent, currency),
            )
            for b in buckets
        ]

    @classmethod
    def from_read(cls, found: segment_reads.SegmentRead) -> Segment:
        s = found.segment
        assert s.id is not None and s.created_at is not None and s.updated_at is not None
        return cls(
            pk=s.id,
            name=s.name,
            description=s.description,
            shared=s.shared,
            owner=s.owner,
            created_at=s.created_at,
            updated_at=s.updated_at,
            read_=found,
        )


@strawberry.type(
    description="A segment's members frozen at one moment: it never changes with the segment."
)
class CustomerList(Node):
    name: str = strawberry.field(description="Its name.")
    frozen_at: datetime = strawberry.field(description="The moment its members were taken.")
    created_by: str = strawberry.field(description="Who froze it.")
    shared: bool = strawberry.field(
        description="Seen by everyone with INSIGHTS: while its segment is shared, and as it "
        "was once that segment is deleted."
    )
    frozen_: strawberry.Private[DomainCustomerList]

    @strawberry.field(
        description="How many customers it held when frozen (those erased since included). "
        "Needs the roles its members do (null, with a PERMISSION_DENIED error, without)."
    )
    def size(self, info: Info) -> int | None:
        return segment_reads.list_size(info.context, self.frozen_)

    @strawberry.field(description="The segment it was frozen from, when you see it and it exists.")
    async def segment(self, info: Info) -> Segment | None:
        if self.frozen_.segment_id is None:
            return None
        found = await segment_reads.visible_segment(info.context, self.frozen_.segment_id)
        return Segment.from_read(found) if found else None

    @strawberry.field(
        description="Its members, in surname order, erased customers left out. Needs the roles "
        "its segment's criteria needed when it was frozen, as the segment's `customers` does."
    )
    async def customers(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Customer]:
        page = await read(segment_reads.list_members(info.context, self.frozen_, first, after))
        return Connection.of(page.rows, page.cursors, page.has_next_page, customer_from_record)

    @classmethod
    def from_record(cls, frozen: DomainCustomerList) -> CustomerList:
        assert frozen.id is not None
        return cls(
            pk=frozen.id,
            name=frozen.name,
            frozen_at=frozen.frozen_at,
            created_by=frozen.created_by,
            shared=frozen.shared,
            frozen_=frozen,
        )


@strawberry.type(description="Criteria evaluated without saving them.")
class SegmentPreview:
    count: int = strawberry.field(description="How many customers match now.")
    customers: Connection[Customer] = strawberry.field(
        description="The first page of them, in surname order."
    )


@strawberry.type(
    description="The organisation's RFM band edges: four ascending edges per measure make "
    "five bands, 5 the best."
)
class RfmBands:
    recency_days: list[int] = strawberry.field(
        description="Days since the last order: band 5 within the first edge, 4 the second..."
    )
    frequency_orders: list[int] = strawberry.field(
        description="Orders: band 1 below the first edge, 2 below the second, ..., 5 the rest."
    )
    monetary: list[Money] = strawberry.field(
        description="Spent on items kept: band 1 below the first edge, ..., 5 the rest."
    )

    @classmethod
    def of(cls, bands: DomainRfmBands, currency: str) -> RfmBands:
        return cls(
            recency_days=list(bands.recency_days),
            frequency_orders=list(bands.frequency_orders),
            monetary=[Money.of(v, currency) for v in bands.monetary_minor],
        )


@strawberry.type(description="A share: so many of so many.")
class Rate:
    part: int = strawberry.field(description="How many did.")
    whole: int = strawberry.field(description="Of how many.")
    rate: float | None = strawberry.field(description="part / whole; null when whole is 0.")

    @classmethod
    def of(cls, rate: m.Rate) -> Rate:
        return cls(part=rate.part, whole=rate.whole, rate=rate.rate)


@strawberry.type(description="The audience measures of one calendar year (UTC).")
class YearMeasures:
    year: int = strawberry.field(description="The year.")
    donor_retention: Rate = strawberry.field(
        description="Donors of the year before who gave again in this year."
    )
    membership_renewal: Rate = strawberry.field(
        description="Memberships ending in the year that were renewed."
    )
    rebooking: Rate = strawberry.field(
        description="First-time bookers of the year who booked again within twelve months."
    )
    average_gift: Money | None = strawberry.field(
        description="The average donation given in the year; null with none."
    )
    gifts: int = strawberry.field(description="How many donations were given in the year.")
    email_opt_in: int = strawberry.field(
        description="Customers granting an email preference at the end of the year (now, "
        "for the year under way)."
    )

    @classmethod
    def of(cls, year: m.YearMeasures, currency: str) -> YearMeasures:
        average = year.average_gift.average
        return cls(
            year=year.year,
            donor_retention=Rate.of(year.donor_retention),
            membership_renewal=Rate.of(year.membership_renewal),
            rebooking=Rate.of(year.rebooking),
            average_gift=Money.of(average, currency) if average is not None else None,
            gifts=year.average_gift.gifts,
            email_opt_in=year.email_opt_in,
        )


@strawberry.type(description="The standard audience measures, a year beside the year before.")
class AudienceMeasures:
    year: YearMeasures = strawberry.field(description="The year asked for.")
    year_before: YearMeasures = strawberry.field(description="The year before it.")


@strawberry.type(description="What the audience looks like, measured.")
class Insights:
    @strawberry.field(description="The standard audience measures of a year and the one before.")
    async def measures(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(description="The calendar year, e.g. 2026.")],
    ) -> AudienceMeasures:
        found = await read(segment_reads.audience_measures(info.context, year))
        currency = await info.context.currency()
        return AudienceMeasures(
            year=YearMeasures.of(found.year, currency),
            year_before=YearMeasures.of(found.year_before, currency),
        )
