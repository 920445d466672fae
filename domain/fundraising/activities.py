"""Activities: tasks and meetings with a customer, owned by a staff member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.calendar import check_day
from domain.customers.services import get_customer
from domain.errors import Conflict, NotFound, ProblemCollector
from domain.fundraising.events import ActivitySaved
from domain.fundraising.opportunities import get_opportunity
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


class ActivityType(StrEnum):
    MEETING = "MEETING"
    CALL = "CALL"
    EMAIL = "EMAIL"
    LETTER = "LETTER"
    TASK = "TASK"
    VISIT = "VISIT"


@dataclass
class Activity:
    customer_id: int
    type: ActivityType
    subject: str
    due_on: date
    owner_id: int
    done: bool = False
    opportunity_id: int | None = None
    id: int | None = None


async def save_activity(uow: UnitOfWork, activity: Activity) -> Activity:
    problems = ProblemCollector()
    activity.subject = clean_text(problems, ("subject",), activity.subject, required=True) or ""
    check_day(problems, ("dueOn",), activity.due_on)
    problems.raise_if_any()
    await get_customer(uow, activity.customer_id)
    if not await uow.staff.exists(activity.owner_id):
        raise NotFound("Staff user", ("ownerId",))
    if activity.opportunity_id is not None:
        opportunity = await get_opportunity(uow, activity.opportunity_id)
        if opportunity.customer_id != activity.customer_id:
            raise Conflict("The opportunity is another customer's.", ("opportunityId",))
    new = activity.id is None
    if new:
        await uow.activities.add(activity)
    elif await uow.activities.get(activity.id or 0) is None:
        raise NotFound("Activity", ("id",))
    else:
        await uow.activities.save(activity)
    assert activity.id is not None
    uow.record(
        ActivitySaved(
            activity.customer_id,
            activity.id,
            activity.opportunity_id,
            activity.type.value,
            activity.subject,
            activity.due_on,
            activity.done,
            new,
        )
    )
    return activity
