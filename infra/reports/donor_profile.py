"""Reading a whole Donor Profile from one snapshot of the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from domain.donor_profile import DonorProfile, ProfileRequest
from domain.timeline import TimelineEntryType, readable_types
from infra.db import tables as t
from infra.db.queries.erased import not_erased
from infra.db.report_snapshot import read_snapshot
from infra.reports import profile_fundraising as fundraising
from infra.reports import profile_history as history
from infra.reports import profile_record as record


class CustomerGone(Exception):
    """The customer was erased, or is no Individual: the input's failure, not the world's."""


def read_donor_profile(
    engine: Engine, tenant_id: int, request: ProfileRequest, now: datetime
) -> DonorProfile:
    today = now.date()
    with read_snapshot(engine) as db:
        tenant = db.execute(select(t.tenant).where(t.tenant.c.id == tenant_id)).one()
        c = t.customer.c
        customer = db.execute(
            select(t.customer).where(
                c.tenant_id == tenant_id, c.id == request.customer_id, not_erased(c.id)
            )
        ).first()
        if customer is None or customer.kind != "INDIVIDUAL":
            raise CustomerGone("The customer is no longer an Individual on record.")
        currency, pk = tenant.currency, customer.id
        profile = DonorProfile(
            tenant.name,
            currency,
            record.display_name(customer),
            customer.reference,
            request.starts_on,
            request.ends_on,
            now,
        )
        profile.sections = [
            history.summary_section(
                db, tenant_id, pk, request, currency, _readable_entries(request)
            ),
            record.details_section(db, tenant_id, customer, request),
            record.relationships_section(db, tenant_id, pk),
            record.household_section(db, tenant_id, pk),
            record.memberships_section(db, tenant_id, pk, today),
            fundraising.opportunities_section(db, tenant_id, pk, currency, now),
            record.notes_section(db, tenant_id, pk, request, today),
            history.donations_section(db, tenant_id, pk, request, currency),
            history.tickets_section(db, tenant_id, pk, request, currency),
            *fundraising.pledge_sections(db, tenant_id, pk, currency, today),
            *fundraising.activity_sections(db, tenant_id, pk, request, today),
        ]
    return profile


def _readable_entries(request: ProfileRequest) -> frozenset[TimelineEntryType]:
    # The timeline's own rule for who reads which entries: the report shows no more.
    return readable_types(request.reader_roles)
