"""Setting up a catalogue and customers for sales tests, through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conftest import Api
from tests.e2e.test_customers import create_individual

ORDER_FIELDS = """
  id reference channel externalReference total { amount currency formatted }
  owner { displayName } facilitator { displayName } bookedFor { displayName }
  softCredited { displayName }
  items { id kind price { amount } commission { amount } amount { amount } returned
          priceBand instance { startsAt event { name } } fund { code } scheme { name } }
  attributes { key value } history { what actor }
"""
RECORD_ORDER = f"""
mutation($input: RecordOrderInput!) {{
  recordOrder(input: $input) {{
    created order {{ {ORDER_FIELDS} }} errors {{ code message field }}
  }}
}}"""


@dataclass
class Catalogue:
    instance: str
    fund: str
    scheme: str
    partner: str


async def save(api: Api, mutation: str, input_type: str, field: str, values: dict[str, Any]) -> str:
    data = await api.data(
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {field} {{ id }} "
        "errors { code message field } } }",
        {"input": values},
    )
    payload = data[mutation]
    assert payload["errors"] == [], payload["errors"]
    return payload[field]["id"]  # type: ignore[no-any-return]


async def catalogue(api: Api) -> Catalogue:
    partner = await save(
        api, "savePartnerCompany", "PartnerCompanyInput", "partnerCompany", {"name": "Kneehigh"}
    )
    event = await save(
        api,
        "saveEvent",
        "EventInput",
        "event",
        {"name": "Tristan & Yseult", "partnerCompanyId": partner},
    )
    instance = await save(
        api,
        "saveEventInstance",
        "EventInstanceInput",
        "eventInstance",
        {"eventId": event, "startsAt": "2027-03-01T19:30:00+00:00", "venue": "Main House"},
    )
    fund = await save(
        api, "saveFund", "FundInput", "fund", {"name": "Annual Fund", "code": "annual"}
    )
    scheme = await save(
        api,
        "saveMembershipScheme",
        "MembershipSchemeInput",
        "membershipScheme",
        {
            "name": "Friends",
            "price": 5000,
            "lengthMonths": 12,
            "renewalWindowDays": 30,
            "gracePeriodDays": 14,
            "autoRenewAllowed": True,
        },
    )
    return Catalogue(instance, fund, scheme, partner)


def ticket(cat: Catalogue, price: int = 2500, commission: int = 150) -> dict[str, Any]:
    return {
        "kind": "TICKET",
        "price": price,
        "commission": commission,
        "instanceId": cat.instance,
        "priceBand": "A",
    }


async def record(api: Api, owner: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data = await api.data(
        RECORD_ORDER,
        {"input": {"ownerId": owner, "channel": "BOX_OFFICE", "items": items, **extra}},
    )
    return data["recordOrder"]  # type: ignore[no-any-return]


async def person(api: Api, name: str) -> str:
    return (await create_individual(api, firstName=name, lastName="Buyer"))["id"]  # type: ignore[no-any-return]
