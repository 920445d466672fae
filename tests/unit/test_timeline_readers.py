"""Who reads each kind of timeline entry is decided for every kind, none by default."""

from __future__ import annotations

from domain.roles import Role
from domain.timeline import READER_OF, TimelineEntryType, readable_types


def test_every_timeline_entry_type_names_its_reader() -> None:
    assert set(READER_OF) == set(TimelineEntryType)


def test_fundraising_entries_are_read_only_with_opportunities() -> None:
    sales = readable_types({Role.SALES})
    fundraiser = readable_types({Role.OPPORTUNITIES})

    for kind in ("OPPORTUNITY_OPENED", "OPPORTUNITY_STAGE_CHANGED", "PLEDGE", "LEGACY"):
        assert TimelineEntryType(kind) not in sales
        assert TimelineEntryType(kind) in fundraiser
    assert TimelineEntryType.TICKETS in sales


def test_a_mailing_on_the_timeline_is_read_with_insights_as_the_mailing_is() -> None:
    assert TimelineEntryType.MAILING_SENT in readable_types({Role.INSIGHTS})
    assert TimelineEntryType.MAILING_SENT not in readable_types({Role.SALES, Role.OPPORTUNITIES})
