"""A relay killed while it works through a backlog publishes again at most one small batch,
loses nothing, and every notice carries its message id in its body."""

from __future__ import annotations

import pytest

from infra.settings import Settings
from tests.integration.relay_drill import kill_drill


def test_a_killed_relay_repeats_at_most_a_batch_per_kill_and_loses_nothing(
    settings: Settings,
) -> None:
    if settings.embedded_broker:
        pytest.skip("Needs RabbitMQ and a relay process to kill; the embedded relay is a thread.")
    result = kill_drill(backlog=1000, kills=1)

    print(f"duplicates per relay kill: {result.duplicates / result.kills:.1f}")
    assert result.distinct == result.backlog  # none lost; each body names its message
    assert result.duplicates <= settings.relay_batch_size * result.kills
