"""How many reminders an instalment may have, and how far apart, whoever sends them."""

from __future__ import annotations

from datetime import date

from domain.fundraising.reminders import ReminderPolicy

POLICY = ReminderPolicy(first_days_before=14, every_days=7, max_reminders=3)
TODAY = date(2026, 12, 1)


def test_a_first_reminder_may_go_at_any_time() -> None:
    assert POLICY.refusal([], TODAY) is None


def test_a_reminder_too_soon_after_the_last_is_refused_naming_when_the_next_may_go() -> None:
    refusal = POLICY.refusal([date(2026, 11, 28)], TODAY)

    assert refusal is not None
    assert "one every 7 days" in refusal and "5 December 2026" in refusal


def test_a_reminder_a_whole_interval_after_the_last_may_go() -> None:
    assert POLICY.refusal([date(2026, 11, 17), date(2026, 11, 24)], TODAY) is None


def test_the_reminder_past_the_most_allowed_is_refused_however_long_ago_the_last_went() -> None:
    refusal = POLICY.refusal([date(2026, 1, 1)] * 3, TODAY)

    assert refusal is not None and "at most 3" in refusal


def test_a_policy_of_no_reminders_refuses_every_one() -> None:
    assert ReminderPolicy(max_reminders=0).refusal([], TODAY) is not None
