"""`node(id:)`: any object by its global id, within the caller's organisation."""

from __future__ import annotations

from typing import Any

from domain.errors import PermissionDenied
from domain.roles import READ_ROLES
from domain.timeline import CUSTOMER
from resolvers.context import RequestContext
from resolvers.customers import customer_by_global_id, customer_type_name
from resolvers.global_ids import CUSTOMER_TYPES, parse_global_id
from resolvers.jobs import job_by_global_id
from resolvers.sales import reservation_through_loaders
from resolvers.segments import segment_by_global_id, visible_list


async def node(context: RequestContext, global_id: str) -> tuple[str, Any] | None:
    """The type name and row behind `global_id`, or None when it names nothing of ours."""
    parsed = parse_global_id(global_id)
    if parsed is None:
        return None
    type_name, pk = parsed
    if type_name in CUSTOMER_TYPES:
        row = await customer_by_global_id(context, global_id)
    elif type_name == "Job":
        row = await job_by_global_id(context, global_id)
    elif type_name == "Segment":
        row = await segment_by_global_id(context, global_id)
    elif type_name == "CustomerList":
        row = await visible_list(context, pk)
    else:
        return await load_object(context, type_name, pk)
    return (type_name, row) if row is not None else None


async def load_object(context: RequestContext, type_name: str, pk: int) -> tuple[str, Any] | None:
    """The object of `type_name` (an Individual or Organisation for `Customer`) with id `pk`, read
    through the request's dataloaders with the role checks of `node()`: the one way to
    open an object by type and id. None when it names nothing of ours."""
    # The role its type needs however it is reached (domain.roles.READ_ROLES).
    role = READ_ROLES.get(type_name)
    if role is not None and not context.caller.has(role):
        raise PermissionDenied(f"A {type_name} needs the {role} role.", ("id",))
    loaders = context.loaders
    by_type = {
        "Household": loaders.household_by_id,
        "RelationshipType": loaders.relationship_type_by_id,
        "Relationship": loaders.relationship_by_id,
        "Order": loaders.order_by_id,
        "OrderItem": loaders.order_item_by_id,
        "Event": loaders.event_by_id,
        "EventInstance": loaders.event_instance_by_id,
        "Fund": loaders.fund_by_id,
        "MembershipScheme": loaders.membership_scheme_by_id,
        "PartnerCompany": loaders.partner_company_by_id,
        "Membership": loaders.membership_by_id,
        "Visit": loaders.visit_by_id,
        "Campaign": loaders.campaign_by_id,
        "OpportunityStage": loaders.stage_by_id,
        "Opportunity": loaders.opportunity_by_id,
        "StaffUser": loaders.staff_user_by_id,
        "Pledge": loaders.pledge_by_id,
        "Instalment": loaders.instalment_by_id,
        "Legacy": loaders.legacy_by_id,
        "Activity": loaders.activity_by_id,
        "Invitation": loaders.invitation_by_id,
        "ContactPreference": loaders.preference_by_id,
        "Mailing": loaders.mailing_by_id,
        # Only the colours the caller may see: a pink note is missing to anyone else.
        "PopUpNote": loaders.pop_up_note_by_id,
    }
    if type_name == CUSTOMER:
        row = await loaders.customer_by_id.load(pk)
        return (customer_type_name(row), row) if row is not None else None
    if type_name == "Reservation":
        row = await reservation_through_loaders(context, pk)
    elif type_name in by_type:
        row = await by_type[type_name].load(pk)
    else:
        return None
    return (type_name, row) if row is not None else None
