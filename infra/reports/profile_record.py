"""The Donor Profile's record sections: details, relationships, household, memberships and
the pop-up notes the requester may see. Sync reads on the report's snapshot connection."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, or_, select

from domain.customers.customer import display_name as shown_name
from domain.customers.popup_notes import display_order, readable_colours
from domain.donor_profile import ProfileRequest, ReportColumn, ReportSection
from domain.roles import Role
from domain.sales.memberships import Membership, MembershipStatus
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.queries.details import detail_rows
from infra.db.queries.erased import both_ends_kept, not_erased
from infra.db.queries.popup_notes import readable_notes
from infra.db.queries.sales import renewed


def display_name(row: Any) -> str:
    return shown_name(row.kind, row.title, row.first_name, row.last_name, row.name)


def details_section(
    db: Connection, tenant_id: int, customer: Any, request: ProfileRequest
) -> ReportSection:
    ids = [customer.id]

    def parts(table: Any) -> list[Any]:
        return list(db.execute(detail_rows(tenant_id, table, ids)))

    address = next((a for a in parts(t.customer_address) if a.is_primary), None)
    facts: list[tuple[str, Any]] = [
        ("Name", display_name(customer)),
        ("Reference", customer.reference),
        ("Status", "Active" if customer.active else "Inactive"),
        ("On record since", customer.created_at.date()),
        ("Email", ", ".join(e.address for e in parts(t.customer_email)) or None),
        ("Phone", ", ".join(p.number for p in parts(t.customer_phone)) or None),
        ("Address", _address(address)),
        ("Tags", ", ".join(r.tag for r in parts(t.customer_tag)) or None),
    ]
    if customer.date_of_death:
        facts.append(("Date of death", customer.date_of_death))
    may_see_protected = Role.PROTECTED_DATA in request.reader_roles
    for attribute in parts(t.customer_attribute):
        shown = attribute.value if may_see_protected or not attribute.protected else "(protected)"
        facts.append((attribute.key, shown))
    known = [(name, value) for name, value in facts if value is not None]
    return ReportSection("Details", (ReportColumn("Detail", 22), ReportColumn("Value", 60)), known)


def _address(row: Any) -> str | None:
    if row is None:
        return None
    return ", ".join(
        p for p in (row.line1, row.line2, row.city, row.region, row.postcode, row.country) if p
    )


def relationships_section(db: Connection, tenant_id: int, customer_id: int) -> ReportSection:
    r, rt = t.relationship.c, t.relationship_type.c
    rows = db.execute(
        select(t.relationship, rt.name.label("type_name"))
        .join(t.relationship_type, rt.id == r.type_id)
        .where(
            r.tenant_id == tenant_id,
            r.ended.is_(False),
            or_(r.from_customer_id == customer_id, r.to_customer_id == customer_id),
            both_ends_kept(r),
        )
        .order_by(r.id)
    ).all()
    others = _customers(
        db,
        tenant_id,
        {
            x.to_customer_id if x.from_customer_id == customer_id else x.from_customer_id
            for x in rows
        },
    )
    entries = []
    for row in rows:
        outward = row.from_customer_id == customer_id
        other = others[row.to_customer_id if outward else row.from_customer_id]
        how = f"{row.type_name} of" if outward else f"has as {row.type_name}"
        entries.append((how, display_name(other), other.reference, row.starts_on, row.ends_on))
    columns = (
        ReportColumn("Relationship", 24),
        ReportColumn("With", 30),
        ReportColumn("Reference", 12),
        ReportColumn("Since", 12),
        ReportColumn("Until", 12),
    )
    return ReportSection("Relationships", columns, entries, "No current relationships.")


def household_section(db: Connection, tenant_id: int, customer_id: int) -> ReportSection:
    hm, h = t.household_member.c, t.household.c
    household = db.execute(
        select(t.household)
        .join(t.household_member, hm.household_id == h.id)
        .where(hm.tenant_id == tenant_id, hm.customer_id == customer_id)
    ).first()
    columns = (ReportColumn("Household", 28), ReportColumn("Member", 30), ReportColumn("Role", 22))
    section = ReportSection("Household", columns, when_empty="Not in a household.")
    if household is None:
        return section
    member_ids = set(
        db.execute(
            select(hm.customer_id).where(
                hm.tenant_id == tenant_id,
                hm.household_id == household.id,
                not_erased(hm.customer_id),
            )
        ).scalars()
    )
    members = _customers(db, tenant_id, member_ids)
    for pk in sorted(members, key=lambda pk: (pk != household.primary_householder_id, pk)):
        role = "Primary householder" if pk == household.primary_householder_id else "Member"
        section.rows.append((household.name, display_name(members[pk]), role))
    return section


def memberships_section(
    db: Connection, tenant_id: int, customer_id: int, today: date
) -> ReportSection:
    m, ms = s.membership.c, s.membership_scheme.c
    rows = db.execute(
        select(s.membership, ms.name.label("scheme_name"), ms.grace_period_days, renewed())
        .join(s.membership_scheme, ms.id == m.scheme_id)
        .where(m.tenant_id == tenant_id, m.customer_id == customer_id)
        .order_by(m.ends_on.desc(), m.id.desc())
    ).all()
    current = [
        (r.scheme_name, r.starts_on, r.ends_on, "Yes" if r.auto_renew else "No")
        for r in rows
        if Membership(r.customer_id, r.scheme_id, r.starts_on, r.ends_on).status(
            today, r.grace_period_days, r.renewed
        )
        is MembershipStatus.CURRENT
    ]
    columns = (
        ReportColumn("Scheme", 28),
        ReportColumn("From", 12),
        ReportColumn("To", 12),
        ReportColumn("Auto-renews", 12),
    )
    return ReportSection("Current memberships", columns, current, "No current memberships.")


def notes_section(
    db: Connection, tenant_id: int, customer_id: int, request: ProfileRequest, today: date
) -> ReportSection:
    n = t.pop_up_note.c
    colours = readable_colours(request.reader_roles)
    rows = db.execute(readable_notes(tenant_id, colours).where(n.customer_id == customer_id))
    notes = [
        (
            r.colour.title(),
            r.text,
            r.author,
            r.created_at.date(),
            "Pinned" if r.pinned else ("Expired" if r.expires_on and r.expires_on < today else ""),
        )
        for r in display_order(rows.all())
    ]
    columns = (
        ReportColumn("Colour", 7),
        ReportColumn("Note", 70),
        ReportColumn("Author", 24),
        ReportColumn("Written", 12),
        ReportColumn("", 9),
    )
    return ReportSection("Pop-up notes", columns, notes, "No pop-up notes.")


def _customers(db: Connection, tenant_id: int, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    c = t.customer.c
    rows = db.execute(select(t.customer).where(c.tenant_id == tenant_id, c.id.in_(ids)))
    return {row.id: row for row in rows}
