"""What the domain needs from storage, as protocols the infra layer implements.

Every repository is already scoped to one organisation: it cannot see another's rows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Protocol, TypeVar

from domain.actors import Actor
from domain.consent.ledger import ConsentEntry
from domain.consent.preferences import ContactPreference, PartnerMode
from domain.consent.sharing import ExportEvent, PartnerExportRequest
from domain.customers.customer import Customer, CustomerKind
from domain.customers.households import Household
from domain.customers.popup_notes import PopUpNote
from domain.customers.relationships import Relationship, RelationshipType
from domain.events import DomainEvent
from domain.fundraising.activities import Activity
from domain.fundraising.campaigns import Campaign, OpportunityStage
from domain.fundraising.invitations import Invitation
from domain.fundraising.legacies import Legacy
from domain.fundraising.opportunities import Opportunity
from domain.fundraising.pledges import Pledge
from domain.fundraising.reminders import ReminderPolicy
from domain.jobs import Job
from domain.mailings.mailing import Mailing
from domain.mailings.runs import MailingRun
from domain.sales.catalogue import (
    Event,
    EventInstance,
    Fund,
    MembershipScheme,
    PartnerCompany,
)
from domain.sales.memberships import Membership
from domain.sales.orders import NamedRecords, Order, OrderItem
from domain.sales.reservations import Reservation
from domain.sales.visits import Visit
from domain.segments.rfm import RfmBands
from domain.segments.segment import CustomerList, Reference, Segment

Entry = TypeVar("Entry")


class CustomerRepository(Protocol):
    async def get(self, customer_id: int) -> Customer | None: ...
    async def kinds(self, customer_ids: Collection[int]) -> dict[int, CustomerKind]:
        """The kind of each of these customers that exists, in one look-up: for checking
        references without loading whole records."""

    async def add(self, customer: Customer) -> None:
        """Store a new record, giving it its id and reference."""

    async def save(self, customer: Customer) -> None: ...


class RelationshipTypeRepository(Protocol):
    async def get(self, type_id: int) -> RelationshipType | None: ...
    async def named(self, name: str) -> RelationshipType | None: ...
    async def add(self, relationship_type: RelationshipType) -> None: ...


class RelationshipRepository(Protocol):
    async def get(self, relationship_id: int) -> Relationship | None: ...
    async def related(self, a: int, b: int) -> bool:
        """Whether the two customers have a current relationship, either way round."""

    async def current(self, type_id: int, from_id: int, to_id: int) -> Relationship | None: ...
    async def add(self, relationship: Relationship) -> None: ...
    async def save(self, relationship: Relationship) -> None: ...


class HouseholdRepository(Protocol):
    async def get(self, household_id: int) -> Household | None: ...
    async def of_member(self, customer_id: int) -> Household | None: ...
    async def add(self, household: Household) -> None: ...
    async def save(self, household: Household) -> None: ...


class JobRepository(Protocol):
    async def get(self, job_id: int) -> Job | None: ...
    async def add(self, job: Job) -> None: ...


class PopUpNoteRepository(Protocol):
    async def get(self, note_id: int) -> PopUpNote | None: ...
    async def add(self, note: PopUpNote) -> None: ...
    async def save(self, note: PopUpNote) -> None: ...
    async def delete(self, note_id: int) -> None: ...


class CatalogueRepository(Protocol[Entry]):
    async def get(self, entry_id: int) -> Entry | None: ...
    async def existing(self, entry_ids: Collection[int]) -> set[int]:
        """Which of these ids name an entry, in one look-up."""

    async def add(self, entry: Entry) -> None: ...
    async def save(self, entry: Entry) -> None: ...


class FundRepository(CatalogueRepository[Fund], Protocol):
    async def with_code(self, code: str) -> Fund | None: ...


class OrderRepository(Protocol):
    async def get(self, order_id: int) -> Order | None: ...
    async def with_external_reference(self, reference: str) -> Order | None: ...
    async def add(self, order: Order, what: str) -> None:
        """Store a new order and its items, giving each its id, with `what` as the first
        line of its history; raises AlreadyRecorded when another request recorded the same
        external reference first."""

    async def add_items(self, order: Order, items: list[OrderItem]) -> None: ...
    async def mark_returned(self, order: Order, item_ids: list[int]) -> None: ...
    async def note(self, order_id: int, what: str) -> None:
        """Add to the order's history (who and when are the unit of work's)."""

    async def of_item(self, item_id: int) -> Order | None: ...
    async def named(
        self,
        customer_ids: Collection[int],
        instance_ids: Collection[int],
        fund_ids: Collection[int],
        scheme_ids: Collection[int],
    ) -> NamedRecords:
        """Which of the records an order names exist, in one look-up: an order is checked
        before it is written, and each look-up of its own would be one more round trip."""

    async def link_items(self, item_ids: Collection[int], opportunity_id: int) -> None: ...


class MembershipRepository(Protocol):
    async def latest(self, customer_id: int, scheme_id: int) -> Membership | None: ...
    async def add(self, membership: Membership) -> None: ...


class ReservationRepository(Protocol):
    async def get(self, reservation_id: int) -> Reservation | None: ...
    async def add(self, reservation: Reservation) -> None: ...
    async def save(self, reservation: Reservation) -> None: ...


class VisitRepository(Protocol):
    async def add(self, visit: Visit) -> None: ...


class CampaignRepository(CatalogueRepository[Campaign], Protocol):
    async def depth_below(self, campaign_id: int) -> int:
        """How many levels of sub-campaigns sit under this one."""


class StageRepository(CatalogueRepository[OpportunityStage], Protocol):
    async def in_use(self, stage_id: int) -> bool: ...
    async def delete(self, stage_id: int) -> None: ...


class OpportunityRepository(CatalogueRepository[Opportunity], Protocol):
    async def record_stage_change(
        self, opportunity_id: int, from_stage: int, to_stage: int
    ) -> None: ...


class StaffRepository(Protocol):
    async def exists(self, user_id: int) -> bool: ...


class PledgeRepository(Protocol):
    async def get(self, pledge_id: int, for_change: bool = False) -> Pledge | None:
        """With `for_change`, the pledge is held first: another unit of work changing it
        waits until this one ends, and what this one reads includes all it committed."""

    async def of_instalment(self, instalment_id: int, for_change: bool = False) -> Pledge | None:
        """The pledge the instalment is part of; `for_change` as for `get`."""

    async def add(self, pledge: Pledge) -> None: ...
    async def save_schedule(self, pledge: Pledge) -> None:
        """Store the pledge's cancelled flag and its instalments as they now are."""

    async def record_payment(self, instalment_id: int, amount: int, order_item_id: int) -> None: ...
    async def donations(self, pledge_id: int) -> list[int]:
        """The order items of the donations the pledge's instalments were paid with."""

    async def link(self, pledge: Pledge) -> None:
        """Store the pledge's opportunity."""

    async def queue_reminder(self, instalment_id: int) -> int:
        """Write the instalment's next reminder (its number one past the last) and return
        its id."""

    async def save_policy(self, policy: ReminderPolicy) -> None:
        """Store the organisation's reminder settings."""

    async def policy(self) -> ReminderPolicy:
        """The organisation's reminder settings (the defaults until saved)."""

    async def reminder_days(self, instalment_id: int) -> list[date]:
        """The days the instalment's reminders went or were queued, skipped ones apart."""


class LegacyRepository(CatalogueRepository[Legacy], Protocol):
    async def record_receipt(self, legacy_id: int, amount: int, order_item_id: int) -> None: ...


class InvitationRepository(CatalogueRepository[Invitation], Protocol):
    async def exists(self, customer_id: int, instance_id: int) -> bool: ...


class ConsentRepository(Protocol):
    """Preferences and the ledger. The ledger has no update or delete: entries are only
    ever appended (the database refuses anything else too)."""

    async def preferences(self) -> list[ContactPreference]:
        """Every preference of the organisation, retired ones too, in creation order."""

    async def preference(self, preference_id: int) -> ContactPreference | None: ...
    async def add_preference(self, preference: ContactPreference) -> None:
        """Store a new preference and its first wording version."""

    async def save_preference(self, preference: ContactPreference) -> None:
        """Store a changed preference; a new version stores its words beside the old ones."""

    async def retire_preference(self, preference: ContactPreference) -> None: ...
    async def partner_mode(self) -> PartnerMode: ...
    async def set_partner_mode(self, mode: PartnerMode) -> None: ...
    async def append(self, entries: list[ConsentEntry]) -> list[ConsentEntry]:
        """Append the entries to the ledger; returns them with their ids."""

    async def latest(self, customer_id: int) -> dict[int, ConsentEntry]:
        """The customer's latest entry per preference id."""

    async def log_export(self, job_id: int, request: PartnerExportRequest) -> None:
        """Log who asked for an export for which partner, and when (its rows follow)."""

    async def log_export_event(
        self, job_id: int, what: ExportEvent, expires_at: datetime | None = None
    ) -> None:
        """Log what happened to the export's file, by the unit of work's actor, now."""


class ErasureRepository(Protocol):
    async def erased(self, customer_id: int) -> bool: ...
    async def erase(
        self, customer: Customer, words: list[str], email_hashes: list[str], reason: str
    ) -> None:
        """Anonymise the customer in place, take `words` out of what mentions them, unlink
        their ledger entries, suppress the hashed addresses and record the erasure."""


class SegmentRepository(Protocol):
    async def get(self, segment_id: int, *, to_delete: bool = False) -> Segment | None:
        """The segment, held until the transaction ends against being deleted (so a run or
        a list made from it in the meantime cannot lose it), or with `to_delete` against
        any other change."""

    async def add(self, segment: Segment) -> None: ...
    async def save(self, segment: Segment) -> None:
        """Store its fields; the lists frozen from it follow its sharing."""

    async def delete(self, segment: Segment) -> bool:
        """Remove it; its lists stay, naming no segment. False, removing nothing, when a
        mailing run to it is scheduled or sending by then."""

    async def get_list(self, list_id: int, *, to_delete: bool = False) -> CustomerList | None:
        """The list, held as `get` holds a segment."""

    async def save_list(self, frozen: CustomerList) -> None: ...
    async def delete_list(self, frozen: CustomerList) -> bool:
        """Remove it and its members; False, as `delete`, while a run to it is under way."""

    async def missing(self, references: list[Reference]) -> list[Reference]:
        """Those of `references` that name no row of the organisation."""

    async def freeze(self, segment: Segment, frozen: CustomerList) -> None:
        """Store the list with the segment's members as they are now, in this transaction."""

    async def set_bands(self, bands: RfmBands) -> None: ...


class MailingRepository(Protocol):
    async def get(self, mailing_id: int) -> Mailing | None: ...
    async def add(self, mailing: Mailing) -> None: ...
    async def save(self, mailing: Mailing) -> None: ...
    async def active_run(self, mailing_id: int) -> MailingRun | None:
        """The mailing's run that is scheduled or sending, if any."""

    async def add_run(self, run: MailingRun) -> bool:
        """Store the run; False, storing nothing, when its segment or list is gone."""

    async def cancel_run(self, run: MailingRun, reason: str) -> None:
        """Store the run as cancelled, with what of it has not gone, and fail its job with
        `reason`."""


class UnitOfWork(Protocol):
    actor: Actor
    customers: CustomerRepository
    relationship_types: RelationshipTypeRepository
    relationships: RelationshipRepository
    households: HouseholdRepository
    jobs: JobRepository
    pop_up_notes: PopUpNoteRepository
    partner_companies: CatalogueRepository[PartnerCompany]
    events: CatalogueRepository[Event]
    event_instances: CatalogueRepository[EventInstance]
    funds: FundRepository
    membership_schemes: CatalogueRepository[MembershipScheme]
    orders: OrderRepository
    memberships: MembershipRepository
    reservations: ReservationRepository
    visits: VisitRepository
    campaigns: CampaignRepository
    stages: StageRepository
    opportunities: OpportunityRepository
    staff: StaffRepository
    pledges: PledgeRepository
    legacies: LegacyRepository
    activities: CatalogueRepository[Activity]
    invitations: InvitationRepository
    consent: ConsentRepository
    erasures: ErasureRepository
    segments: SegmentRepository
    mailings: MailingRepository

    def today(self) -> date: ...
    def now(self) -> datetime: ...
    async def currency(self) -> str:
        """The organisation's currency: every amount it records is in it."""

    def record(self, event: DomainEvent) -> None:
        """Collect an event; its timeline entries and message commit with the change."""
