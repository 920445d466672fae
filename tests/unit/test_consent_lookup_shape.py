"""The consent look-up inside a mailing's batch names no outer table: SQLAlchemy does not
correlate a subquery nested in another to an outer table, so naming one there makes it a
second, uncorrelated FROM, read whole for every ledger entry looked at. Every answer stays
right, which is why only the statement's shape can show it: at 100,000 recipients each
batch of 250 took eight seconds (65 messages a second)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from infra.db.mailing_sending import batch_statement

# A table's name not followed by a dot is where it is read (FROM or JOIN), not a column.
READ = re.compile(r"\b(mailing_delivery|customer|mailing)\b(?!\.)")


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()], ids=str)
def test_a_batch_reads_each_of_its_tables_once(dialect: object) -> None:
    sql = str(batch_statement([1, 2]).compile(dialect=dialect))  # type: ignore[arg-type]
    assert sorted(READ.findall(sql)) == ["customer", "mailing", "mailing_delivery"], sql
