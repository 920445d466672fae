"""Dates beyond the days Foyer plans over (domain/calendar.py) are a VALIDATION error on
their field and change nothing: `9999-12-31` used to be accepted and then fail, as INTERNAL,
every read that added a day, a month or a year to it (found by a hostile probe)."""

from __future__ import annotations

from tests.conftest import Api
from tests.e2e.fundraising_fixtures import ERRORS, RECORD_PLEDGE, codes, fundraising, mutate
from tests.e2e.sales_fixtures import catalogue, person, record, ticket
from tests.e2e.test_pledges_and_more import SAVE_ACTIVITY
from tests.e2e.test_segments import PREVIEW, save

MEASURES = "query($year: Int!) { insights { measures(year: $year) { year { gifts } } } }"
PLEDGES = "query($id: ID!) { customer(id: $id) { ... on Individual { pledges { id } } } }"
FAR = "9999-12-31"


async def test_a_criterion_far_in_the_future_is_refused_where_it_is_given(api: Api) -> None:
    given = {"donation": {"given": {"until": FAR}}}
    performed = {"booking": {"performed": {"since": "0001-01-01"}}}

    preview = await api.call(PREVIEW, {"criteria": given})
    saving = await save(api, performed)

    assert preview["data"] is None
    assert preview["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert preview["errors"][0]["message"].startswith("`criteria.donation.given.until`: Must be")
    assert saving["segment"] is None
    assert [(e["code"], e["field"]) for e in saving["errors"]] == [
        ("VALIDATION", ["criteria", "booking", "performed", "since"])
    ]


async def test_an_order_from_before_the_calendar_is_refused(api: Api) -> None:
    """Year 1 went into the timeline and the Donor Profile, which Excel cannot show."""
    cat = await catalogue(api)
    owner = await person(api, "Olive")

    refused = await record(api, owner, [ticket(cat)], orderedAt="0001-01-01T00:00:00Z")
    kept = await record(api, owner, [ticket(cat)], orderedAt="1999-12-31T19:30:00Z")

    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("VALIDATION", ["orderedAt"])]
    assert refused["order"] is None and kept["errors"] == []


async def test_the_audience_measures_are_for_a_year_foyer_plans_over(api: Api) -> None:
    for year in (0, -5, 9999, 10000):
        refused = await api.call(MEASURES, {"year": year})
        # A read's bad argument: GraphQL's own code, the message naming the argument.
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", year
        assert refused["errors"][0]["message"].startswith("`year`: Must be between 1900")
    assert "errors" not in await api.call(MEASURES, {"year": 2026})


async def test_pledge_and_activity_dates_past_the_calendar_are_refused(api: Api) -> None:
    plan = await fundraising(api)
    fund = plan.catalogue.fund
    split = {"customerId": plan.donor, "amount": 1200, "fundId": fund}
    split |= {"equalInstalments": 12, "firstDueOn": "9999-06-01"}
    explicit = {"customerId": plan.donor, "amount": 1200, "fundId": fund}
    explicit |= {"instalments": [{"amount": 1200, "dueOn": FAR}]}
    activity = {"customerId": plan.donor, "type": "MEETING", "subject": "Tour"}
    activity |= {"dueOn": FAR, "ownerId": plan.owner}

    by_split = await mutate(api, RECORD_PLEDGE, {"input": split})
    by_date = await mutate(api, RECORD_PLEDGE, {"input": explicit})
    saved = await mutate(api, SAVE_ACTIVITY, {"input": activity})

    assert codes(by_split) == [("VALIDATION", ["firstDueOn"])]
    assert codes(by_date) == [("VALIDATION", ["instalments", "0", "dueOn"])]
    assert codes(saved) == [("VALIDATION", ["dueOn"])]
    pledges = await api.data(PLEDGES, {"id": plan.donor})
    assert pledges["customer"]["pledges"] == []
    assert ERRORS  # the payloads above carry it
