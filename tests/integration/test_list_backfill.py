"""The migration that gives frozen lists their own sharing and reads fills them in for lists
frozen before it: shared as their segment is, reading what its criteria read (the rule of
domain/segments/access.py, which the migration writes out for itself)."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from domain.segments import criteria as k
from domain.segments.access import roles_to_read
from infra.db.migrate import alembic_config

BEFORE = "7d3e5a1c9b42"
TENANT = (
    "INSERT INTO tenant (id, slug, name, currency, next_customer_number, created_at) "
    "VALUES (1, 'old', 'Old', 'GBP', 1, '2026-01-01 00:00:00')"
)
SEGMENT = (
    "INSERT INTO segment (id, tenant_id, name, description, criteria, owner_kind, owner_id, "
    "owner, shared, created_at, updated_at) VALUES (:id, 1, 'S', '', :criteria, 'USER', 1, "
    "'u', :shared, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)
LIST = (
    "INSERT INTO customer_list (id, tenant_id, name, segment_id, frozen_at, created_by, "
    "created_by_kind, created_by_id, size) VALUES (:id, 1, 'L', :segment, "
    "'2026-01-01 00:00:00', 'u', 'USER', 1, 0)"
)
CRITERIA = {
    1: (k.AllOf((k.TagCriterion("vip"), k.NoneOf(k.OpportunityCriterion(open=True)))), True),
    2: (k.AnyOf((k.AttributeCriterion("health", protected=True),)), False),
    3: (k.StatusCriterion(k.CustomerStatus.INACTIVE), True),
    4: (k.TagCriterion("vip"), False),
}


def test_lists_frozen_before_take_their_segments_sharing_and_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), BEFORE)
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text(TENANT))
        for pk, (root, shared) in CRITERIA.items():
            db.execute(
                text(SEGMENT), {"id": pk, "criteria": json.dumps(k.to_json(root)), "shared": shared}
            )
            db.execute(text(LIST), {"id": pk, "segment": pk})
    engine.dispose()

    command.upgrade(alembic_config(url), "head")

    with create_engine(url).connect() as db:
        rows = db.execute(text("SELECT id, shared, reads FROM customer_list ORDER BY id")).all()
    found = {pk: (bool(shared), json.loads(reads)) for pk, shared, reads in rows}
    assert found == {
        pk: (shared, sorted(role.value for role in roles_to_read(root)))
        for pk, (root, shared) in CRITERIA.items()
    }
    assert found[1][1] == ["INSIGHTS", "OPPORTUNITIES"]
