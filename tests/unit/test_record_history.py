"""The record's history keeps each fact as it happened: read back, it is the same fact and
words the same entries; no event writes an entry the history does not keep; erasing a
customer takes out what identified them, then and now."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.consent.events import ConsentRecorded
from domain.customers.events import CustomerCreated, CustomerDetailsChanged, RelationshipAdded
from domain.events import DomainEvent, Fact, LinkedToOpportunity
from domain.fundraising.events import ActivitySaved, InstalmentPaid
from domain.history import WrittenBeforeHistory, erased, fact_from, facts_of, former_words
from domain.money import Money
from domain.sales.events import ItemsReturned, VisitRecorded
from domain.sales.orders import Involvement
from domain.timeline import OpportunityLink, Subject, TimelineEntry, TimelineEntryType

SAMPLES: list[Fact] = [
    CustomerDetailsChanged(1, (("firstName", "Ada", "Augusta"), ("emails", [], [{"a": "b"}]))),
    RelationshipAdded(4, "Spouse", (1, "Ada King"), (2, "William King")),
    ItemsReturned(
        7,
        "O-7",
        ((1, Involvement.OWNER), (3, Involvement.SOFT_CREDIT)),
        9,
        Money(2500, "GBP"),
        None,
    ),
    VisitRecorded(1, 2, "Hamlet", datetime(2026, 3, 1, 19, 30, tzinfo=UTC), 5),
    InstalmentPaid(1, 2, None, 3, 1000, 2000, "GBP"),
    ActivitySaved(1, 8, 9, "CALL", "Thank you", date(2026, 4, 1), False, True),
    LinkedToOpportunity(OpportunityLink((Subject("Pledge", 2), Subject("Instalment", 3)), 9)),
    WrittenBeforeHistory(
        TimelineEntry(
            1,
            TimelineEntryType.VISIT,
            "Checked in at Hamlet.",
            {"eventInstanceId": "2"},
            datetime(2026, 3, 1, 19, 30, tzinfo=UTC),
            Subject("Visit", 5),
        )
    ),
]


def test_a_fact_read_back_from_the_history_is_the_fact_and_words_the_same_entries() -> None:
    for fact in SAMPLES:
        again = fact_from(type(fact).__name__, facts_of(fact))

        assert again == fact
        assert again.timeline_entries() == fact.timeline_entries()
        assert again.opportunity_links() == fact.opportunity_links()


def _events(kind: type) -> list[type]:
    return [kind, *(k for sub in kind.__subclasses__() for k in _events(sub))]


def test_every_event_that_writes_timeline_entries_is_kept_in_the_history() -> None:
    writers = [
        kind
        for kind in _events(DomainEvent)
        if kind.timeline_entries is not DomainEvent.timeline_entries
    ]

    assert writers
    assert [kind for kind in writers if not issubclass(kind, Fact)] == []


def test_erasing_takes_the_names_a_customer_had_and_the_values_they_gave_out_of_the_facts() -> None:
    history = [
        CustomerCreated(1, "Ada Byron"),
        CustomerDetailsChanged(1, (("lastName", "Byron", "King"),)),
        RelationshipAdded(4, "Spouse", (1, "Ada King"), (2, "William King")),
    ]
    words = sorted(former_words(history, 1) | {"Ada King", "Ada", "King"}, key=len, reverse=True)

    forgotten = [erased(type(f).__name__, facts_of(f), words, 1) for f in history]

    assert "Byron" in former_words(history, 1)
    text = repr([(f, f.timeline_entries() if f else None) for f in forgotten])
    assert "Byron" not in text and "Ada" not in text
    assert forgotten[1] == CustomerDetailsChanged(1, (("lastName", "[erased]", "[erased]"),))
    assert "[erased] added as Spouse." in text


def test_erasing_leaves_codes_alone_whatever_the_person_was_called() -> None:
    words = ["owner", "order", "web", "gbp", "visit", "call"]
    facts = [
        consent_recorded_on_the_web(),
        SAMPLES[2],  # items returned: an owner, an order, pounds
        SAMPLES[5],  # a call
        SAMPLES[7],  # a visit written before the history
    ]

    forgotten = [erased(type(f).__name__, facts_of(f), words, 1) for f in facts]

    assert [type(f) for f in forgotten] == [type(f) for f in facts]
    assert forgotten[0] == facts[0]
    assert forgotten[1] == facts[1]
    assert forgotten[2] is not None and forgotten[2].timeline_entries()[0].summary == (
        "Call planned: Thank you (due 2026-04-01)."
    )


def consent_recorded_on_the_web() -> Fact:
    return ConsentRecorded(1, 1, 2, "News", True, "WEB", 1, None)
